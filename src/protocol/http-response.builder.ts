import { STATUS_CODES } from 'node:http';
import { computeAcceptKey } from './accept-key.js';

/** Response headers: a value, or several values sent as repeated header lines. */
export type ResponseHeaders = Record<string, string | number | readonly string[]>;

/**
 * The raw bytes of an HTTP/1.1 response head (status line, headers, blank line), for answering
 * on a socket that Node's HTTP server has handed over (an upgrade).
 */
export function buildResponseHead(status: number, headers: ResponseHeaders = {}): string {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const item of value) lines.push(`${name}: ${item}`);
    else lines.push(`${name}: ${String(value)}`);
  }
  return lines.join('\r\n') + '\r\n\r\n';
}

/** The 101 response that completes an opening handshake (RFC 6455 section 4.2.2). */
export function buildHandshakeResponse(key: string, headers: ResponseHeaders = {}): string {
  return buildResponseHead(101, {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': computeAcceptKey(key),
    ...headers,
  });
}

/** A complete error response with a plain-text body, closing the connection. */
export function buildErrorResponse(
  status: number,
  reason: string,
  headers: ResponseHeaders = {},
): string {
  const body = `${reason}\n`;
  return (
    buildResponseHead(status, {
      Connection: 'close',
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    }) + body
  );
}
