import { ClusterUnavailableError } from './cluster-command.interface.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Requests waiting for an answer, each with a deadline so a lost answer never hangs a caller. */
export class PendingRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly timeoutMs: number) {}

  /** Registers a request; returns its id and the promise of its answer. */
  open(description: string): { id: number; answer: Promise<unknown> } {
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new ClusterUnavailableError(`${description}: no answer within ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
    });
    return { id, answer };
  }

  /** Settles request `id` with a result or an error message. */
  settle(id: number, result: unknown, error?: string): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (error !== undefined) pending.reject(new ClusterUnavailableError(error));
    else pending.resolve(result);
  }

  /** Rejects every open request (the adapter stops or lost its transport). */
  rejectAll(reason: string): void {
    for (const [id] of this.pending) this.settle(id, undefined, reason);
  }
}
