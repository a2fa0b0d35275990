import type { Socket } from 'node:net';

/** A frame still being produced (compressed), holding its place in the queue. */
interface PendingFrame {
  frame: Buffer | null;
  /** Bytes it is counted as until it exists (its uncompressed size). */
  estimate: number;
}

/**
 * The client's outgoing frames, in order. A frame goes to the socket at once unless a
 * compressed frame before it is still being produced; then it waits its turn. Everything
 * written in one turn of the event loop is corked and leaves in one system call.
 */
export class SendQueue {
  private readonly waiting: Array<Buffer | PendingFrame> = [];
  private waitingBytes = 0;
  private corked = false;
  private readonly idleCallbacks: Array<() => void> = [];

  constructor(private readonly socket: Socket) {}

  /** Bytes not yet handed to the kernel: in the socket's buffer or waiting here. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.waitingBytes;
  }

  /** Sends a frame, in order. */
  write(frame: Buffer): void {
    if (this.waiting.length === 0) {
      this.writeNow(frame);
      return;
    }
    this.waiting.push(frame);
    this.waitingBytes += frame.length;
  }

  /**
   * Holds a place for a frame that is still being produced, counted as `estimate` bytes until
   * then; frames written meanwhile wait behind it. Call the returned function with the frame.
   */
  reserve(estimate: number): (frame: Buffer) => void {
    const pending: PendingFrame = { frame: null, estimate };
    this.waiting.push(pending);
    this.waitingBytes += estimate;
    return (frame) => {
      pending.frame = frame;
      this.flush();
    };
  }

  /** Runs `callback` once nothing waits here any more (at once if nothing does). */
  whenIdle(callback: () => void): void {
    if (this.waiting.length === 0) callback();
    else this.idleCallbacks.push(callback);
  }

  private flush(): void {
    while (this.waiting.length > 0) {
      const first = this.waiting[0];
      if (Buffer.isBuffer(first)) {
        this.waitingBytes -= first.length;
        this.writeNow(first);
      } else if (first.frame !== null) {
        this.waitingBytes -= first.estimate;
        this.writeNow(first.frame);
      } else {
        return;
      }
      this.waiting.shift();
    }
    for (const callback of this.idleCallbacks.splice(0)) callback();
  }

  private writeNow(frame: Buffer): void {
    const socket = this.socket;
    if (!socket.writable) return;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(frame);
  }
}
