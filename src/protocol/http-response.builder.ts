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

/** The 101's fixed start: everything before the accept key. */
const HANDSHAKE_HEAD =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: ';

/** Header names the 101 always carries: an extra header of the same name is left out. */
const HANDSHAKE_HEADERS = new Set(['upgrade', 'connection', 'sec-websocket-accept']);

/**
 * The 101 response that completes an opening handshake (RFC 6455 section 4.2.2), with any
 * extra headers (subprotocol, extension, a `beforeHandshakeResponse` handler's). Built by
 * concatenation: this runs once per connection, on the path of every reconnect storm.
 */
export function buildHandshakeResponse(key: string, headers?: ResponseHeaders): string {
  let head = HANDSHAKE_HEAD + computeAcceptKey(key) + '\r\n';
  if (headers !== undefined) {
    for (const name in headers) {
      if (HANDSHAKE_HEADERS.has(name.toLowerCase())) continue;
      const value = headers[name];
      if (Array.isArray(value)) for (const item of value) head += `${name}: ${item}\r\n`;
      else head += `${name}: ${String(value)}\r\n`;
    }
  }
  return head + '\r\n';
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
