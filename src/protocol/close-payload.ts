import { isUtf8 } from 'node:buffer';
import {
  WEBSOCKET_CLOSE_MESSAGE_ERROR,
  WEBSOCKET_CLOSE_PROTOCOL_ERROR,
  WEBSOCKET_CLOSE_STATUS_ERROR,
  isValidWireCloseCode,
} from './close-code.constants.js';

/** A close frame holds 125 bytes: the 2-byte code and at most 123 bytes of reason. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** A close frame's payload read: its code (1005 when it had none) and reason. */
export interface ClosePayload {
  code: number;
  reason: string;
}

/** Why a close payload is invalid, with the close code that answers it. */
export interface ClosePayloadError {
  error: number;
  message: string;
}

/**
 * Reads a close frame's payload (RFC 6455 section 5.5.1): nothing, or a 2-byte code valid on
 * the wire followed by a UTF-8 reason. Anything else is an error carrying the close code that
 * answers it (1002 for the shape or the code, 1007 for the reason).
 */
export function decodeClosePayload(payload: Buffer): ClosePayload | ClosePayloadError {
  if (payload.length === 0) return { code: WEBSOCKET_CLOSE_STATUS_ERROR, reason: '' };
  if (payload.length === 1)
    return { error: WEBSOCKET_CLOSE_PROTOCOL_ERROR, message: 'close payload of 1 byte' };
  const code = payload.readUInt16BE(0);
  if (!isValidWireCloseCode(code))
    return { error: WEBSOCKET_CLOSE_PROTOCOL_ERROR, message: `invalid close code ${code}` };
  const reason = payload.subarray(2);
  if (!isUtf8(reason))
    return { error: WEBSOCKET_CLOSE_MESSAGE_ERROR, message: 'close reason is not valid UTF-8' };
  return { code, reason: reason.toString('utf8') };
}

/**
 * The payload of a close frame: a 2-byte code and a UTF-8 reason, or nothing without a code.
 * Written as asked (test peers send invalid codes on purpose): see `isSendableClose`.
 */
export function encodeClosePayload(code?: number, reason = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const reasonLength = Buffer.byteLength(reason);
  const payload = Buffer.allocUnsafe(2 + reasonLength);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return payload;
}

/**
 * Whether a close frame with this code and reason is valid on the wire: no code (1005), or a
 * code valid on the wire with a reason of at most 123 bytes of UTF-8.
 */
export function isSendableClose(code: number, reason: string): boolean {
  if (code === WEBSOCKET_CLOSE_STATUS_ERROR) return true;
  return isValidWireCloseCode(code) && Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES;
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
