import type { Socket } from 'node:net';
import {
  encodeFrame,
  encodeServerFrameInto,
  type FrameHeaderOptions,
  frameHeaderSize,
  SMALL_FRAME_LIMIT,
  writeFrameHeader,
} from '../protocol/frame-encoder.js';
import { WEBSOCKET_OPCODE_CLOSE } from '../protocol/opcode.constants.js';
import type { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import { OutboundQueue } from './outbound-queue.js';
import type { ServerStatistics } from './server-statistics.js';
import { writeBatcher } from './write-batcher.js';
import type { ResolvedSettings } from './ws-server-options.interface.js';

/**
 * The one way out of a connection: every byte sent to it — data frames, pings, pongs, the
 * close frame, a broadcast's shared buffers, raw `send` bytes — goes through its sender, so
 * the output limit, write batching, compression and ordering are enforced in one place.
 *
 * - **Limit.** Everything counts against `buffer_output_size`; on overflow the frame is
 *   refused, and with `buffer_output_overflow: 'close'` the owner is told to fail the
 *   connection (1008). Only the final close frame may go past a full buffer.
 * - **Batching.** Frames written during one turn of the event loop leave in one write (see
 *   `WriteBatcher`): one syscall per connection per turn rather than one per frame.
 * - **Ordering.** A compressed frame is produced asynchronously; frames sent after it wait in
 *   an `OutboundQueue` so the wire keeps the order of the calls.
 * - **Sealing.** After the close frame nothing else is sent (RFC 6455 section 5.5.1).
 */
export class FrameSender {
  /** permessage-deflate, once negotiated. */
  codec: PerMessageDeflateCodec | null = null;
  /** Milliseconds timestamp of the last write. */
  lastSendTime = 0;

  /** Frames written this turn and not yet handed to the socket: one buffer, or several. */
  private batch: Buffer | Buffer[] | null = null;
  private batchBytes = 0;
  /**
   * Small frames after the first of a turn are written into a slab (from Node's buffer pool)
   * rather than each into a buffer of its own: `slabStart` is where this turn's still open
   * region begins (-1: none). The slab is dropped at every flush, so nothing is kept idle.
   */
  private slab: Buffer | null = null;
  private slabUsed = 0;
  private slabStart = -1;
  /** Sends in order when a compressed frame is still being produced (created on first need). */
  private queue: OutboundQueue | null = null;
  private sealed = false;

  constructor(
    private readonly socket: Socket,
    private readonly settings: ResolvedSettings,
    private readonly statistics: ServerStatistics,
    /** Called when the buffer overflows under `buffer_output_overflow: 'close'`. */
    private readonly overflowed: () => void,
  ) {}

  /** Bytes queued on the socket, batched, or waiting behind a compressed frame. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.batchBytes + (this.queue?.pendingBytes ?? 0);
  }

  /** Whether the close frame went out: nothing else will. */
  get closed(): boolean {
    return this.sealed;
  }

  /**
   * A data frame (or a continuation), compressed when asked (or over the threshold) and
   * negotiated. False when the buffer is full or the close frame was sent.
   */
  sendData(opcode: number, data: string | Buffer, fin: boolean, compress: boolean): boolean {
    if (this.sealed) return false;
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (!this.reserve(length + 10)) return false;
    this.statistics.messagesOut++;
    if (this.shouldCompress(opcode, fin, length, compress)) {
      this.sendCompressed(opcode, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      return true;
    }
    const headerSize = frameHeaderSize(length, false);
    if (length <= SMALL_FRAME_LIMIT || typeof data === 'string') {
      const size = headerSize + length;
      const options = fin ? FINAL : NOT_FINAL;
      if (this.queue !== null && !this.queue.idle) {
        const frame = Buffer.allocUnsafe(size);
        encodeServerFrameInto(frame, 0, opcode, data, length, options);
        this.send([frame]);
      } else if (this.batch === null || size > SLAB_SIZE) {
        // The first frame of a turn (often the only one) gets a buffer of its exact size.
        const frame = Buffer.allocUnsafe(size);
        encodeServerFrameInto(frame, 0, opcode, data, length, options);
        this.write(frame);
      } else {
        this.writeIntoSlab(size, opcode, data, length, options);
      }
    } else {
      const header = Buffer.allocUnsafe(headerSize);
      writeFrameHeader(header, 0, opcode, length, { fin });
      this.send([header, data]);
    }
    return true;
  }

  /** A frame encoded once for many connections (a broadcast). */
  sendEncoded(buffers: readonly Buffer[], length: number): boolean {
    if (this.sealed || !this.reserve(length)) return false;
    this.send(buffers);
    this.statistics.messagesOut++;
    return true;
  }

  /** Raw bytes, no framing (Swoole's `send`). */
  sendRaw(data: Buffer): boolean {
    if (!this.reserve(data.length)) return false;
    this.send([data]);
    return true;
  }

  /**
   * A ping or pong. It counts against the limit like data, so a peer that sends pings and
   * never reads cannot grow the queue: the pong is dropped (or the connection failed).
   */
  sendControl(opcode: number, payload: Buffer): boolean {
    if (this.sealed || !this.reserve(2 + payload.length)) return false;
    this.writeControl(opcode, payload);
    return true;
  }

  /** The close frame: it always goes out, full buffer or not, and seals the sender. */
  sendClose(payload: Buffer): void {
    if (this.sealed) return;
    this.sealed = true;
    this.writeControl(WEBSOCKET_OPCODE_CLOSE, payload);
  }

  /** Calls `done` once every frame (a compressed one may be pending) was handed to the socket. */
  whenFlushed(done: () => void): void {
    if (this.queue === null) done();
    else this.queue.whenIdle(done);
  }

  /**
   * Hands this turn's frames to the socket: one buffer as is, small ones joined into one, large
   * ones corked into one writev (no copy).
   * @internal Called by the `WriteBatcher`.
   */
  flushBatch(): void {
    this.closeSlabRegion();
    this.slab = null;
    const batch = this.batch;
    const bytes = this.batchBytes;
    this.batch = null;
    this.batchBytes = 0;
    if (batch === null || !this.socket.writable) return;
    if (!Array.isArray(batch)) {
      this.socket.write(batch);
    } else if (bytes <= JOIN_LIMIT) {
      this.socket.write(Buffer.concat(batch, bytes));
    } else {
      this.socket.cork();
      for (const buffer of batch) this.socket.write(buffer);
      this.socket.uncork();
    }
  }

  /** Drops what waits behind a compressed frame and frees the codec (the socket closed). */
  dispose(): void {
    this.queue?.clear();
    this.codec?.release();
  }

  /**
   * Whether `bytes` more fit the output buffer. An idle connection always takes one frame (the
   * payload limit itself is checked by `push`), so a payload of exactly `buffer_output_size` is
   * not refused for its header.
   */
  private reserve(bytes: number): boolean {
    if (!this.socket.writable) return false;
    const buffered = this.bufferedAmount;
    if (buffered === 0 || buffered + bytes <= this.settings.maxOutputBuffer) return true;
    if (this.settings.overflowCloses) this.overflowed();
    return false;
  }

  /**
   * Whether a message goes out compressed: permessage-deflate was negotiated, it is a whole data
   * message, and it was pushed with the COMPRESS flag or is at least
   * `websocket_compression_threshold` bytes.
   */
  private shouldCompress(
    opcode: number,
    fin: boolean,
    length: number,
    requested: boolean,
  ): boolean {
    if (this.codec === null || !fin || opcode >= WEBSOCKET_OPCODE_CLOSE || opcode === 0)
      return false;
    const threshold = this.settings.compressionThreshold;
    return requested || (threshold > 0 && length >= threshold);
  }

  /** Compresses with this connection's context; frames sent meanwhile wait their turn. */
  private sendCompressed(opcode: number, payload: Buffer): void {
    // Counted at its uncompressed size (as reserve did) until the compressed frame exists.
    const deliver = (this.queue ??= new OutboundQueue((data) => this.write(data))).reserve(
      payload.length + 10,
    );
    (this.codec as PerMessageDeflateCodec).compress(payload, (compressed) => {
      deliver([encodeFrame(opcode, compressed, { rsv1: true })]);
    });
  }

  /** A control frame (payload at most 125 bytes), written whole. */
  private writeControl(opcode: number, payload: Buffer): void {
    if (!this.socket.writable) return;
    const frame = Buffer.allocUnsafe(2 + payload.length);
    writeFrameHeader(frame, 0, opcode, payload.length);
    payload.copy(frame, 2);
    this.send([frame]);
  }

  /** Writes frames now, or behind a compressed frame still being produced. */
  private send(buffers: readonly Buffer[]): void {
    const queue = this.queue;
    if (queue === null || queue.idle) for (const buffer of buffers) this.write(buffer);
    else queue.push(buffers);
  }

  private write(data: Buffer): void {
    this.closeSlabRegion();
    this.account(data.length);
    this.append(data);
  }

  /** Encodes a small frame of `size` bytes into the turn's slab (a new one when it is full). */
  private writeIntoSlab(
    size: number,
    opcode: number,
    data: string | Buffer,
    length: number,
    options: ServerFrameOptions,
  ): void {
    let slab = this.slab;
    if (slab === null || slab.length - this.slabUsed < size) {
      this.closeSlabRegion();
      slab = this.slab = Buffer.allocUnsafe(SLAB_SIZE);
      this.slabUsed = 0;
    }
    if (this.slabStart < 0) this.slabStart = this.slabUsed;
    this.slabUsed = encodeServerFrameInto(slab, this.slabUsed, opcode, data, length, options);
    this.account(size);
  }

  /** Adds the slab's open region to the batch (its bytes were counted as they were written). */
  private closeSlabRegion(): void {
    if (this.slabStart < 0 || this.slab === null) return;
    this.append(this.slab.subarray(this.slabStart, this.slabUsed));
    this.slabStart = -1;
  }

  private account(bytes: number): void {
    this.lastSendTime = Date.now();
    this.statistics.bytesOut += bytes;
    this.batchBytes += bytes;
  }

  private append(data: Buffer): void {
    const batch = this.batch;
    if (batch === null) {
      this.batch = data;
      writeBatcher.schedule(this);
    } else if (Array.isArray(batch)) {
      batch.push(data);
    } else {
      this.batch = [batch, data];
    }
  }
}

/** A server frame's header options (server frames are never masked). */
type ServerFrameOptions = Omit<FrameHeaderOptions, 'mask'>;

/** Batches up to this size are joined into one buffer; larger ones are written as a vector. */
const JOIN_LIMIT = 16 * 1024;
/** Under 4 KiB, `Buffer.allocUnsafe` takes from Node's pool: no allocation of its own. */
const SLAB_SIZE = 4095;
const FINAL: ServerFrameOptions = { fin: true };
const NOT_FINAL: ServerFrameOptions = { fin: false };
