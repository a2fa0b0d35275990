import { decodeFrame } from '../../src/protocol/frame-decoder.js';
import { ByteQueue } from '../../src/protocol/byte-queue.js';

/** One frame as the server sent it (payload unmasked if the server masked it, which it must not). */
export interface ServerFrame {
  fin: boolean;
  /** RSV1..RSV3 as a 3-bit number (RSV1 = 4, RSV2 = 2, RSV3 = 1), as Autobahn counts them. */
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/**
 * Splits the server's byte stream into frames. It checks nothing (the message assembler does):
 * it only needs the header to know how many bytes a frame takes.
 */
export class ServerFrameReader {
  private readonly queue = new ByteQueue();

  /** Feeds bytes; returns every frame they complete. */
  push(chunk: Buffer): ServerFrame[] {
    this.queue.push(chunk);
    const frames: ServerFrame[] = [];
    for (;;) {
      const size = this.nextFrameSize();
      if (size === null || this.queue.length < size) return frames;
      const decoded = decodeFrame(this.queue.take(size));
      if (decoded === null) throw new Error('frame reader: inconsistent frame size');
      frames.push({
        fin: decoded.fin,
        rsv: (decoded.rsv1 ? 4 : 0) | (decoded.rsv2 ? 2 : 0) | (decoded.rsv3 ? 1 : 0),
        opcode: decoded.opcode,
        masked: decoded.masked,
        payload: decoded.payload,
      });
    }
  }

  /** Header plus payload size of the next frame, or null while its header is incomplete. */
  private nextFrameSize(): number | null {
    const head = this.queue.peek(2);
    if (head === null) return null;
    const masked = (head[1] & 0x80) !== 0;
    const code = head[1] & 0x7f;
    const lengthBytes = code === 126 ? 2 : code === 127 ? 8 : 0;
    const headerSize = 2 + lengthBytes + (masked ? 4 : 0);
    const header = this.queue.peek(headerSize);
    if (header === null) return null;
    let length = code;
    if (code === 126) length = header.readUInt16BE(2);
    if (code === 127) length = Number(header.readBigUInt64BE(2));
    return headerSize + length;
  }
}
