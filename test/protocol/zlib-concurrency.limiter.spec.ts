import { describe, expect, it } from '@jest/globals';
import type { ZlibConcurrencyLimiter as Limiter } from '../../src/protocol/zlib-concurrency.limiter.js';

// The shared limiter reads UV_THREADPOOL_SIZE when the module loads, so load it after setting it.
const previousPoolSize = process.env.UV_THREADPOOL_SIZE;
process.env.UV_THREADPOOL_SIZE = '3';
const { ZlibConcurrencyLimiter, sharedZlibLimiter } =
  await import('../../src/protocol/zlib-concurrency.limiter.js');
if (previousPoolSize === undefined) delete process.env.UV_THREADPOOL_SIZE;
else process.env.UV_THREADPOOL_SIZE = previousPoolSize;

/** A job that records when it starts and hands its release to the test. */
function recorder(limiter: Limiter) {
  const started: number[] = [];
  const releases = new Map<number, () => void>();
  let running = 0;
  let peak = 0;
  const submit = (id: number): void =>
    limiter.run((release) => {
      started.push(id);
      running++;
      peak = Math.max(peak, running);
      releases.set(id, () => {
        running--;
        release();
      });
    });
  return {
    started,
    submit,
    release: (id: number) => releases.get(id)!(),
    get running() {
      return running;
    },
    get peak() {
      return peak;
    },
  };
}

describe('ZlibConcurrencyLimiter', () => {
  it('runs jobs at once while slots are free', () => {
    const limiter = new ZlibConcurrencyLimiter(3);
    const jobs = recorder(limiter);
    jobs.submit(1);
    jobs.submit(2);
    jobs.submit(3);
    expect(jobs.started).toEqual([1, 2, 3]);
    expect(limiter.queued).toBe(0);
  });

  it('never runs more than the limit and queues the rest in FIFO order', () => {
    const limiter = new ZlibConcurrencyLimiter(2);
    const jobs = recorder(limiter);
    for (let id = 1; id <= 6; id++) jobs.submit(id);
    expect(jobs.started).toEqual([1, 2]);
    expect(limiter.queued).toBe(4);
    jobs.release(2);
    expect(jobs.started).toEqual([1, 2, 3]);
    expect(limiter.queued).toBe(3);
    jobs.release(1);
    jobs.release(3);
    expect(jobs.started).toEqual([1, 2, 3, 4, 5]);
    expect(limiter.queued).toBe(1);
    jobs.release(4);
    jobs.release(5);
    jobs.release(6);
    expect(jobs.started).toEqual([1, 2, 3, 4, 5, 6]);
    expect(limiter.queued).toBe(0);
    expect(jobs.peak).toBe(2);
    expect(jobs.running).toBe(0);
  });

  it('keeps the limit with jobs released asynchronously in random order', async () => {
    const limiter = new ZlibConcurrencyLimiter(4);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from(
        { length: 200 },
        (_, id) =>
          new Promise<void>((resolve) =>
            limiter.run((release) => {
              order.push(id);
              running++;
              peak = Math.max(peak, running);
              setTimeout(
                () => {
                  running--;
                  release();
                  resolve();
                },
                Math.floor(Math.random() * 3),
              );
            }),
          ),
      ),
    );
    expect(peak).toBe(4);
    expect(order).toEqual(Array.from({ length: 200 }, (_, id) => id));
    expect(limiter.queued).toBe(0);
  });

  it('ignores a second release of the same job', () => {
    const limiter = new ZlibConcurrencyLimiter(1);
    let first: (() => void) | undefined;
    const started: string[] = [];
    limiter.run((release) => {
      started.push('a');
      first = release;
    });
    limiter.run(() => started.push('b'));
    limiter.run(() => started.push('c'));
    first!();
    first!();
    first!();
    // b holds the only slot and never released it: c still waits.
    expect(started).toEqual(['a', 'b']);
    expect(limiter.queued).toBe(1);
  });

  it('does not free extra slots when an idle release is repeated', () => {
    const limiter = new ZlibConcurrencyLimiter(1);
    let release: (() => void) | undefined;
    limiter.run((r) => (release = r));
    release!();
    release!();
    const jobs = recorder(limiter);
    jobs.submit(1);
    jobs.submit(2);
    expect(jobs.started).toEqual([1]);
    expect(limiter.queued).toBe(1);
  });

  it('keeps FIFO order when a job queues another job', () => {
    const limiter = new ZlibConcurrencyLimiter(1);
    const started: string[] = [];
    let releaseFirst: (() => void) | undefined;
    limiter.run((release) => {
      started.push('first');
      releaseFirst = release;
    });
    limiter.run((release) => {
      started.push('second');
      limiter.run((again) => {
        started.push('queued by second');
        again();
      });
      release();
    });
    limiter.run((release) => {
      started.push('third');
      release();
    });
    releaseFirst!();
    expect(started).toEqual(['first', 'second', 'third', 'queued by second']);
    expect(limiter.queued).toBe(0);
  });

  it('survives a long queue of jobs that release at once', () => {
    const limiter = new ZlibConcurrencyLimiter(1);
    let releaseFirst: (() => void) | undefined;
    limiter.run((release) => (releaseFirst = release));
    let ran = 0;
    for (let i = 0; i < 100_000; i++)
      limiter.run((release) => {
        ran++;
        release();
      });
    expect(limiter.queued).toBe(100_000);
    expect(() => releaseFirst!()).not.toThrow();
    expect(ran).toBe(100_000);
    expect(limiter.queued).toBe(0);
  });

  it.each([0, -1, Number.NaN])('treats a limit of %p as 1', (limit) => {
    const limiter = new ZlibConcurrencyLimiter(limit);
    const jobs = recorder(limiter);
    jobs.submit(1);
    jobs.submit(2);
    expect(jobs.started).toEqual([1]);
    jobs.release(1);
    expect(jobs.started).toEqual([1, 2]);
  });

  it('rounds a fractional limit down', () => {
    const limiter = new ZlibConcurrencyLimiter(2.9);
    const jobs = recorder(limiter);
    for (let id = 1; id <= 3; id++) jobs.submit(id);
    expect(jobs.started).toEqual([1, 2]);
  });
});

describe('sharedZlibLimiter', () => {
  it('allows twice UV_THREADPOOL_SIZE jobs at once', () => {
    const jobs = recorder(sharedZlibLimiter);
    for (let id = 1; id <= 8; id++) jobs.submit(id);
    expect(jobs.started).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sharedZlibLimiter.queued).toBe(2);
    for (let id = 1; id <= 8; id++) jobs.release(id);
    expect(jobs.started).toHaveLength(8);
    expect(sharedZlibLimiter.queued).toBe(0);
  });
});
