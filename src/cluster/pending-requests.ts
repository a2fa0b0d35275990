import { ClusterUnavailableError } from './cluster-command.interface.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Requests one process may wait on at once; beyond it a new request fails at once. */
export const MAX_PENDING_REQUESTS = 10_000;

/**
 * Requests waiting for an answer, each with a deadline so a lost answer never hangs a caller.
 * The deadline starts when the request is opened, before it is sent, so it bounds the whole
 * call, the send included.
 */
export class PendingRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly timeoutMs: number,
    private readonly maxPending = MAX_PENDING_REQUESTS,
  ) {}

  /** Requests waiting for their answer. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Registers a request; returns its id (never 0: id 0 means "no answer wanted") and the promise
   * of its answer, settled exactly once: by `settle`, by the deadline or by `rejectAll`. The
   * promise is marked handled, so a rejection nobody awaits (yet) cannot crash the process.
   * Throws `ClusterUnavailableError` at once when `maxPending` requests are already waiting.
   */
  open(description: string): { id: number; answer: Promise<unknown> } {
    if (this.pending.size >= this.maxPending) {
      throw new ClusterUnavailableError(
        `${description}: ${this.maxPending} requests already wait for an answer`,
      );
    }
    const id = this.takeId();
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(id, undefined, `${description}: no answer within ${this.timeoutMs} ms`),
        this.timeoutMs,
      );
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
    });
    answer.catch(() => undefined);
    return { id, answer };
  }

  /** Settles request `id` with a result or an error message; false when it is not open. */
  settle(id: number, result: unknown, error?: string): boolean {
    const pending = this.pending.get(id);
    if (!pending) return false;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (error !== undefined) pending.reject(new ClusterUnavailableError(error));
    else pending.resolve(result);
    return true;
  }

  /** Rejects every open request (the adapter stops or lost its transport). */
  rejectAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, reason);
  }

  /** The next id, skipping 0 and ids still open once the counter wraps. */
  private takeId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= 0x7fffffff ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }
}
