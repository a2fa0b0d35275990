import { afterAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { generateCase } from './case.generator.js';
import { EchoKeeper } from './echo-keeper.js';
import { runCase, runPool } from './fuzz-driver.js';
import { describeFailure, judge } from './fuzz-oracle.js';
import { type FuzzTarget, startEchoServer, startNestEcho } from './fuzz-targets.js';
import { positiveIntFromEnv, seedFromEnv } from './seeded-random.js';

/**
 * Bounded fuzzing of the server: random bytes, mutated handshakes and mutated frame streams
 * on many connections at once, while a well-formed client keeps echoing. Fixed seed and
 * budget by default (CI); `scripts/fuzz.sh` runs longer with a random seed.
 *   FUZZ_SEED         run seed (default fixed)
 *   FUZZ_CASES        cases in total, split between the two servers (default 1500)
 *   FUZZ_CONCURRENCY  connections at once (default 50)
 *   FUZZ_ONLY         run only this case index (to reproduce a failure)
 */
const SEED = seedFromEnv();
const TOTAL = positiveIntFromEnv('FUZZ_CASES', 1500);
const CONCURRENCY = positiveIntFromEnv('FUZZ_CONCURRENCY', 50);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
/** Per case: longer than every server timeout chain (idle 4 s + a check + close 1 s). */
const CASE_DEADLINE_MS = 8000;
const MAX_REPORTED = 10;

process.stdout.write(
  `fuzz: FUZZ_SEED=${SEED} FUZZ_CASES=${TOTAL} FUZZ_CONCURRENCY=${CONCURRENCY}\n`,
);

async function fuzz(target: FuzzTarget, cases: number): Promise<void> {
  const { server, profile } = target;
  const url = `ws://127.0.0.1:${server.port}${profile.path}`;
  const keeper = await EchoKeeper.start(url);
  const failures: string[] = [];
  const indexes = ONLY === undefined ? Array.from({ length: cases }, (_, i) => i) : [ONLY];
  const heapBefore = settledHeap();
  try {
    await runPool(indexes.length, CONCURRENCY, async (n) => {
      const fuzzCase = generateCase(SEED, indexes[n], profile);
      const answer = await runCase(server.port, fuzzCase, CASE_DEADLINE_MS);
      const problems = judge(fuzzCase, answer, profile);
      if (problems.length === 0) return;
      failures.push(describeFailure(SEED, profile, fuzzCase, answer, problems));
    });
  } finally {
    await keeper.stop().catch(() => undefined);
  }
  if (failures.length > 0)
    process.stderr.write(failures.slice(0, MAX_REPORTED).join('\n\n') + '\n');
  expect({ failures: failures.length, first: failures.slice(0, MAX_REPORTED) }).toEqual({
    failures: 0,
    first: [],
  });
  expect(keeper.failures).toEqual([]);
  expect(keeper.roundTrips).toBeGreaterThan(0);

  // No connection left behind (the keeper closed too), nothing logged as a fault.
  const deadline = Date.now() + 3000;
  while (server.stats().connection_num > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const stats = server.stats();
  expect({ open: stats.connection_num, websockets: stats.websocket_connection_num }).toEqual({
    open: 0,
    websockets: 0,
  });
  expect(stats.accept_count).toBe(stats.close_count);
  expect(target.errors()).toEqual([]);
  // With a collection first (npm test exposes gc), the heap must come back near its start: the
  // cases' connections, buffers and zlib contexts are all released.
  const heapGrowth = settledHeap() - heapBefore;
  expect(heapGrowth).toBeLessThan(
    typeof globalThis.gc === 'function' ? 32 * 1024 * 1024 : 256 * 1024 * 1024,
  );

  // Still serving: a new client opens and gets its echo.
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const echo = new Promise<string>((resolve) =>
    ws.once('message', (data: Buffer) => resolve(data.toString())),
  );
  ws.send('after the fuzz');
  expect(await echo).toBe('after the fuzz');
  ws.close();
}

describe(`server fuzz (seed ${SEED})`, () => {
  const targets: FuzzTarget[] = [];
  afterAll(async () => {
    for (const target of targets) await target.stop();
  });
  const timeout = Math.max(60_000, TOTAL * 100);

  it(
    'a bare WsServer echo survives and answers every case as defined',
    async () => {
      const target = await startEchoServer();
      targets.push(target);
      await fuzz(target, Math.ceil(TOTAL / 2));
    },
    timeout,
  );

  it(
    "the sample app's EchoGateway through the Nest module (permessage-deflate) does too",
    async () => {
      const target = await startNestEcho();
      targets.push(target);
      await fuzz(target, Math.floor(TOTAL / 2));
    },
    timeout,
  );
});

/** Heap in use, after a full collection when gc is exposed. */
function settledHeap(): number {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  return process.memoryUsage().heapUsed;
}
