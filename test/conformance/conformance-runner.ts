import { judge } from './case-judge.js';
import { CaseSession, type SessionTimings } from './case-session.js';
import type { CaseResult, ConformanceCase } from './conformance-case.js';
import { RawWsClient } from './raw-ws-client.js';

/** How the runner runs a suite against one server. */
export interface RunnerOptions {
  /** The echo endpoint, `ws://host:port/path`. */
  url: string;
  /** Per-case budget, connection to close; default 10 s. */
  caseTimeoutMs?: number;
  /** How long to wait for expected answers, or for the server to fail; default 1 s (Autobahn's). */
  responseTimeoutMs?: number;
  /** Quiet time after the expected answers, to catch unexpected extra frames; default 25 ms. */
  settleMs?: number;
  /** How long the server has to finish the closing handshake and drop TCP; default 1 s. */
  closeTimeoutMs?: number;
  /** Light cases run this many at a time (heavy ones alone); default 8. */
  concurrency?: number;
  timings?: Partial<SessionTimings>;
}

const DEFAULT_TIMINGS: SessionTimings = { syncMs: 5, waitMs: 150 };

/** Runs every case against the server at `options.url`; results come back in case order. */
export async function runConformance(
  cases: readonly ConformanceCase[],
  options: RunnerOptions,
): Promise<CaseResult[]> {
  const results = new Map<ConformanceCase, CaseResult>();
  const light = cases.filter((testCase) => !testCase.heavy);
  const heavy = cases.filter((testCase) => testCase.heavy);
  await runPool(light, options.concurrency ?? 8, async (testCase) => {
    results.set(testCase, await runCase(testCase, options));
  });
  for (const testCase of heavy) results.set(testCase, await runCase(testCase, options));
  return cases.map((testCase) => results.get(testCase) as CaseResult);
}

/** Runs one case on a fresh connection; never throws (a broken case is FAILED with a note). */
export async function runCase(
  testCase: ConformanceCase,
  options: RunnerOptions,
): Promise<CaseResult> {
  const started = Date.now();
  const timeoutMs = testCase.timeoutMs ?? options.caseTimeoutMs ?? 10_000;
  const identity = {
    id: testCase.id,
    category: testCase.category,
    description: testCase.description,
  };
  let session: CaseSession | undefined;
  let over = false;
  const failed = (note: string): CaseResult => ({
    ...identity,
    verdict: 'FAILED',
    behavior: 'FAILED',
    closeBehavior: 'FAILED',
    notes: [note],
    durationMs: Date.now() - started,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const attempt = (async (): Promise<CaseSession> => {
    const client = await RawWsClient.open(options.url, {
      extensions: testCase.handshake?.extensions,
      timeoutMs: Math.min(timeoutMs, 5000),
    });
    const opened = new CaseSession(
      client,
      { ...DEFAULT_TIMINGS, ...options.timings },
      testCase.handshake?.extensions,
    );
    session = opened;
    if (over) opened.dispose();
    await testCase.run(opened);
    await awaitAnswers(testCase, opened, options);
    await opened.closeHandshake(options.closeTimeoutMs ?? 1000);
    return opened;
  })();
  // A case that times out keeps running until its own waits end; its errors go nowhere.
  attempt.catch(() => undefined);
  try {
    const outcome = await Promise.race([attempt, timeout]);
    if (outcome === 'timeout') return failed(`timed out after ${timeoutMs} ms`);
    const judgement = judge(testCase, outcome.observation);
    return { ...identity, ...judgement, durationMs: Date.now() - started };
  } catch (error) {
    return failed(`error: ${(error as Error).message}`);
  } finally {
    over = true;
    clearTimeout(timer);
    session?.dispose();
  }
}

/**
 * Waits as long as the expectation needs: for the server to fail the connection, for the answer
 * to a close the case sent, or for as many events as the best outcome has; then a short quiet
 * time catches frames nobody expected.
 */
async function awaitAnswers(
  testCase: ConformanceCase,
  session: CaseSession,
  options: RunnerOptions,
): Promise<void> {
  const responseMs = testCase.responseTimeoutMs ?? options.responseTimeoutMs ?? 1000;
  const { expect } = testCase;
  if (!expect.close.closedByMe || session.observation.clientClose !== undefined) {
    await session.waitUntil(() => session.serverGone, responseMs);
    return;
  }
  const wanted = Math.max(0, ...expect.outcomes.map((outcome) => outcome.events.length));
  await session.waitEvents(wanted, responseMs);
  if (!session.serverGone)
    await session.waitUntil(() => session.serverGone, options.settleMs ?? 25);
}

async function runPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
