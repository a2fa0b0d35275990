/**
 * One measurement: one load generator run against a server process, with the server's CPU
 * time and memory taken around the load generator's window. `measure` starts a fresh server
 * for it; the mixed pass (mixed-run.ts) runs several on one long-lived server.
 */
import type { ResourceSnapshot } from '../servers/server-ipc.js';
import type { Loadgen } from './loadgen-build.js';
import { type LoadgenResult, runLoadgen } from './loadgen-process.js';
import type { BenchSettings, Scenario } from './scenarios.js';
import { type ServerName, ServerProcess } from './server-process.js';

export interface Sample {
  /** False when the server cannot do the scenario (e.g. did not negotiate compression). */
  available: boolean;
  note?: string;
  perSecond: number;
  p50Us: number;
  p99Us: number;
  /** Server CPU time (user + system, all threads and processes) per unit of work. */
  serverCpuUsPerUnit: number;
  /** Server CPU time over wall time in the window (1 = one core). */
  serverCpuShare: number;
  loadgenCpuShare: number;
  /** Idle scenario: memory growth per open connection. */
  rssPerConnection: number;
  heapPerConnection: number;
}

/** A sample with no figures (a server that failed or could not take part). */
export const EMPTY_SAMPLE: Sample = {
  available: false,
  perSecond: 0,
  p50Us: 0,
  p99Us: 0,
  serverCpuUsPerUnit: 0,
  serverCpuShare: 0,
  loadgenCpuShare: 0,
  rssPerConnection: 0,
  heapPerConnection: 0,
};

export function unavailable(note: string): Sample {
  return { ...EMPTY_SAMPLE, note };
}

/** One line for the log. */
export function describeSample(sample: Sample): string {
  if (!sample.available) return `n/a (${sample.note})`;
  if (sample.rssPerConnection) return `${sample.rssPerConnection.toFixed(0)} B/conn rss`;
  return (
    `${sample.perSecond.toFixed(0)}/s, ${sample.serverCpuUsPerUnit.toFixed(2)} µs CPU each, ` +
    `loadgen ${(sample.loadgenCpuShare * 100).toFixed(0)}%`
  );
}

/** What the runner passes to every measurement. */
export interface MeasureContext {
  loadgen: Loadgen;
  settings: BenchSettings;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Idle mode: let the server finish the last handshakes' work before reading its memory. */
function settleMs(settings: BenchSettings): number {
  return settings.quick ? 300 : 1000;
}

function timingArgs(settings: BenchSettings): string[] {
  return ['--warmup', `${settings.warmupSeconds}`, '--duration', `${settings.durationSeconds}`];
}

function toSample(
  result: LoadgenResult,
  before: ResourceSnapshot,
  after: ResourceSnapshot,
): Sample {
  if (result.errors > 0)
    throw new Error(`load generator saw ${result.errors} errors: ${result.error}`);
  const cpuMicros = after.cpuMicros - before.cpuMicros;
  const idle = result.mode === 'idle';
  return {
    available: true,
    perSecond: result.messages_per_s,
    p50Us: result.p50_us,
    p99Us: result.p99_us,
    serverCpuUsPerUnit: idle ? 0 : cpuMicros / Math.max(1, result.messages),
    serverCpuShare: idle ? 0 : cpuMicros / 1e6 / result.seconds,
    loadgenCpuShare: result.cpu_share,
    rssPerConnection: idle ? (after.rss - before.rss) / result.connections : 0,
    heapPerConnection: idle ? (after.heapUsed - before.heapUsed) / result.connections : 0,
  };
}

/** Why `server` cannot take part in `scenario` at all, or null. */
export function missingFeature(scenario: Scenario, server: ServerProcess): string | null {
  return scenario.needs ? (server.lacks[scenario.needs] ?? null) : null;
}

/** One load generator run against a running server. */
export async function measureOn(
  server: ServerProcess,
  scenario: Scenario,
  context: MeasureContext,
): Promise<Sample> {
  const missing = missingFeature(scenario, server);
  if (missing) return unavailable(missing);
  const { settings } = context;
  const idle = scenario.id === 'idle';
  // Idle: the baseline is the server before the connections (a fresh one: idle is freshOnly);
  // otherwise the window opens after the warm-up.
  let before = idle ? await server.stats(true) : null;
  let after: ResourceSnapshot | null = null;
  const args = ['--port', `${server.port}`, ...scenario.loadgen, ...timingArgs(settings)];
  const result = await runLoadgen(context.loadgen.binary, args, {
    onWindowStart: async () => {
      if (!idle) before = await server.stats();
      else {
        await sleep(settleMs(settings));
        after = await server.stats(true);
      }
    },
    onWindowEnd: async () => {
      if (!idle) after = await server.stats();
    },
  });
  if (scenario.config?.compression && !result.deflate)
    return unavailable('permessage-deflate not negotiated');
  if (!before || !after) throw new Error('missing server snapshot');
  return toSample(result, before, after);
}

/** One measurement on a fresh server process. */
export async function measure(
  name: ServerName,
  scenario: Scenario,
  context: MeasureContext,
  profileDir?: string,
): Promise<Sample> {
  const server = await ServerProcess.start(name, { config: scenario.config, profileDir });
  try {
    return await measureOn(server, scenario, context);
  } finally {
    await server.stop();
  }
}
