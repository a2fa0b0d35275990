import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  type InflateRaw,
} from 'node:zlib';
import {
  WEBSOCKET_CLOSE_MESSAGE_ERROR,
  WEBSOCKET_CLOSE_MESSAGE_TOO_BIG,
} from './close-code.constants.js';
import type { DeflateParams } from './permessage-deflate.negotiator.js';
import { DEFLATE_TAIL } from './permessage-deflate.util.js';
import { sharedZlibLimiter, type ZlibConcurrencyLimiter } from './zlib-concurrency.limiter.js';

/** A failed inflate: the close code to fail the connection with, and why. */
export interface InflateFailure {
  code: number;
  reason: string;
}

/** Called with the result of a compress or decompress job. */
export type InflateCallback = (failure: InflateFailure | null, data?: Buffer) => void;
export type DeflateCallback = (data: Buffer) => void;

type Job = (done: () => void) => void;

/**
 * permessage-deflate for one connection (RFC 7692 section 7.2): compresses outgoing and inflates
 * incoming messages, keeping each direction's LZ77 context between messages unless the
 * negotiation said not to. zlib contexts are created on first use and released after each
 * message when not taken over, and when the connection ends. Jobs of one direction run one at a
 * time, in order; all connections share a concurrency limit.
 *
 * Inflating stops as soon as the output passes `maxLength`: a small message that would inflate
 * past `package_max_length` fails with 1009 without the whole output being held.
 */
export class PerMessageDeflateCodec {
  private inflater: InflateRaw | null = null;
  private deflater: DeflateRaw | null = null;
  private readonly inflateJobs: Job[] = [];
  private readonly deflateJobs: Job[] = [];
  private inflating = false;
  private deflating = false;
  private released = false;

  constructor(
    readonly params: DeflateParams,
    private readonly maxLength: number,
    private readonly limiter: ZlibConcurrencyLimiter = sharedZlibLimiter,
  ) {}

  /** Whether messages compressed for this peer may be shared with other peers (no context kept). */
  get stateless(): boolean {
    return this.params.serverNoContextTakeover;
  }

  /** Inflates one whole message (the payloads of its frames, joined). */
  decompress(data: Buffer, callback: InflateCallback): void {
    this.enqueue(this.inflateJobs, 'inflate', (done) =>
      this.inflate(data, (failure, result) => {
        done();
        callback(failure, result);
      }),
    );
  }

  /** Compresses one whole message. */
  compress(data: Buffer, callback: DeflateCallback): void {
    this.enqueue(this.deflateJobs, 'deflate', (done) =>
      this.deflate(data, (result) => {
        done();
        callback(result);
      }),
    );
  }

  /** Frees both zlib contexts; pending compressions finish with what they have, inflations fail. */
  release(): void {
    this.released = true;
    this.inflater?.close();
    this.deflater?.close();
    this.inflater = null;
    this.deflater = null;
  }

  /** Whether any zlib context is held (for memory accounting). */
  get holdsContexts(): boolean {
    return this.inflater !== null || this.deflater !== null;
  }

  private enqueue(queue: Job[], direction: 'inflate' | 'deflate', job: Job): void {
    queue.push(job);
    this.drain(queue, direction);
  }

  /** Starts the next job of a direction if none is running, through the shared limiter. */
  private drain(queue: Job[], direction: 'inflate' | 'deflate'): void {
    const busy = direction === 'inflate' ? this.inflating : this.deflating;
    const job = busy ? undefined : queue.shift();
    if (!job) return;
    this.setBusy(direction, true);
    this.limiter.run((release) =>
      job(() => {
        release();
        this.setBusy(direction, false);
        this.drain(queue, direction);
      }),
    );
  }

  private setBusy(direction: 'inflate' | 'deflate', busy: boolean): void {
    if (direction === 'inflate') this.inflating = busy;
    else this.deflating = busy;
  }

  private inflate(data: Buffer, callback: InflateCallback): void {
    if (this.released)
      return callback({ code: WEBSOCKET_CLOSE_MESSAGE_ERROR, reason: 'connection closed' });
    const inflater = (this.inflater ??= quiet(createInflateRaw({ windowBits: 15 })));
    const chunks: Buffer[] = [];
    let total = 0;
    let finished = false;
    const finish = (failure: InflateFailure | null): void => {
      if (finished) return;
      finished = true;
      inflater.off('data', onData);
      inflater.off('error', onError);
      // Released while inflating: what came out may be cut short, so it is not a message.
      if (!failure && this.released)
        failure = { code: WEBSOCKET_CLOSE_MESSAGE_ERROR, reason: 'connection closed' };
      // A message ending with a BFINAL block ends the DEFLATE stream (RFC 7692 section 7.2.3.4):
      // the next message starts a new one, which the ended inflater would swallow silently.
      if (failure || this.params.clientNoContextTakeover || inflater.readableEnded) {
        this.dropInflater(inflater);
      }
      callback(failure, failure ? undefined : Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > this.maxLength)
        finish({ code: WEBSOCKET_CLOSE_MESSAGE_TOO_BIG, reason: 'message too big once inflated' });
      else chunks.push(chunk);
    };
    const onError = (): void =>
      finish({ code: WEBSOCKET_CLOSE_MESSAGE_ERROR, reason: 'invalid compressed data' });
    inflater.on('data', onData);
    inflater.on('error', onError);
    inflater.write(data);
    inflater.write(DEFLATE_TAIL);
    inflater.flush(constants.Z_SYNC_FLUSH, () => finish(null));
  }

  private deflate(data: Buffer, callback: DeflateCallback): void {
    if (this.released) return callback(Buffer.alloc(0));
    const deflater = (this.deflater ??= quiet(
      createDeflateRaw({
        windowBits: this.params.serverMaxWindowBits,
        memLevel: 8,
      }),
    ));
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
    };
    deflater.on('data', onData);
    deflater.write(data);
    deflater.flush(constants.Z_SYNC_FLUSH, () => {
      deflater.off('data', onData);
      if (this.params.serverNoContextTakeover) this.dropDeflater(deflater);
      const output = Buffer.concat(chunks, total);
      // The flush ends with 00 00 ff ff, which the receiver adds back (section 7.2.1).
      callback(output.length >= 4 ? output.subarray(0, output.length - 4) : output);
    });
  }

  private dropInflater(inflater: InflateRaw): void {
    inflater.close();
    if (this.inflater === inflater) this.inflater = null;
  }

  private dropDeflater(deflater: DeflateRaw): void {
    deflater.close();
    if (this.deflater === deflater) this.deflater = null;
  }
}

/**
 * A zlib stream that cannot crash the process: an error after its job ended (e.g. while it is
 * being closed) has a listener. Errors during a job are handled by the job's own listener.
 */
function quiet<T extends InflateRaw | DeflateRaw>(stream: T): T {
  stream.on('error', () => undefined);
  return stream;
}
