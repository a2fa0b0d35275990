/**
 * Waits on conditions that an event source re-checks: a case session calls `notify()` on every
 * frame and TCP event, and each pending `waitUntil` resolves as soon as its condition holds, or
 * with the condition's value when its time is up.
 */
export class ConditionWaiters {
  private readonly waiters = new Set<() => void>();

  /** Resolves true once `condition` holds, or with its value after `ms`. */
  waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition()) finish(true);
      };
      const finish = (result: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(result);
      };
      const timer = setTimeout(() => finish(condition()), ms);
      this.waiters.add(check);
    });
  }

  /** Re-checks every pending condition. */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
