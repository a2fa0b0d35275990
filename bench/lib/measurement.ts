/**
 * One measurement: a fresh server process, one load generator run, and the server's CPU time
 * and memory taken around the load generator's window.
 */
import type { ResourceSnapshot } from '../servers/server-ipc.js';
import { type LoadgenResult, runLoadgen } from './loadgen-process.js';
import type { BenchSettings, Scenario } from './scenarios.js';
import { type ServerName, ServerProcess } from './server-process.js';

/** Idle mode: let the server finish the last handshakes' work before reading its memory. */
const IDLE_SETTLE_MS = 1000;

export interface Sample {
  /** False when the server cannot do the scenario (e.g. did not negotiate compression). */
  available: boolean;
  note?: string;
  perSecond: number;
  p50Us: number;
  p99Us: number;
  /** Server CPU time (user + system, all threads) per unit of work. */
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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

export async function measure(
  binary: string,
  scenario: Scenario,
  server: ServerName,
  settings: BenchSettings,
  profileDir?: string,
): Promise<Sample> {
  const compression = scenario.compression === true;
  const process = await ServerProcess.start(server, { compression, profileDir });
  try {
    const idle = scenario.id === 'idle';
    // Idle: the baseline is the fresh server; otherwise the window opens after the warm-up.
    let before = idle ? await process.stats(true) : null;
    let after: ResourceSnapshot | null = null;
    const args = ['--port', `${process.port}`, ...scenario.loadgen, ...timingArgs(settings)];
    const result = await runLoadgen(binary, args, {
      onWindowStart: async () => {
        if (!idle) before = await process.stats();
        else {
          await sleep(IDLE_SETTLE_MS);
          after = await process.stats(true);
        }
      },
      onWindowEnd: async () => {
        if (!idle) after = await process.stats();
      },
    });
    if (compression && !result.deflate)
      return { ...EMPTY_SAMPLE, note: 'permessage-deflate not negotiated' };
    if (!before || !after) throw new Error('missing server snapshot');
    return toSample(result, before, after);
  } finally {
    await process.stop();
  }
}
