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

  constructor(private readonly write: (buffer: Buffer) => void) {}

  /** Whether nothing waits. */
  get idle(): boolean {
    return this.entries.length === 0;
  }

  /** Bytes of ready frames waiting behind an unfinished one. */
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

  /** Reserves a place for a frame produced later; call the result with its buffers. */
  reserve(): (buffers: readonly Buffer[]) => void {
    const entry: OutboundEntry = { buffers: null, bytes: 0 };
    this.entries.push(entry);
    return (buffers) => {
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
