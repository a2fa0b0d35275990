/**
 * Client benchmark: our WsClient against the `ws` package's client, both driving the same
 * server (our bare runtime, `servers/ours-runtime.server.ts`, in its own process) with small
 * text echo: one connection, N messages in flight (each echo is answered with the next message).
 *
 *   npm run build:app && node build/bench/client.bench.js
 *
 * BENCH_SAMPLE_MS sets the length of one timed sample (default 2000). Prints a markdown table
 * (median of the samples): messages per second and the client's CPU time per message.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { WsClient } from '../src/client/ws-client.js';
import { median } from './lib/median.js';
import { ServerProcess } from './lib/server-process.js';

/** Timed work per sample. */
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 2000);
/** Untimed run before each sample (connection set up, JIT warm). */
const WARMUP_MS = 300;
/** Samples per client and case, interleaved (ours, ws, ws, ours, ...). */
const REPETITIONS = 3;
/** Messages in flight on the connection. */
const IN_FLIGHT = [1, 10, 100];
/** A small chat-like text message (32 bytes). */
const PAYLOAD = 'bench: a small text message: 32B';

interface Sample {
  perSecond: number;
  /** Client process CPU (user + system) per message, microseconds. */
  cpuUsPerMessage: number;
}

interface Contender {
  name: string;
  /** Runs the echo loop on a fresh connection for warm-up + `ms`; returns the timed figures. */
  run(url: string, inFlight: number, ms: number): Promise<Sample>;
}

/** Counts what happens between `start()` and `stop()`: messages, wall time, CPU. */
class Window {
  private counting = false;
  private messages = 0;
  private startedAt = 0;
  private cpuAtStart = process.cpuUsage();

  start(): void {
    this.counting = true;
    this.messages = 0;
    this.startedAt = performance.now();
    this.cpuAtStart = process.cpuUsage();
  }

  count(): void {
    if (this.counting) this.messages++;
  }

  stop(): Sample {
    this.counting = false;
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cpu = process.cpuUsage(this.cpuAtStart);
    return {
      perSecond: this.messages / seconds,
      cpuUsPerMessage: (cpu.user + cpu.system) / Math.max(1, this.messages),
    };
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Ours, as Swoole code would use it: a recv() loop that pushes the next message. */
const ours: Contender = {
  name: 'WsClient (ours)',
  async run(url, inFlight, ms) {
    const client = await WsClient.connect(url);
    const window = new Window();
    let running = true;
    const loop = (async () => {
      for (let i = 0; i < inFlight; i++) client.push(PAYLOAD);
      while (running) {
        const frame = await client.recv();
        if (frame === false) throw new Error(`connection closed (${client.closeCode})`);
        window.count();
        client.push(PAYLOAD);
      }
    })();
    await delay(WARMUP_MS);
    window.start();
    await delay(ms);
    const sample = window.stop();
    running = false;
    await client.close();
    await loop.catch(() => undefined);
    return sample;
  },
};

/** The ws client, as its documentation uses it: a message listener that sends the next one. */
const ws: Contender = {
  name: 'ws',
  async run(url, inFlight, ms) {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    const window = new Window();
    socket.on('message', () => {
      window.count();
      socket.send(PAYLOAD);
    });
    for (let i = 0; i < inFlight; i++) socket.send(PAYLOAD);
    await delay(WARMUP_MS);
    window.start();
    await delay(ms);
    const sample = window.stop();
    socket.removeAllListeners('message');
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
    return sample;
  },
};

interface Row {
  inFlight: number;
  ours: Sample;
  ws: Sample;
}

async function measure(url: string, inFlight: number): Promise<Row> {
  const samples: Record<string, Sample[]> = { ours: [], ws: [] };
  for (let r = 0; r < REPETITIONS; r++) {
    const order: [string, Contender][] = [
      ['ours', ours],
      ['ws', ws],
    ];
    if (r % 2 === 1) order.reverse();
    for (const [key, contender] of order) {
      samples[key].push(await contender.run(url, inFlight, SAMPLE_MS));
    }
  }
  const pick = (list: Sample[]): Sample => ({
    perSecond: median(list.map((sample) => sample.perSecond)),
    cpuUsPerMessage: median(list.map((sample) => sample.cpuUsPerMessage)),
  });
  const row = { inFlight, ours: pick(samples.ours), ws: pick(samples.ws) };
  process.stderr.write(
    `  ${inFlight} in flight: ours/ws ${(row.ours.perSecond / row.ws.perSecond).toFixed(2)}\n`,
  );
  return row;
}

function rate(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} k` : value.toFixed(0);
}

function markdown(rows: readonly Row[]): string {
  const lines = [
    `| In flight | ${ours.name} msg/s | ${ws.name} msg/s | rate vs ws | ours CPU µs/msg | ws CPU µs/msg |`,
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.inFlight} | ${rate(row.ours.perSecond)} | ${rate(row.ws.perSecond)} | ` +
        `${(row.ours.perSecond / row.ws.perSecond).toFixed(2)}x | ` +
        `${row.ours.cpuUsPerMessage.toFixed(1)} | ${row.ws.cpuUsPerMessage.toFixed(1)} |`,
    ),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const server = await ServerProcess.start('ours-runtime', {});
  try {
    const url = `ws://127.0.0.1:${server.port}/`;
    process.stderr.write(
      `client bench: ${PAYLOAD.length}-byte text echo, ${REPETITIONS} x ${SAMPLE_MS} ms per client and case\n`,
    );
    const rows: Row[] = [];
    for (const inFlight of IN_FLIGHT) rows.push(await measure(url, inFlight));
    process.stdout.write(
      `#### Client: ${PAYLOAD.length}-byte text echo on one connection, our server (runtime)\n\n`,
    );
    process.stdout.write(`${markdown(rows)}\n`);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`client bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
