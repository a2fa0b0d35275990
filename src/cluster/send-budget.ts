/**
 * A bound on what one transport may have in flight (sent, not yet written or answered): a count
 * and a byte total. A send that would go past either is refused, so a slow peer or a stalled
 * Redis gives a defined answer (false, or a `ClusterUnavailableError`) instead of a queue that
 * grows until the process runs out of memory.
 */
export class SendBudget {
  private sends = 0;
  private bytes = 0;

  constructor(
    readonly maxSends: number,
    readonly maxBytes: number,
  ) {}

  /** Sends in flight. */
  get pendingSends(): number {
    return this.sends;
  }

  /** Bytes in flight. */
  get pendingBytes(): number {
    return this.bytes;
  }

  /** Takes room for one send of `bytes`; false (and nothing taken) when there is none. */
  tryAcquire(bytes: number): boolean {
    if (this.sends >= this.maxSends || this.bytes + bytes > this.maxBytes) return false;
    this.sends++;
    this.bytes += bytes;
    return true;
  }

  /** Gives back the room of a send that completed (written, answered or failed). */
  release(bytes: number): void {
    this.sends = Math.max(0, this.sends - 1);
    this.bytes = Math.max(0, this.bytes - bytes);
  }
}

/** Sends one transport may have in flight (per worker channel, or per Redis connection). */
export const MAX_PENDING_SENDS = 4096;

/** Bytes one transport may have in flight. */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;
