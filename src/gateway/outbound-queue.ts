/** A slot in the queue: its buffers, or null while they are still being produced. */
interface OutboundEntry {
  buffers: readonly Buffer[] | null;
  /** Bytes counted in `pendingBytes` for this entry. */
  bytes: number;
}

/**
 * Keeps what a connection sends in order when some frames are produced asynchronously
 * (compressed messages): a frame sent after a compressed one waits for it. When nothing is
 * pending, buffers go straight to the writer, so the common path costs one length check.
 */
export class OutboundQueue {
  private readonly entries: OutboundEntry[] = [];
  private readonly idleCallbacks: Array<() => void> = [];
  private pending = 0;
  /** Bumped by clear(), so frames reserved before it are dropped when they arrive. */
  private generation = 0;

  constructor(private readonly write: (buffer: Buffer) => void) {}

  /** Whether nothing waits. */
  get idle(): boolean {
    return this.entries.length === 0;
  }

  /** Bytes waiting: ready frames behind an unfinished one, and the estimates of unfinished ones. */
  get pendingBytes(): number {
    return this.pending;
  }

  /** Sends buffers now, or after the frames queued before them. */
  push(buffers: readonly Buffer[]): void {
    if (this.entries.length === 0) {
      for (const buffer of buffers) this.write(buffer);
      return;
    }
    let bytes = 0;
    for (const buffer of buffers) bytes += buffer.length;
    this.entries.push({ buffers, bytes });
    this.pending += bytes;
  }

  /**
   * Reserves a place for a frame produced later; call the result with its buffers. `estimate`
   * (e.g. the uncompressed size) counts in `pendingBytes` until the buffers arrive, so frames
   * still being produced count toward the output buffer limit.
   */
  reserve(estimate = 0): (buffers: readonly Buffer[]) => void {
    const entry: OutboundEntry = { buffers: null, bytes: estimate };
    this.entries.push(entry);
    this.pending += estimate;
    const generation = this.generation;
    return (buffers) => {
      // Delivered twice, or after clear(): the entry is no longer ours to count or write.
      if (entry.buffers !== null || generation !== this.generation) return;
      let bytes = 0;
      for (const buffer of buffers) bytes += buffer.length;
      this.pending += bytes - entry.bytes;
      entry.bytes = bytes;
      entry.buffers = buffers;
      this.flush();
    };
  }

  /** Calls `callback` once everything queued has been written. */
  whenIdle(callback: () => void): void {
    if (this.entries.length === 0) callback();
    else this.idleCallbacks.push(callback);
  }

  /** Drops everything queued (the connection is gone). */
  clear(): void {
    this.entries.length = 0;
    this.idleCallbacks.length = 0;
    this.pending = 0;
    this.generation++;
  }

  private flush(): void {
    while (this.entries.length > 0 && this.entries[0].buffers !== null) {
      const { buffers, bytes } = this.entries.shift() as OutboundEntry;
      this.pending -= bytes;
      for (const buffer of buffers as readonly Buffer[]) this.write(buffer);
    }
    if (this.entries.length === 0) {
      for (const callback of this.idleCallbacks.splice(0)) callback();
    }
  }
}
