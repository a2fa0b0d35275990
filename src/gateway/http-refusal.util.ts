import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { buildErrorResponse } from '../protocol/http-response.builder.js';

/** How long a refused socket may take to read its answer before it is destroyed. */
const REFUSAL_LINGER_MS = 1000;

/**
 * Answers a request read off a raw socket with an HTTP error and closes the connection: the
 * answer is written and the socket ended, then destroyed a second later whatever the peer does.
 */
export function refuseRaw(
  socket: Socket,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): void {
  if (socket.destroyed) return;
  if (socket.writable) socket.end(buildErrorResponse(status, reason, headers));
  setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
}

/** Answers a Node HTTP response with a short plain-text error and closes the connection. */
export function sendPlain(response: ServerResponse, status: number, reason: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  response.end(`${reason}\n`);
}

/**
 * Whether the client is gone or going: it closed its side while its handshake waited (a
 * WebSocket client never half-closes before the 101, and the paused socket may already have
 * seen the end), or we refused it meanwhile.
 */
export function peerLeft(socket: Socket): boolean {
  return !socket.writable || socket.readableEnded;
}
