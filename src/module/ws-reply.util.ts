import { isObservable, type Observable } from 'rxjs';
import type { WsServer } from '../gateway/ws-server.service.js';
import { Frame } from '../protocol/frame.js';
import { WEBSOCKET_OPCODE_BINARY, WEBSOCKET_OPCODE_TEXT } from '../protocol/opcode.constants.js';

/**
 * What a handler or an exception filter returns to send nothing. An exception filter must
 * return something for Nest to count the error as handled (Nest 11 rethrows on any falsy
 * value, Nest 12 on `undefined`), so a filter that answers by itself returns this.
 */
export const WS_NO_REPLY: unique symbol = Symbol('WS_NO_REPLY');

/** A handler's return value, as it goes on the wire. */
export type WsReply = { data: string | Buffer | Frame; opcode: number } | null;

/**
 * How a returned value is pushed: a `Frame` as is, a string as text, a Buffer or typed array as
 * binary, anything else as JSON text. `undefined` and `null` send nothing.
 */
export function toReply(value: unknown): WsReply {
  if (value === undefined || value === null || value === WS_NO_REPLY) return null;
  if (value instanceof Frame) return { data: value, opcode: value.opcode };
  if (typeof value === 'string') return { data: value, opcode: WEBSOCKET_OPCODE_TEXT };
  if (Buffer.isBuffer(value)) return { data: value, opcode: WEBSOCKET_OPCODE_BINARY };
  if (value instanceof Uint8Array) {
    return {
      data: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      opcode: WEBSOCKET_OPCODE_BINARY,
    };
  }
  return { data: JSON.stringify(value), opcode: WEBSOCKET_OPCODE_TEXT };
}

/**
 * Pushes a handler's value to a connection, as `toReply` frames it. Throws when the value
 * cannot be sent (not serialisable): the caller applies the error rule.
 */
export function pushReply(server: Pick<WsServer, 'push'>, fd: number, value: unknown): void {
  const reply = toReply(value);
  if (reply) server.push(fd, reply.data, reply.opcode);
}

/** Whether a result is a stream whose every value is a reply. */
export function isReplyStream(value: unknown): value is Observable<unknown> {
  return isObservable(value);
}
