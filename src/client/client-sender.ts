import type { Socket } from 'node:net';
import { encodeClosePayload } from '../protocol/close-payload.js';
import { encodeClientFrame } from '../protocol/frame-encoder.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../protocol/frame-flag.constants.js';
import { Frame, type FrameData } from '../protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../protocol/opcode.constants.js';
import type { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import { OutgoingFragments } from './outgoing-fragments.js';
import { SendQueue } from './send-queue.js';

/** Control frames carry at most 125 bytes (RFC 6455 section 5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** A frame to send, as `push` was given it. */
export interface OutgoingFrame {
  payload: FrameData;
  opcode: number;
  flags: number;
}

/** How the sender compresses and how much it buffers. */
export interface SenderOptions {
  /** The connection's permessage-deflate context, if the extension was agreed. */
  codec: PerMessageDeflateCodec | null;
  /** Whether the agreed parameters let the client compress. */
  compresses: boolean;
  /** The most bytes pushed but not yet handed to the operating system. */
  maxOutputBuffer: number;
}

/**
 * The send side of a client: checks and frames what the application pushes (masked, as a
 * client must), keeps fragmented messages valid, compresses on request, and writes in order.
 */
export class ClientSender {
  private readonly queue: SendQueue;
  private readonly fragments = new OutgoingFragments();

  constructor(
    private readonly socket: Socket,
    private readonly options: SenderOptions,
  ) {
    this.queue = new SendQueue(socket);
  }

  /** Bytes pushed but not yet handed to the operating system. */
  get bufferedAmount(): number {
    return this.queue.bufferedAmount;
  }

  /**
   * Sends a frame of the application: a ping or pong of at most 125 bytes, or a text, binary
   * or continuation frame that keeps the message stream valid and fits in the output buffer.
   * False, sending nothing, otherwise.
   */
  send(frame: OutgoingFrame): boolean {
    const { payload, opcode, flags } = frame;
    if (opcode === WEBSOCKET_OPCODE_PING || opcode === WEBSOCKET_OPCODE_PONG) {
      return this.control(opcode, toBytes(payload));
    }
    if (
      opcode !== WEBSOCKET_OPCODE_TEXT &&
      opcode !== WEBSOCKET_OPCODE_BINARY &&
      opcode !== WEBSOCKET_OPCODE_CONTINUATION
    ) {
      return false;
    }
    return this.data(payload, opcode, flags);
  }

  /** Sends a control frame; false when the payload is above 125 bytes. */
  control(opcode: number, payload: Buffer): boolean {
    if (payload.length > MAX_CONTROL_PAYLOAD) return false;
    this.queue.write(encodeClientFrame(opcode, payload));
    return true;
  }

  /** Answers a ping with its payload. */
  pong(payload: Buffer): void {
    this.queue.write(encodeClientFrame(WEBSOCKET_OPCODE_PONG, payload));
  }

  /** Sends a close frame (no code: an empty payload). */
  close(code: number | undefined, reason: string): void {
    this.queue.write(encodeClientFrame(WEBSOCKET_OPCODE_CLOSE, encodeClosePayload(code, reason)));
  }

  /** Ends our side of the TCP connection once every queued frame is written. */
  endWhenWritten(): void {
    this.queue.whenIdle(() => this.socket.end());
  }

  private data(data: FrameData, opcode: number, flags: number): boolean {
    const fin = (flags & SWOOLE_WEBSOCKET_FLAG_FIN) !== 0;
    const payload = toBytes(data);
    if (this.queue.bufferedAmount + payload.length > this.options.maxOutputBuffer) return false;
    if (!this.fragments.check(opcode, payload, fin, typeof data === 'string')) return false;
    const whole = fin && opcode !== WEBSOCKET_OPCODE_CONTINUATION;
    if (whole && this.options.compresses && (flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS) !== 0) {
      // zlib reads the buffer later: a copy keeps the caller free to reuse theirs at once.
      this.compressed(opcode, typeof data === 'string' ? payload : Buffer.from(payload));
    } else {
      this.queue.write(encodeClientFrame(opcode, payload, { fin }));
    }
    this.fragments.commit(opcode, payload, fin);
    return true;
  }

  /** Compresses with this connection's context; frames pushed meanwhile wait their turn. */
  private compressed(opcode: number, payload: Buffer): void {
    const deliver = this.queue.reserve(payload.length);
    (this.options.codec as PerMessageDeflateCodec).compress(payload, (compressed) =>
      deliver(encodeClientFrame(opcode, compressed, { rsv1: true })),
    );
  }
}

/**
 * The frame `push(data, opcode, flags)` asks for: a `Frame` carries its own opcode and flags
 * (its `finish` decides FIN); a string or Buffer takes the arguments. Null for anything else.
 */
export function outgoingFrameOf(
  data: FrameData | Frame,
  opcode: number,
  flags: number,
): OutgoingFrame | null {
  if (data instanceof Frame) {
    return {
      payload: data.payload,
      opcode: data.opcode,
      flags: data.finish
        ? data.flags | SWOOLE_WEBSOCKET_FLAG_FIN
        : data.flags & ~SWOOLE_WEBSOCKET_FLAG_FIN,
    };
  }
  if (typeof data === 'string' || Buffer.isBuffer(data)) return { payload: data, opcode, flags };
  return null;
}

/** The bytes of a payload: a string as UTF-8. */
export function toBytes(data: FrameData): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
