/**
 * The primary of `runCluster` (test/fixtures/cluster/supervisor-app.ts, real processes): it
 * stops its workers and itself on SIGTERM/SIGINT, whatever state its restarts are in.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type FixtureProcess,
  isAlive,
  startFixture,
  SUPERVISOR_FIXTURE,
  waitForExit,
} from './support/cluster-process.js';
import { delay, waitUntil } from './support/wait.js';

const running: FixtureProcess[] = [];

function startPrimary(env: Record<string, string>): FixtureProcess {
  const primary = startFixture(env, SUPERVISOR_FIXTURE);
  running.push(primary);
  return primary;
}

/** Signals a process if it is still there. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Waits for the primary to exit, returning its exit code and signal. */
async function primaryExit(
  primary: FixtureProcess,
  ms: number,
): Promise<{ code: number | null; signal: string | null }> {
  await waitUntil(
    () => primary.exited,
    ms,
    `the primary to exit; output: ${primary.output.join('')}`,
  );
  return { code: primary.child.exitCode, signal: primary.child.signalCode };
}

afterEach(async () => {
  for (const primary of running.splice(0)) {
    const workers = primary.linesOf('READY').map((ready) => Number(ready.pid));
    for (const pid of [primary.pid, ...workers]) signal(pid, 'SIGKILL');
    await waitForExit([primary.pid, ...workers], 5000);
  }
});

describe('runCluster primary', () => {
  it('exits on SIGTERM while a restart waits in its back-off, without forking it', async () => {
    // Workers 1..5 die at once: after the 5th, the next fork waits 1.6 s.
    const primary = startPrimary({ WORKERS: '1', CRASH_FIRST: '5' });
    await primary.waitForLines('EXIT', 5, 10000);
    signal(primary.pid, 'SIGTERM');
    const exit = await primaryExit(primary, 5000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(primary.linesOf('READY')).toEqual([]);
    expect(primary.linesOf('EXIT').every((line) => line.code === 1)).toBe(true);
  }, 20000);

  it('stops every worker and then itself', async () => {
    const primary = startPrimary({ WORKERS: '2' });
    const ready = await primary.waitForLines('READY', 2, 10000);
    signal(primary.pid, 'SIGTERM');
    const exit = await primaryExit(primary, 5000);
    expect(exit).toEqual({ code: 0, signal: null });
    const exits = primary.linesOf('EXIT').sort((x, y) => Number(x.worker) - Number(y.worker));
    expect(exits).toEqual([
      { worker: 1, code: null, signal: 'SIGTERM' },
      { worker: 2, code: null, signal: 'SIGTERM' },
    ]);
    expect(ready.every((line) => !isAlive(Number(line.pid)))).toBe(true);
  }, 20000);

  it('neither stops twice nor dies early when more signals come while it stops', async () => {
    const primary = startPrimary({
      WORKERS: '2',
      IGNORE_SIGTERM: '1',
      SHUTDOWN_TIMEOUT_MS: '1500',
    });
    await primary.waitForLines('READY', 2, 10000);
    signal(primary.pid, 'SIGTERM');
    await primary.waitForLines('TERM', 2, 5000);
    signal(primary.pid, 'SIGINT');
    signal(primary.pid, 'SIGTERM');
    await delay(300);
    expect(primary.exited).toBe(false);
    expect(primary.linesOf('TERM')).toHaveLength(2);
    const exit = await primaryExit(primary, 5000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(primary.linesOf('TERM')).toHaveLength(2);
  }, 20000);

  it('kills a worker that ignores SIGTERM once shutdownTimeout has passed, then exits', async () => {
    const primary = startPrimary({ WORKERS: '1', IGNORE_SIGTERM: '1', SHUTDOWN_TIMEOUT_MS: '500' });
    const [ready] = await primary.waitForLines('READY', 1, 10000);
    signal(primary.pid, 'SIGTERM');
    const exit = await primaryExit(primary, 5000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(primary.linesOf('EXIT')).toEqual([{ worker: 1, code: null, signal: 'SIGKILL' }]);
    expect(isAlive(Number(ready.pid))).toBe(false);
  }, 20000);
});
