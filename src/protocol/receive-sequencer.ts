/**
 * Keeps what one end of a connection receives in order while a compressed message is being
 * inflated (asynchronously, on zlib's threads): later messages, pings, pongs, the close frame
 * and the end of the connection wait behind it, so replies and the close handshake never
 * overtake a message. Above `highWaterMark` waiting steps it calls `onPressure(true)` (the
 * owner stops reading, so the peer is held back by TCP) and `onPressure(false)` at half of it.
 * Used by the server's connections and by the client alike.
 */
export class ReceiveSequencer {
  private readonly waiting: Array<() => void> = [];
  private readonly idleCallbacks: Array<() => void> = [];
  private busy = false;
  private pressed = false;

  constructor(
    private readonly onPressure: (pressed: boolean) => void,
    private readonly highWaterMark = 32,
  ) {}

  /** Runs `step` now, or once everything received before it has been handled. */
  run(step: () => void): void {
    if (this.idle) {
      step();
      return;
    }
    this.waiting.push(step);
    if (!this.pressed && this.waiting.length >= this.highWaterMark) {
      this.pressed = true;
      this.onPressure(true);
    }
  }

  /** Marks an asynchronous step as started; call the returned function once it is done. */
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

  /**
   * Runs `callback` once nothing is in flight or waiting (at once if so). Unlike `run`, it
   * survives `clear()`: the end of the connection is still handled after a failure.
   */
  whenIdle(callback: () => void): void {
    if (this.idle) callback();
    else this.idleCallbacks.push(callback);
  }

  /** Drops every waiting step (the connection was failed: nothing after it matters). */
  clear(): void {
    this.waiting.length = 0;
    this.drain();
  }

  private get idle(): boolean {
    return !this.busy && this.waiting.length === 0;
  }

  private drain(): void {
    while (!this.busy && this.waiting.length > 0) (this.waiting.shift() as () => void)();
    if (this.pressed && this.waiting.length <= this.highWaterMark / 2) {
      this.pressed = false;
      this.onPressure(false);
    }
    if (this.idle) for (const callback of this.idleCallbacks.splice(0)) callback();
  }
}
