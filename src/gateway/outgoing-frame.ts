import { isSendableClose } from '../protocol/close-payload.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../protocol/frame-flag.constants.js';
import {
  CloseFrame,
  Frame,
  type FrameData,
  closePayloadOf,
  isSendableFrame,
} from '../protocol/frame.js';
import {
  WEBSOCKET_OPCODE_CLOSE,
  isControlOpcode,
  isKnownOpcode,
} from '../protocol/opcode.constants.js';

/** A push, checked and normalised: what goes on the wire. */
export interface OutgoingFrame {
  data: FrameData;
  opcode: number;
  flags: number;
}

/**
 * Reads `push()`'s arguments, as Swoole's push: a `Frame` carries its own opcode and flags (the
 * later arguments are ignored), a `CloseFrame` its code and reason. Returns null for anything
 * that would not be a valid frame: data that is neither a string, a Buffer nor a Frame; an
 * opcode that is not one of the six defined ones; a control payload over 125 bytes or an
 * invalid close payload; a data payload over `maxPayload` (`buffer_output_size`).
 */
export function outgoingFrame(
  data: FrameData | Frame,
  opcode: number,
  flags: number,
  maxPayload: number,
): OutgoingFrame | null {
  let frame: OutgoingFrame;
  if (data instanceof CloseFrame) {
    if (!isSendableClose(data.code, data.reason)) return null;
    const payload = closePayloadOf(data.code, data.reason);
    frame = { data: payload, opcode: WEBSOCKET_OPCODE_CLOSE, flags: SWOOLE_WEBSOCKET_FLAG_FIN };
  } else if (data instanceof Frame) {
    const fin = data.finish;
    const bits = fin
      ? data.flags | SWOOLE_WEBSOCKET_FLAG_FIN
      : data.flags & ~SWOOLE_WEBSOCKET_FLAG_FIN;
    frame = { data: data.payload, opcode: data.opcode, flags: bits };
  } else if (typeof data === 'string' || Buffer.isBuffer(data)) {
    frame = { data, opcode, flags };
  } else {
    return null;
  }
  if (!Number.isInteger(frame.flags) || !isPushable(frame.opcode, frame.data, maxPayload))
    return null;
  return frame;
}

/** Whether the frame is final: control frames always are (RFC 6455 section 5.5). */
export function isFinal(frame: OutgoingFrame): boolean {
  return isControlOpcode(frame.opcode) || (frame.flags & SWOOLE_WEBSOCKET_FLAG_FIN) !== 0;
}

/** Whether the frame was pushed with `SWOOLE_WEBSOCKET_FLAG_COMPRESS`. */
export function wantsCompression(frame: OutgoingFrame): boolean {
  return (frame.flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS) !== 0;
}

/** The payload as bytes. */
export function toBytes(data: FrameData): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

function isPushable(opcode: number, payload: FrameData, maxPayload: number): boolean {
  if (!Number.isInteger(opcode) || !isKnownOpcode(opcode)) return false;
  if (isControlOpcode(opcode)) return isSendableFrame(opcode, toBytes(payload));
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  return length <= maxPayload;
}
