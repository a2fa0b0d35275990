/** Something with writes waiting to be handed to its socket. */
export interface BatchedWriter {
  flushBatch(): void;
}

/**
 * Collects the writers that wrote during one turn of the event loop and flushes them all from a
 * single `setImmediate`, after every callback, promise and tick of the turn has run. A handler's
 * replies to the messages of one read, whether sync or async, thus leave in one write per
 * connection, and a broadcast costs one timer for all connections instead of one per
 * connection.
 */
export class WriteBatcher {
  private pending: BatchedWriter[] = [];
  private scheduled = false;
  private readonly flushAll = (): void => {
    const writers = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (const writer of writers) writer.flushBatch();
  };

  /** Schedules `writer` to be flushed at the end of this turn (call once per batch). */
  schedule(writer: BatchedWriter): void {
    this.pending.push(writer);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }
}

/** The process-wide batcher. */
export const writeBatcher = new WriteBatcher();
