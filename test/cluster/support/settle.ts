import { withTimeout } from '../../e2e/support/wait.js';

/** How a promise settled, how often, and after how many milliseconds. */
export interface Settlement<T> {
  status: 'fulfilled' | 'rejected';
  value?: T;
  error?: unknown;
  ms: number;
  /** Times a handler ran (a promise settles once; this makes the test say so). */
  count: () => number;
}

/**
 * Waits (at most `ms`) for `promise` and reports how it settled. Failing on a hang with a clear
 * message is the point: a cluster call must never wait without a bound.
 */
export async function settlement<T>(promise: Promise<T>, ms = 5000): Promise<Settlement<T>> {
  const started = performance.now();
  let settled = 0;
  const observed = promise.then(
    (value) => {
      settled++;
      return { status: 'fulfilled' as const, value };
    },
    (error: unknown) => {
      settled++;
      return { status: 'rejected' as const, error };
    },
  );
  const outcome = await withTimeout(observed, ms, 'the call to settle');
  return { ...outcome, ms: performance.now() - started, count: () => settled };
}
