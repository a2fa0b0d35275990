import type { Socket } from 'node:net';
import type { FrameParser } from '../protocol/frame-parser.js';

/** Reading is held while inflating falls behind (see `ReceiveSequencer`). */
export const HOLD_INFLATE = 1;
/** Reading is held while handlers fall behind. */
export const HOLD_HANDLERS = 2;
/** Messages a connection may have waiting for its handlers before reading pauses. */
export const MAX_PENDING_MESSAGES = 64;

/**
 * Decides when a connection is read. Reading is held for as long as any reason holds it:
 * inflating falls behind, or too many messages (64, or more bytes than `package_max_length`)
 * wait for the connection's handlers. Held: the socket is paused and the parser stops after
 * the frame it is on, so the rest of a chunk already read waits as bytes instead of becoming a
 * pile of delivered messages; the peer is held back by TCP. Released by every reason: the
 * parser delivers what it held first (which may hold again), then the socket is read.
 */
export class ReadGate {
  /** The connection's parser, once it speaks WebSocket. */
  parser: FrameParser | null = null;
  private holds = 0;
  private pendingMessages = 0;
  private pendingBytes = 0;

  constructor(
    private readonly socket: Socket,
    private readonly maxPendingBytes: number,
  ) {}

  /** Holds (or releases) reading for one reason. */
  hold(reason: number, on: boolean): void {
    const before = this.holds;
    this.holds = on ? before | reason : before & ~reason;
    if (before === 0 && this.holds !== 0) {
      this.parser?.pause();
      this.socket.pause();
    } else if (before !== 0 && this.holds === 0) {
      this.parser?.resume();
      if (this.holds === 0 && !this.socket.destroyed) this.socket.resume();
    }
  }

  /**
   * Counts a message a handler is still working on (its promise), until it settles. A
   * rejection goes to `onError`; nothing is left unhandled.
   */
  handlerBusy(bytes: number, done: PromiseLike<unknown>, onError: (error: unknown) => void): void {
    this.pendingMessages++;
    this.pendingBytes += bytes;
    this.updateHandlerHold();
    const release = (): void => {
      this.pendingMessages--;
      this.pendingBytes -= bytes;
      this.updateHandlerHold();
    };
    // A thenable is not always a Promise: settle it through one, so every path has a catch.
    Promise.resolve(done)
      .then(release, (error: unknown) => {
        release();
        onError(error);
      })
      .catch(onError);
  }

  private updateHandlerHold(): void {
    if (this.pendingMessages >= MAX_PENDING_MESSAGES || this.pendingBytes > this.maxPendingBytes) {
      this.hold(HOLD_HANDLERS, true);
    } else if (
      this.pendingMessages <= MAX_PENDING_MESSAGES / 2 &&
      this.pendingBytes <= this.maxPendingBytes / 2
    ) {
      this.hold(HOLD_HANDLERS, false);
    }
  }
}
