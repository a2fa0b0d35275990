import { isUtf8 } from 'node:buffer';
import { WEBSOCKET_CLOSE_NORMAL, WEBSOCKET_CLOSE_STATUS_ERROR } from './close-code.constants.js';
import { decodeClosePayload, encodeClosePayload, isSendableClose } from './close-payload.js';
import { DEFAULT_PACKAGE_MAX_LENGTH } from './frame-flag.constants.js';
import { decodeFrame } from './frame-decoder.js';
import { encodeFrame, randomMask } from './frame-encoder.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
  SWOOLE_WEBSOCKET_FLAG_MASK,
  SWOOLE_WEBSOCKET_FLAG_RSV1,
  SWOOLE_WEBSOCKET_FLAG_RSV2,
  SWOOLE_WEBSOCKET_FLAG_RSV3,
} from './frame-flag.constants.js';
import {
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_TEXT,
  isControlOpcode,
  isKnownOpcode,
} from './opcode.constants.js';
import { deflateMessage, inflateMessage } from './permessage-deflate.util.js';

/** What may be sent as a message payload. */
export type FrameData = string | Buffer;

/**
 * A WebSocket frame, as Swoole's `Swoole\WebSocket\Frame`: what `@OnMessage` handlers receive
 * and what `push()` accepts. Constructible empty and filled in afterwards:
 *
 * ```ts
 * const frame = new Frame();
 * frame.opcode = WEBSOCKET_OPCODE_PING;
 * server.push(fd, frame);
 * ```
 *
 * `data` is a string for text frames received from the wire and a `Buffer` otherwise; whatever
 * is assigned to it is returned as is. `payload` is always the bytes.
 */
export class Frame {
  /** The connection the frame came from (0 when built by hand or by `unpack`). */
  fd = 0;
  /** The opcode (`WEBSOCKET_OPCODE_*`). */
  opcode: number = WEBSOCKET_OPCODE_TEXT;
  /** `SWOOLE_WEBSOCKET_FLAG_*` bits (FIN, RSV1-3, COMPRESS, MASK). */
  flags: number = SWOOLE_WEBSOCKET_FLAG_FIN;
  /** Whether this is the final fragment; it decides the FIN bit when the frame is packed. */
  finish = true;

  private assigned: FrameData | undefined = undefined;
  private bytes: Buffer | undefined = undefined;

  /** The message data: a string for received text, a Buffer for received binary and control. */
  get data(): FrameData {
    if (this.assigned !== undefined) return this.assigned;
    const bytes = this.bytes ?? EMPTY;
    this.assigned = this.opcode === WEBSOCKET_OPCODE_TEXT ? bytes.toString('utf8') : bytes;
    return this.assigned;
  }

  set data(value: FrameData) {
    this.assigned = value;
    this.bytes = undefined;
  }

  /** The payload as bytes, without copying when it came from the wire. */
  get payload(): Buffer {
    if (this.bytes !== undefined) return this.bytes;
    const data = this.assigned ?? EMPTY;
    this.bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.bytes;
  }

  /**
   * Builds a received frame around its payload bytes, without decoding them: text is decoded to
   * a string only when `data` is read.
   */
  static fromPayload(
    fd: number,
    opcode: number,
    payload: Buffer,
    flags = SWOOLE_WEBSOCKET_FLAG_FIN,
  ): Frame {
    const frame = opcode === WEBSOCKET_OPCODE_CLOSE ? new CloseFrame() : new Frame();
    frame.fd = fd;
    frame.opcode = opcode;
    frame.flags = flags;
    frame.finish = (flags & SWOOLE_WEBSOCKET_FLAG_FIN) !== 0;
    frame.bytes = payload;
    return frame;
  }

  /**
   * Packs data into one WebSocket frame, as Swoole's `Frame::pack()`. A `Frame` carries its own
   * opcode and flags, and the later arguments are ignored. `flags` may also be a boolean
   * (Swoole's older `finish` argument). With `SWOOLE_WEBSOCKET_FLAG_COMPRESS` the payload is
   * compressed (permessage-deflate, no context takeover) and RSV1 set; with
   * `SWOOLE_WEBSOCKET_FLAG_MASK` it is masked as a client frame.
   *
   * It never produces an invalid frame: a control frame (close, ping, pong) is always final
   * and never compressed, and the result is `false` for an opcode that is not one of the six
   * defined ones, a control payload over 125 bytes, or a close payload that is not a valid code
   * and UTF-8 reason (see `isSendableFrame`).
   */
  static pack(
    data: FrameData | Frame,
    opcode: number = WEBSOCKET_OPCODE_TEXT,
    flags: number | boolean = SWOOLE_WEBSOCKET_FLAG_FIN,
  ): Buffer | false {
    if (data instanceof Frame) return data.toBuffer();
    if (typeof data !== 'string' && !Buffer.isBuffer(data)) return false;
    const bits = typeof flags === 'boolean' ? (flags ? SWOOLE_WEBSOCKET_FLAG_FIN : 0) : flags;
    if (!Number.isInteger(bits)) return false;
    return packPayload(toBytes(data), opcode, bits);
  }

  /**
   * Unpacks one whole frame, as Swoole's `Frame::unpack()`: a `CloseFrame` for a close frame,
   * a `Frame` otherwise, or false when `data` is not one valid frame. A compressed payload is
   * inflated up to `maxLength` bytes (`package_max_length`, 2 MiB by default): a frame that
   * inflates past it is refused (false) as soon as the limit is reached.
   */
  static unpack(data: Buffer, maxLength: number = DEFAULT_PACKAGE_MAX_LENGTH): Frame | false {
    if (!Buffer.isBuffer(data)) return false;
    const decoded = decodeFrame(data);
    if (decoded === null || !isKnownOpcode(decoded.opcode)) return false;
    let flags = decoded.fin ? SWOOLE_WEBSOCKET_FLAG_FIN : 0;
    if (decoded.rsv2) flags |= SWOOLE_WEBSOCKET_FLAG_RSV2;
    if (decoded.rsv3) flags |= SWOOLE_WEBSOCKET_FLAG_RSV3;
    if (decoded.masked) flags |= SWOOLE_WEBSOCKET_FLAG_MASK;
    let payload = decoded.payload;
    if (decoded.rsv1) {
      flags |= SWOOLE_WEBSOCKET_FLAG_RSV1 | SWOOLE_WEBSOCKET_FLAG_COMPRESS;
      try {
        payload = inflateMessage(payload, maxLength);
      } catch {
        return false;
      }
    }
    if (decoded.opcode === WEBSOCKET_OPCODE_CLOSE)
      return CloseFrame.fromClosePayload(payload, flags);
    return Frame.fromPayload(0, decoded.opcode, payload, flags);
  }

  /** This frame as wire bytes, or false when it would not be a valid frame. */
  protected toBuffer(): Buffer | false {
    let flags = this.flags & ~SWOOLE_WEBSOCKET_FLAG_FIN;
    if (this.finish) flags |= SWOOLE_WEBSOCKET_FLAG_FIN;
    return packPayload(this.payload, this.opcode, flags);
  }
}

/**
 * A close frame, as Swoole's `Swoole\WebSocket\CloseFrame`: delivered to `@OnMessage` handlers
 * when `open_websocket_close_frame` is on, and pushable to close with a code and reason.
 */
export class CloseFrame extends Frame {
  /** The close status code (1005 when a received close frame carried none). */
  code: number = WEBSOCKET_CLOSE_NORMAL;
  /** The close reason (UTF-8, at most 123 bytes on the wire). */
  reason = '';

  constructor() {
    super();
    this.opcode = WEBSOCKET_OPCODE_CLOSE;
  }

  /**
   * Builds a close frame from a received close payload. A payload that is not a valid close
   * payload still gives a frame (code 1005 when too short, reason '' when not UTF-8), as unpack
   * reads frames without judging them.
   */
  static fromClosePayload(payload: Buffer, flags = SWOOLE_WEBSOCKET_FLAG_FIN, fd = 0): CloseFrame {
    const frame = Frame.fromPayload(fd, WEBSOCKET_OPCODE_CLOSE, payload, flags) as CloseFrame;
    const close = decodeClosePayload(payload);
    if ('error' in close) {
      frame.code = payload.length >= 2 ? payload.readUInt16BE(0) : WEBSOCKET_CLOSE_STATUS_ERROR;
      const reason = payload.subarray(2);
      frame.reason = isUtf8(reason) ? reason.toString('utf8') : '';
    } else {
      frame.code = close.code;
      frame.reason = close.reason;
    }
    return frame;
  }

  /**
   * A close frame carries its code and reason as the payload (none for code 1005); it is always
   * final. False for a code not valid on the wire or a reason over 123 bytes of UTF-8.
   */
  protected override toBuffer(): Buffer | false {
    if (!isSendableClose(this.code, this.reason)) return false;
    return packPayload(
      closePayloadOf(this.code, this.reason),
      WEBSOCKET_OPCODE_CLOSE,
      SWOOLE_WEBSOCKET_FLAG_FIN | (this.flags & SWOOLE_WEBSOCKET_FLAG_MASK),
    );
  }
}

/** The payload of a close frame with this code and reason (none for 1005). */
export function closePayloadOf(code: number, reason: string): Buffer {
  return encodeClosePayload(code === WEBSOCKET_CLOSE_STATUS_ERROR ? undefined : code, reason);
}

/**
 * Whether a frame may go out as is: one of the six defined opcodes; for a control frame, a
 * payload of at most 125 bytes and, for a close frame, a valid close payload.
 */
export function isSendableFrame(opcode: number, payload: Buffer): boolean {
  if (!Number.isInteger(opcode) || !isKnownOpcode(opcode)) return false;
  if (!isControlOpcode(opcode)) return true;
  if (payload.length > 125) return false;
  return opcode !== WEBSOCKET_OPCODE_CLOSE || !('error' in decodeClosePayload(payload));
}

const EMPTY = Buffer.alloc(0);

function toBytes(data: FrameData): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

function packPayload(payload: Buffer, opcode: number, flags: number): Buffer | false {
  if (!isSendableFrame(opcode, payload)) return false;
  const control = isControlOpcode(opcode);
  // RSV1 marks a compressed message on its first frame only (RFC 7692 section 6): never on a
  // continuation or a control frame.
  const compress =
    (flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS) !== 0 &&
    opcode !== WEBSOCKET_OPCODE_CONTINUATION &&
    !control;
  const body = compress ? deflateMessage(payload) : payload;
  return encodeFrame(opcode, body, {
    // A control frame is never fragmented (RFC 6455 section 5.5).
    fin: control || (flags & SWOOLE_WEBSOCKET_FLAG_FIN) !== 0,
    rsv1: compress || (!control && (flags & SWOOLE_WEBSOCKET_FLAG_RSV1) !== 0),
    rsv2: (flags & SWOOLE_WEBSOCKET_FLAG_RSV2) !== 0,
    rsv3: (flags & SWOOLE_WEBSOCKET_FLAG_RSV3) !== 0,
    mask: (flags & SWOOLE_WEBSOCKET_FLAG_MASK) !== 0 ? randomMask() : undefined,
  });
}
