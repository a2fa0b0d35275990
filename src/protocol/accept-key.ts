import { createHash } from 'node:crypto';

/** The GUID RFC 6455 section 1.3 appends to the client's key. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)). */
export function computeAcceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

/** Whether a `Sec-WebSocket-Key` is the base64 encoding of exactly 16 bytes. */
export function isValidClientKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{21}[AQgw]==$/.test(key);
}
