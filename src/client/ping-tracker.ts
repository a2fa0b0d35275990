interface PendingPing {
  payload: Buffer;
  resolve(answered: boolean): void;
  timer: NodeJS.Timeout | undefined;
}

/** The most pings waiting for their pong; `ping()` beyond it resolves false at once. */
export const MAX_PENDING_PINGS = 1024;

/**
 * The client's pings waiting for their pong. A pong answers the ping with the same payload and
 * every ping sent before it: RFC 6455 section 5.5.3 lets a peer answer only the most recent of
 * several pings. An unsolicited pong (no ping waits with its payload) is ignored.
 */
export class PingTracker {
  private readonly pending: PendingPing[] = [];

  /** Pings waiting for their pong. */
  get size(): number {
    return this.pending.length;
  }

  /**
   * Registers a sent ping: resolves true on its pong, false on `cancelAll()` or after
   * `timeoutMs` (when given). False at once when too many pings wait.
   */
  track(payload: Buffer, timeoutMs?: number): Promise<boolean> {
    if (this.pending.length >= MAX_PENDING_PINGS) return Promise.resolve(false);
    return new Promise((resolve) => {
      const ping: PendingPing = { payload, resolve, timer: undefined };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs) && timeoutMs >= 0) {
        ping.timer = setTimeout(() => {
          const at = this.pending.indexOf(ping);
          if (at >= 0) this.pending.splice(at, 1);
          resolve(false);
        }, timeoutMs);
      }
      this.pending.push(ping);
    });
  }

  /** A pong arrived: settles the ping it answers and every one before it. */
  pong(payload: Buffer): void {
    const at = this.pending.findIndex((ping) => ping.payload.equals(payload));
    if (at < 0) return;
    for (const ping of this.pending.splice(0, at + 1)) settle(ping, true);
  }

  /** The connection closed: every waiting ping resolves false. */
  cancelAll(): void {
    for (const ping of this.pending.splice(0)) settle(ping, false);
  }
}

function settle(ping: PendingPing, answered: boolean): void {
  if (ping.timer !== undefined) clearTimeout(ping.timer);
  ping.resolve(answered);
}
