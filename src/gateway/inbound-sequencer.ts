/**
 * Keeps what a connection receives in order while an asynchronous step (inflating a compressed
 * message) is in flight: later messages and control frames wait behind it, so replies and the
 * close handshake never overtake a message. When too much waits, the socket is paused (the
 * peer is then held back by TCP) until the backlog drains.
 */
export class InboundSequencer {
  private readonly waiting: Array<() => void> = [];
  private busy = false;
  private paused = false;

  constructor(
    private readonly setPaused: (paused: boolean) => void,
    private readonly highWaterMark = 32,
  ) {}

  /** Runs `action` now, or once everything received before it has been handled. */
  run(action: () => void): void {
    if (!this.busy && this.waiting.length === 0) {
      action();
      return;
    }
    this.waiting.push(action);
    if (!this.paused && this.waiting.length >= this.highWaterMark) {
      this.paused = true;
      this.setPaused(true);
    }
  }

  /** Marks an asynchronous step as started; call the returned function when it is done. */
  begin(): () => void {
    this.busy = true;
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      this.busy = false;
      this.drain();
    };
  }

  /** Drops everything waiting (the connection is gone). */
  clear(): void {
    this.waiting.length = 0;
  }

  private drain(): void {
    while (!this.busy && this.waiting.length > 0) {
      const next = this.waiting.shift() as () => void;
      next();
    }
    if (this.paused && this.waiting.length < this.highWaterMark / 2) {
      this.paused = false;
      this.setPaused(false);
    }
  }
}
