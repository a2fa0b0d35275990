import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { delay } from '../e2e/support/wait.js';
import { AbuseAppProcess } from './abuse-app.process.js';
import { SocketJar } from './attack-sockets.js';
import { HealthyProber, type ProbeReport } from './healthy-prober.js';

const MIB = 1024 * 1024;
/** How long a dying server may take to be seen as dead (its exit event arriving). */
const EXIT_NOTICE_MS = 500;

/**
 * How hard the attacks push: `ABUSE_SCALE` multiplies every connection and message count
 * (default 1, sized for CI on a small machine; 4 gives the 2,000-connection runs).
 */
export const ABUSE_SCALE = positiveNumberFromEnv('ABUSE_SCALE', 1);

/** `count` scaled by `ABUSE_SCALE` (at least 1). */
export function scaled(count: number): number {
  return Math.max(1, Math.round(count * ABUSE_SCALE));
}

/** What every case must stay within. */
export interface AbuseBounds {
  /** The slowest echo the healthy client may see during and after the attack. */
  latencyMs: number;
  /** Growth of `arrayBuffers` over the start of the case, during the attack and after it. */
  arrayBuffersGrowth: number;
  /** Growth of `rss` over the start of the case, during the attack and after it. */
  rssGrowth: number;
  /** How long memory and connections may take to come back once the attack's sockets closed. */
  settleMs: number;
}

/**
 * The bounds: 1.5 s of echo latency on a loaded 2-core machine (an event loop blocked by one
 * connection shows up as seconds); +32 MiB of `arrayBuffers` and +64 MiB of `rss` after gc
 * (buffers reserved or queued per connection show up as hundreds of MiB at these scales).
 * `ABUSE_LATENCY_MS` overrides the latency bound.
 */
export const DEFAULT_BOUNDS: AbuseBounds = {
  latencyMs: positiveNumberFromEnv('ABUSE_LATENCY_MS', 1500),
  arrayBuffersGrowth: 32 * MIB,
  rssGrowth: 64 * MIB,
  settleMs: 5000,
};

/** What an attack can use: the server's port, tracked raw sockets, and memory sampling. */
export interface AttackContext {
  port: number;
  app: AbuseAppProcess;
  /** Raw sockets, all destroyed when the attack ends. */
  sockets: SocketJar;
  /** Samples the server's memory while the attack holds its sockets (checked against the bounds). */
  sampleMemory(label: string): Promise<NodeJS.MemoryUsage>;
  /** Records a figure of the attack for the `ABUSE_VERBOSE` report line. */
  note(text: string): void;
}

/** One `/__memory` sample taken during an attack. */
interface MemorySample {
  label: string;
  memory: NodeJS.MemoryUsage;
}

/**
 * The abuse fixture for one spec file: started before its tests, stopped (by PID) after them,
 * and restarted before a test if an earlier one killed it (that test failed already).
 */
export function useAbuseApp(): { readonly app: AbuseAppProcess } {
  let current: AbuseAppProcess | null = null;
  beforeAll(async () => {
    current = await AbuseAppProcess.start();
  });
  beforeEach(async () => {
    if (current !== null && !current.alive()) current = await AbuseAppProcess.start();
  });
  afterAll(async () => {
    await current?.stop();
  });
  return {
    get app(): AbuseAppProcess {
      if (current === null) throw new Error('the abuse app is not running');
      return current;
    },
  };
}

/**
 * Runs an attack beside a healthy client and checks the three things every case must hold:
 * (1) the server process is alive afterwards; (2) the healthy client got every echo, none slower
 * than `latencyMs`, and a client connecting after the attack gets its echo too; (3) memory stays within the growth bounds while the attack holds its sockets
 * (each `sampleMemory`) and comes back within them, with the connection count, once the
 * attack's sockets closed. Throws one error listing every violation with its figures; returns
 * the attack's own result for the case's further checks.
 */
export async function underAttack<T>(
  app: AbuseAppProcess,
  name: string,
  attack: (context: AttackContext) => Promise<T>,
  bounds: AbuseBounds = DEFAULT_BOUNDS,
): Promise<T> {
  const before = await app.memory();
  const statsBefore = await app.stats();
  const samples: MemorySample[] = [];
  const notes: string[] = [];
  const sockets = new SocketJar(app.port);
  const prober = await HealthyProber.start(app.port);
  const context: AttackContext = {
    port: app.port,
    app,
    sockets,
    sampleMemory: async (label) => {
      const memory = await app.memory();
      samples.push({ label, memory });
      return memory;
    },
    note: (text) => void notes.push(text),
  };
  let result: T | undefined;
  let failure: unknown;
  try {
    result = await attack(context);
  } catch (error) {
    failure = error;
  }
  sockets.destroyAll();
  const probes = await prober.stop(bounds.latencyMs);
  const troubled = failure !== undefined || probes.closed !== null || probes.unanswered > 0;
  await expectAlive(app, name, troubled ? EXIT_NOTICE_MS : 0);
  const violations = [
    ...probeViolations(probes, bounds),
    ...samples.flatMap((sample) => growthViolations(sample.label, before, sample.memory, bounds)),
  ];
  let settled: { memory: NodeJS.MemoryUsage; violations: string[] };
  try {
    settled = await settle(app, before, statsBefore.websocket_connection_num, bounds);
  } catch (error) {
    // A server that stops answering its probes may be dying: say so rather than "ECONNRESET".
    await expectAlive(app, name, EXIT_NOTICE_MS);
    throw error;
  }
  violations.push(...settled.violations);
  violations.push(...(await newcomerViolations(app, bounds)));
  report(name, probes, before, samples, settled.memory, notes);
  if (failure !== undefined) {
    const message = failure instanceof Error ? failure.message : String(failure);
    violations.unshift(`the attack itself failed: ${message}`);
  }
  if (violations.length > 0) throw new Error(`${name}:\n - ${violations.join('\n - ')}`);
  return result as T;
}

/**
 * Fails with the exit code, signal and stderr if the server process died. A process killed by
 * the attack's last sockets may take a moment to be reported, so when something looked wrong,
 * up to `waitMs` is given for its exit to show.
 */
async function expectAlive(app: AbuseAppProcess, name: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (app.alive() && Date.now() < deadline) await delay(50);
  if (!app.alive()) throw new Error(`${name}: the server process died: ${app.describeExit()}`);
}

/** A client that connects after the attack must open and get its echo within the bound. */
async function newcomerViolations(app: AbuseAppProcess, bounds: AbuseBounds): Promise<string[]> {
  try {
    const newcomer = await HealthyProber.start(app.port);
    const probes = await newcomer.stop(bounds.latencyMs);
    return probes.maxLatencyMs > bounds.latencyMs
      ? [`after the attack: a new client's first echo took ${probes.maxLatencyMs} ms`]
      : [];
  } catch (error) {
    return [`after the attack: a new client got no echo (${(error as Error).message})`];
  }
}

function probeViolations(probes: ProbeReport, bounds: AbuseBounds): string[] {
  const violations: string[] = [];
  if (probes.closed !== null) {
    violations.push(
      `the healthy client was closed (${probes.closed.code} ${probes.closed.reason})`,
    );
  }
  if (probes.unanswered > 0) {
    violations.push(
      `${probes.unanswered} of ${probes.sent} healthy probes got no echo (waited ${bounds.latencyMs} ms after the attack)`,
    );
  }
  if (probes.maxLatencyMs > bounds.latencyMs) {
    violations.push(
      `the slowest healthy echo took ${probes.maxLatencyMs} ms (bound ${bounds.latencyMs} ms; median ${probes.medianLatencyMs} ms)`,
    );
  }
  return violations;
}

function growthViolations(
  label: string,
  before: NodeJS.MemoryUsage,
  now: NodeJS.MemoryUsage,
  bounds: AbuseBounds,
): string[] {
  const violations: string[] = [];
  const arrayBuffers = now.arrayBuffers - before.arrayBuffers;
  const rss = now.rss - before.rss;
  if (arrayBuffers > bounds.arrayBuffersGrowth) {
    violations.push(
      `${label}: arrayBuffers grew by ${mib(arrayBuffers)} (bound ${mib(bounds.arrayBuffersGrowth)}; ${mib(before.arrayBuffers)} -> ${mib(now.arrayBuffers)})`,
    );
  }
  if (rss > bounds.rssGrowth) {
    violations.push(
      `${label}: rss grew by ${mib(rss)} (bound ${mib(bounds.rssGrowth)}; ${mib(before.rss)} -> ${mib(now.rss)})`,
    );
  }
  return violations;
}

/**
 * Polls memory and stats until memory is back within the bounds and the WebSocket count is back
 * to what it was, for at most `settleMs`; reports what is still off after that.
 */
async function settle(
  app: AbuseAppProcess,
  before: NodeJS.MemoryUsage,
  websocketsBefore: number,
  bounds: AbuseBounds,
): Promise<{ memory: NodeJS.MemoryUsage; violations: string[] }> {
  const deadline = Date.now() + bounds.settleMs;
  for (;;) {
    const memory = await app.memory();
    const stats = await app.stats();
    const violations = growthViolations('after the attack', before, memory, bounds);
    if (stats.websocket_connection_num > websocketsBefore) {
      violations.push(
        `after the attack: ${stats.websocket_connection_num} WebSockets still registered (before: ${websocketsBefore})`,
      );
    }
    if (violations.length === 0 || Date.now() > deadline) {
      return {
        memory,
        violations: violations.map((violation) => `${violation}, ${bounds.settleMs} ms after`),
      };
    }
    await delay(250);
  }
}

/** With `ABUSE_VERBOSE=1`, one line of figures per case (to size the bounds). */
function report(
  name: string,
  probes: ProbeReport,
  before: NodeJS.MemoryUsage,
  samples: MemorySample[],
  after: NodeJS.MemoryUsage,
  notes: string[],
): void {
  if (process.env.ABUSE_VERBOSE !== '1') return;
  const during = samples
    .map(
      (sample) =>
        `${sample.label}: ab ${mib(sample.memory.arrayBuffers)} rss ${mib(sample.memory.rss)}`,
    )
    .join('; ');
  process.stdout.write(
    `[abuse] ${name}: probes ${probes.answered}/${probes.sent} max ${probes.maxLatencyMs} ms median ${probes.medianLatencyMs} ms; ` +
      `before ab ${mib(before.arrayBuffers)} rss ${mib(before.rss)}; ${during ? `${during}; ` : ''}` +
      `after ab ${mib(after.arrayBuffers)} rss ${mib(after.rss)}` +
      `${notes.length > 0 ? `; ${notes.join('; ')}` : ''}\n`,
  );
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

function positiveNumberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}
