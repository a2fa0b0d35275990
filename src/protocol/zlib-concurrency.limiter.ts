/**
 * Bounds how many zlib jobs run at once. zlib work runs on libuv's small thread pool and each
 * job holds a context's memory, so a flood of compressed messages queues here instead of
 * exhausting both.
 */
export class ZlibConcurrencyLimiter {
  private running = 0;
  private pumping = false;
  private readonly limit: number;
  private readonly waiting: Array<(release: () => void) => void> = [];

  /** `limit` below 1 (or not a number) is taken as 1, so jobs always run. */
  constructor(limit: number) {
    this.limit = limit >= 1 ? Math.floor(limit) : 1;
  }

  /** Runs `job` when a slot is free; the job calls `release` once it finished. */
  run(job: (release: () => void) => void): void {
    this.waiting.push(job);
    this.pump();
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Starts waiting jobs while slots are free. A loop, not recursion: jobs that release at once
   * (or queue more jobs) are started by the outer call, so a long queue cannot overflow the stack.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.running < this.limit) {
        const job = this.waiting.shift();
        if (job === undefined) break;
        this.running++;
        job(this.releaser());
      }
    } finally {
      this.pumping = false;
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.pump();
    };
  }
}

/** The process-wide limiter: as many jobs as libuv has pool threads, by default 4, doubled. */
export const sharedZlibLimiter = new ZlibConcurrencyLimiter(
  Number(process.env.UV_THREADPOOL_SIZE ?? 4) * 2,
);
