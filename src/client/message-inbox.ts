/** How much the inbox holds before it asks the reader to stop. */
export interface InboxLimits {
  maxMessages: number;
  maxBytes: number;
}

interface Waiter<T> {
  resolve(item: T | false): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The messages a client received and the application has not read yet, with the readers
 * waiting for the next one. It never refuses a message: above its limits it calls
 * `onPressure(true)` (the client then pauses the socket, and TCP holds the server back) and,
 * once the application has read it down to half of both limits, `onPressure(false)`. So it may
 * run over its limits by what was already read from the socket, and no further.
 *
 * After `end()`, what is queued is still handed out, then every read gets `false`.
 */
export class MessageInbox<T> {
  private readonly items: T[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  private readonly waiters: Waiter<T>[] = [];
  private ended = false;
  private pressed = false;

  constructor(
    private readonly limits: InboxLimits,
    private readonly onPressure: (pressed: boolean) => void,
  ) {}

  /** Messages waiting to be read. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Payload bytes waiting to be read. */
  get byteSize(): number {
    return this.bytes;
  }

  /** Whether `end()` was called. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Adds a message (`size`: its payload bytes); dropped after `end()`. */
  push(item: T, size: number): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      settle(waiter, item);
      return;
    }
    this.items.push(item);
    this.sizes.push(size);
    this.bytes += size;
    if (!this.pressed && this.overLimits()) {
      this.pressed = true;
      this.onPressure(true);
    }
  }

  /**
   * The next message; `false` once ended and empty, or when `timeoutMs` passes first.
   * `timeoutMs` undefined (or negative, or infinite) waits as long as it takes; 0 only takes
   * what is already queued.
   */
  next(timeoutMs?: number): Promise<T | false> {
    if (this.size > 0) return Promise.resolve(this.shift());
    if (this.ended || timeoutMs === 0 || Number.isNaN(timeoutMs)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter<T> = { resolve, timer: undefined };
      if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          resolve(false);
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** No more messages will come: waiting readers get `false` (the queue is empty when any wait). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const waiter of this.waiters.splice(0)) settle(waiter, false);
    if (this.pressed) {
      this.pressed = false;
      this.onPressure(false);
    }
  }

  private shift(): T {
    const item = this.items[this.head];
    this.bytes -= this.sizes[this.head];
    this.head++;
    // Compact when empty, or now and then, rather than shifting the arrays on every read.
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.sizes.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
    if (this.pressed && this.belowLowWater()) {
      this.pressed = false;
      this.onPressure(false);
    }
    return item;
  }

  private overLimits(): boolean {
    return this.size > this.limits.maxMessages || this.bytes > this.limits.maxBytes;
  }

  private belowLowWater(): boolean {
    return this.size <= this.limits.maxMessages / 2 && this.bytes <= this.limits.maxBytes / 2;
  }
}

function settle<T>(waiter: Waiter<T>, value: T | false): void {
  if (waiter.timer !== undefined) clearTimeout(waiter.timer);
  waiter.resolve(value);
}
