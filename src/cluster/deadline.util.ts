import { ClusterUnavailableError } from './cluster-command.interface.js';

/**
 * Settles like `promise`, or rejects with `ClusterUnavailableError` after `ms`, whichever comes
 * first; the timer is always cleared. When the deadline wins, a later rejection of `promise` is
 * caught here, so it can never become an unhandled rejection.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new ClusterUnavailableError(`${what}: no answer within ${ms} ms`)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms` (an unreferenced timer: a pending sleep never keeps the process alive). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
