/**
 * Scale-out benchmark.
 *
 *   npm run bench:cluster     # npm run build:app && node build/bench/cluster.bench.js
 *
 * 1. Cross-owner broadcast: `BURST` broadcasts (32 B text) issued on one owner, delivered to
 *    `REMOTE_CLIENTS` clients of another, (a) 2 nodes over a local redis-server, (b) 2 workers
 *    of `runCluster` over IPC. Each owner is the fixture app (build/test/fixtures/cluster) in
 *    its own process; the clients live in this process. Figure: deliveries at the remote
 *    clients per second, from sending the command to the last delivery.
 * 2. The local path, in this process: the same push and broadcast loops on a single-process
 *    `WsServer` (no adapter: the default) and on one that joined a Redis cluster alone (the
 *    adapter is present, no other owner). Timed: the synchronous calls (what the cluster seam
 *    could slow down), samples interleaved, median reported, ratio cluster/default.
 *
 * Needs /usr/bin/redis-server (apt-get install redis-server). Prints markdown.
 */
import { cpus } from 'node:os';
import WebSocket from 'ws';
import { WsServer } from '../src/gateway/ws-server.service.js';
import type { WsServerOptions } from '../src/gateway/ws-server-options.interface.js';
import { ControlClient } from '../test/e2e/support/control-client.js';
import {
  type FixtureProcess,
  freePort,
  startFixture,
} from '../test/e2e/support/cluster-process.js';
import { RedisServerProcess } from '../test/e2e/support/redis-server.js';
import { delay, waitUntil } from '../test/e2e/support/wait.js';

const BURST = Number(process.env.BENCH_BURST ?? 2000);
const REMOTE_CLIENTS = Number(process.env.BENCH_REMOTE_CLIENTS ?? 20);
const CROSS_RUNS = Number(process.env.BENCH_CROSS_RUNS ?? 3);
const LOCAL_CLIENTS = 50;
const LOCAL_PUSHES = 100_000;
const LOCAL_BROADCASTS = 2_000;
const LOCAL_SAMPLES = 7;
const PAYLOAD = 'x'.repeat(32);

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const fmt = (value: number) => Math.round(value).toLocaleString('en-US');

// ---- 1. cross-owner broadcast -------------------------------------------------------------

/** Burst from `sender`, counted at `receivers`; returns deliveries per second. */
async function crossBroadcast(sender: ControlClient, receivers: ControlClient[]): Promise<number> {
  for (const client of receivers) client.received.length = 0;
  const expected = BURST * receivers.length;
  const total = () => receivers.reduce((sum, client) => sum + client.received.length, 0);
  const started = performance.now();
  const reply = sender.call(`burst ${BURST} ${PAYLOAD}`, 60000);
  await waitUntil(() => total() >= expected, 60000, 'every delivery');
  const elapsed = performance.now() - started;
  await reply;
  await delay(100);
  if (total() !== expected) throw new Error(`expected ${expected} deliveries, got ${total()}`);
  return expected / (elapsed / 1000);
}

async function redisCross(redis: RedisServerProcess): Promise<number[]> {
  const ports = [await freePort(), await freePort()];
  const nodes = ports.map((port) =>
    startFixture({
      CLUSTER_MODE: 'redis',
      PORT: String(port),
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'bench',
    }),
  );
  try {
    await Promise.all(nodes.map((node) => node.waitForLines('READY', 1, 15000)));
    const sender = await ControlClient.connect(ports[0]);
    const receivers: ControlClient[] = [];
    for (let i = 0; i < REMOTE_CLIENTS; i++) receivers.push(await ControlClient.connect(ports[1]));
    await delay(2500); // both nodes beat and see each other
    await crossBroadcast(sender, receivers); // warm-up
    const rates: number[] = [];
    for (let run = 0; run < CROSS_RUNS; run++) rates.push(await crossBroadcast(sender, receivers));
    for (const client of [sender, ...receivers]) client.close();
    return rates;
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

async function ipcCross(): Promise<number[]> {
  const port = await freePort();
  const cluster: FixtureProcess = startFixture({
    CLUSTER_MODE: 'ipc',
    CLUSTER_WORKERS: '2',
    PORT: String(port),
  });
  const clients: ControlClient[] = [];
  try {
    await cluster.waitForLines('READY', 2, 15000);
    const owners = () => [...new Set(clients.map((client) => client.owner))].sort((a, b) => a - b);
    const on = (owner: number) => clients.filter((client) => client.owner === owner);
    while (owners().length < 2 || on(owners()[1]).length < REMOTE_CLIENTS) {
      clients.push(await ControlClient.connect(port));
    }
    const [first, second] = owners();
    const sender = on(first)[0];
    const receivers = on(second).slice(0, REMOTE_CLIENTS);
    await crossBroadcast(sender, receivers); // warm-up
    const rates: number[] = [];
    for (let run = 0; run < CROSS_RUNS; run++) rates.push(await crossBroadcast(sender, receivers));
    return rates;
  } finally {
    for (const client of clients) client.close();
    await cluster.stop();
  }
}

// ---- 2. the local path --------------------------------------------------------------------

interface LocalSide {
  name: string;
  server: WsServer;
  fds: number[];
  clients: WebSocket[];
  received: () => number;
}

async function localSide(name: string, options: WsServerOptions): Promise<LocalSide> {
  const server = new WsServer({ host: '127.0.0.1', port: 0, ...options });
  const fds: number[] = [];
  server.on('open', (request) => void fds.push(request.fd));
  server.on('message', () => undefined);
  await server.start();
  let count = 0;
  const clients: WebSocket[] = [];
  for (let i = 0; i < LOCAL_CLIENTS; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    ws.on('message', () => void count++);
    await new Promise((resolve) => ws.once('open', resolve));
    clients.push(ws);
  }
  await waitUntil(() => fds.length === LOCAL_CLIENTS, 3000, 'every open');
  return { name, server, fds, clients, received: () => count };
}

/** Calls per second of the synchronous loop, then waits until every message arrived. */
async function timeLocal(side: LocalSide, kind: 'push' | 'broadcast'): Promise<number> {
  const before = side.received();
  const calls = kind === 'push' ? LOCAL_PUSHES : LOCAL_BROADCASTS;
  const { server, fds } = side;
  const started = performance.now();
  if (kind === 'push') {
    for (let i = 0; i < calls; i++) server.push(fds[i % fds.length], PAYLOAD);
  } else {
    for (let i = 0; i < calls; i++) server.broadcast(PAYLOAD);
  }
  const elapsed = performance.now() - started;
  const expected = kind === 'push' ? calls : calls * fds.length;
  await waitUntil(() => side.received() - before >= expected, 30000, 'local deliveries');
  return calls / (elapsed / 1000);
}

async function localComparison(redis: RedisServerProcess): Promise<string[]> {
  const plain = await localSide('single-process default (no adapter)', {});
  const joined = await localSide('cluster-enabled (Redis adapter, 1 node)', {
    cluster: { redis: { url: redis.url, prefix: 'bench-local' } },
  });
  const results = new Map<string, number[]>();
  const record = (key: string, value: number) =>
    results.set(key, [...(results.get(key) ?? []), value]);
  for (const kind of ['push', 'broadcast'] as const) {
    await timeLocal(plain, kind); // warm-up
    await timeLocal(joined, kind);
    for (let i = 0; i < LOCAL_SAMPLES; i++) {
      const order = i % 2 === 0 ? [plain, joined] : [joined, plain];
      for (const side of order) record(`${kind}:${side.name}`, await timeLocal(side, kind));
    }
  }
  const lines = [
    `| Local path (${LOCAL_CLIENTS} clients, 32 B text) | single-process default | cluster-enabled | cluster / default |`,
    '|---|---:|---:|---:|',
  ];
  for (const kind of ['push', 'broadcast'] as const) {
    const a = median(results.get(`${kind}:${plain.name}`) ?? []);
    const b = median(results.get(`${kind}:${joined.name}`) ?? []);
    const unit =
      kind === 'push'
        ? `push() calls/s (${fmt(LOCAL_PUSHES)} per sample)`
        : `broadcast() calls/s (${fmt(LOCAL_BROADCASTS)} per sample)`;
    lines.push(`| ${unit} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)} |`);
  }
  for (const side of [plain, joined]) {
    for (const ws of side.clients) ws.terminate();
    await side.server.shutdown(1000);
  }
  return lines;
}

async function main(): Promise<void> {
  const redis = new RedisServerProcess(await freePort());
  await redis.start();
  try {
    const redisRates = await redisCross(redis);
    const ipcRates = await ipcCross();
    const local = await localComparison(redis);
    const cpu = cpus()[0]?.model ?? 'unknown';
    console.log(
      `Machine: ${cpu}, ${cpus().length} CPUs, Node ${process.version}; ${new Date().toISOString()}`,
    );
    console.log('');
    console.log(
      `| Cross-owner broadcast (${fmt(BURST)} x 32 B to ${REMOTE_CLIENTS} clients of the other owner) | deliveries/s, median | runs |`,
    );
    console.log('|---|---:|---|');
    console.log(
      `| 2 nodes over Redis | ${fmt(median(redisRates))} | ${redisRates.map(fmt).join(', ')} |`,
    );
    console.log(
      `| 2 workers over IPC (runCluster) | ${fmt(median(ipcRates))} | ${ipcRates.map(fmt).join(', ')} |`,
    );
    console.log('');
    for (const line of local) console.log(line);
  } finally {
    await redis.stop();
  }
}

await main();
