/**
 * WebSocket opcodes (RFC 6455 section 5.2), under the names Swoole gives them.
 */
export const WEBSOCKET_OPCODE_CONTINUATION = 0x0;
/** A text message: its payload must be valid UTF-8. */
export const WEBSOCKET_OPCODE_TEXT = 0x1;
/** A binary message. */
export const WEBSOCKET_OPCODE_BINARY = 0x2;
/** A close frame (carries an optional status code and reason). */
export const WEBSOCKET_OPCODE_CLOSE = 0x8;
/** A ping frame: the peer must answer with a pong carrying the same payload. */
export const WEBSOCKET_OPCODE_PING = 0x9;
/** A pong frame. */
export const WEBSOCKET_OPCODE_PONG = 0xa;

/** The opcodes above as a typed enum. */
export enum WebSocketOpcode {
  Continuation = WEBSOCKET_OPCODE_CONTINUATION,
  Text = WEBSOCKET_OPCODE_TEXT,
  Binary = WEBSOCKET_OPCODE_BINARY,
  Close = WEBSOCKET_OPCODE_CLOSE,
  Ping = WEBSOCKET_OPCODE_PING,
  Pong = WEBSOCKET_OPCODE_PONG,
}

/** True for the control opcodes (close, ping, pong and the reserved 0xb-0xf). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** True for the opcodes RFC 6455 defines; 0x3-0x7 and 0xb-0xf are reserved. */
export function isKnownOpcode(opcode: number): boolean {
  return (
    Number.isInteger(opcode) &&
    ((opcode >= WEBSOCKET_OPCODE_CONTINUATION && opcode <= WEBSOCKET_OPCODE_BINARY) ||
      (opcode >= WEBSOCKET_OPCODE_CLOSE && opcode <= WEBSOCKET_OPCODE_PONG))
  );
}
