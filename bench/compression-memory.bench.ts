/**
 * Memory per compressed connection: how much the server process grows per open WebSocket with
 * permessage-deflate off, on with context takeover, and on without it.
 *
 *   npm run bench:memory     # npm run build:app && node build/bench/compression-memory.bench.js
 *
 * Three processes per scenario: this orchestrator, the server (our WsServer alone, started with
 * --expose-gc) and a client process holding `ws` clients, so the clients' memory never counts.
 * For each scenario the client first opens and closes a few warm-up connections (code paths
 * compiled, zlib loaded), the server is measured after a full GC, the client opens
 * BENCH_CONNECTIONS connections (default 1000) that each exchange BENCH_MESSAGES compressed
 * messages each way (default 1), and the server is measured again after a full GC with every
 * connection still open. Figures are the deltas divided by the number of connections.
 *
 * BENCH_RUNS (default 2) repeats every scenario with fresh processes. Prints a markdown table.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import WebSocket, { type PerMessageDeflateOptions } from 'ws';
import { WsServer } from '../src/gateway/ws-server.service.js';
import type { WsServerSettings } from '../src/gateway/ws-server-options.interface.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 1000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const WARMUP_CONNECTIONS = 20;
/** Connections opened at once by the client. */
const BATCH = 100;
const HOST = '127.0.0.1';

interface Scenario {
  name: string;
  settings: WsServerSettings;
  /** The client's offer: false for none. */
  clientDeflate: PerMessageDeflateOptions | false;
  /** Messages each way per connection (compressed when negotiated). */
  messages: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'compression off',
    settings: { websocket_compression: false },
    clientDeflate: false,
    messages: MESSAGES,
  },
  {
    name: 'on, negotiated, no message yet',
    settings: { websocket_compression: true },
    clientDeflate: { threshold: 0 },
    messages: 0,
  },
  {
    name: 'on, context takeover',
    settings: { websocket_compression: true },
    clientDeflate: { threshold: 0 },
    messages: MESSAGES,
  },
  {
    name: 'on, server + client no_context_takeover',
    settings: {
      websocket_compression: true,
      websocket_compression_server_no_context_takeover: true,
      websocket_compression_client_no_context_takeover: true,
    },
    clientDeflate: { threshold: 0 },
    messages: MESSAGES,
  },
];

/** A JSON chat message of about 1 KiB: compressible, as real traffic is. */
const MESSAGE = JSON.stringify({
  event: 'chat',
  room: 'general',
  text: 'hello from a benchmark client, '.repeat(32),
});

// ---- IPC messages -----------------------------------------------------------------------------

interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  connections: number;
}

type ServerCommand = { type: 'measure' } | { type: 'exit' };
type ServerReport = { type: 'ready'; port: number } | ({ type: 'memory' } & MemorySnapshot);
type ClientCommand =
  { type: 'open'; count: number; messages: number; closeAfter: boolean } | { type: 'exit' };
type ClientReport = { type: 'opened'; extensions: string } | { type: 'failed'; error: string };

// ---- Server process ---------------------------------------------------------------------------

async function runServer(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_SETTINGS ?? '{}') as WsServerSettings;
  const server = new WsServer({
    host: HOST,
    port: 0,
    settings: { ...settings, max_connection: 1_000_000 },
  });
  // The echo keeps the flags: a message that came compressed (SWOOLE_WEBSOCKET_FLAG_COMPRESS in
  // frame.flags) goes back compressed.
  server.on('message', (frame) => server.push(frame.fd, frame.payload, frame.opcode, frame.flags));
  await server.start();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the server process needs --expose-gc');
  process.on('message', (command: ServerCommand) => {
    if (command.type === 'exit') {
      void server.shutdown(1000).then(() => process.exit(0));
      return;
    }
    // Several full collections, a tick apart, so zlib contexts freed by closed warm-up
    // connections (released through finalizers and native callbacks) are gone too.
    void (async () => {
      for (let i = 0; i < 4; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const memory = process.memoryUsage();
      report({
        type: 'memory',
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        connections: [...server.connections].length,
      });
    })();
  });
  report({ type: 'ready', port: server.port });
}

function report(message: ServerReport | ClientReport): void {
  (process.send as (message: ServerReport | ClientReport) => boolean)(message);
}

// ---- Client process ---------------------------------------------------------------------------

async function runClient(): Promise<void> {
  const port = Number(process.env.BENCH_PORT);
  const deflate = JSON.parse(process.env.BENCH_CLIENT_DEFLATE ?? 'false') as
    PerMessageDeflateOptions | false;
  const open: WebSocket[] = [];
  process.on('message', (command: ClientCommand) => {
    if (command.type === 'exit') {
      for (const ws of open) ws.terminate();
      process.exit(0);
    }
    void (async () => {
      try {
        const batch: WebSocket[] = [];
        let extensions = '';
        for (let start = 0; start < command.count; start += BATCH) {
          const size = Math.min(BATCH, command.count - start);
          const opened = await Promise.all(
            Array.from({ length: size }, () => connectAndExchange(port, deflate, command.messages)),
          );
          extensions = opened[0].extensions;
          batch.push(...opened.map((entry) => entry.ws));
        }
        if (command.closeAfter) await Promise.all(batch.map(closeClient));
        else open.push(...batch);
        report({ type: 'opened', extensions });
      } catch (error) {
        report({ type: 'failed', error: String(error) });
      }
    })();
  });
}

async function connectAndExchange(
  port: number,
  deflate: PerMessageDeflateOptions | false,
  messages: number,
): Promise<{ ws: WebSocket; extensions: string }> {
  const ws = new WebSocket(`ws://${HOST}:${port}/`, { perMessageDeflate: deflate });
  let extensions = '';
  ws.once('upgrade', (response: IncomingMessage) => {
    extensions = response.headers['sec-websocket-extensions'] ?? '';
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  for (let i = 0; i < messages; i++) {
    const echo = new Promise<string>((resolve) =>
      ws.once('message', (data: Buffer) => resolve(data.toString())),
    );
    ws.send(MESSAGE, { compress: true });
    if ((await echo) !== MESSAGE) throw new Error('wrong echo');
  }
  return { ws, extensions };
}

function closeClient(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    ws.close(1000);
  });
}

// ---- Orchestrator -----------------------------------------------------------------------------

/** A child process and a queue of its replies. */
class Child<Command, Report extends { type: string }> {
  private readonly waiting: Array<(report: Report) => void> = [];
  private readonly early: Report[] = [];

  constructor(readonly process: ChildProcess) {
    process.on('message', (report: Report) => {
      const next = this.waiting.shift();
      if (next) next(report);
      else this.early.push(report);
    });
  }

  next(): Promise<Report> {
    const early = this.early.shift();
    if (early) return Promise.resolve(early);
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      this.process.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
  }

  send(command: Command): void {
    this.process.send(command as object);
  }

  async stop(command: Command): Promise<void> {
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.send(command);
    await exited;
  }
}

interface Result {
  scenario: string;
  extensions: string;
  rss: number;
  heapUsed: number;
  external: number;
  connections: number;
}

async function measure(scenario: Scenario): Promise<Result> {
  const self = fileURLToPath(import.meta.url);
  const server = new Child<ServerCommand, ServerReport>(
    fork(self, ['server'], {
      execArgv: ['--expose-gc'],
      env: { ...process.env, BENCH_SETTINGS: JSON.stringify(scenario.settings) },
    }),
  );
  const ready = await server.next();
  if (ready.type !== 'ready') throw new Error('server did not start');
  const client = new Child<ClientCommand, ClientReport>(
    fork(self, ['client'], {
      env: {
        ...process.env,
        BENCH_PORT: String(ready.port),
        BENCH_CLIENT_DEFLATE: JSON.stringify(scenario.clientDeflate),
      },
    }),
  );
  try {
    const opened = async (count: number, closeAfter: boolean): Promise<string> => {
      client.send({ type: 'open', count, messages: scenario.messages, closeAfter });
      const reply = await client.next();
      if (reply.type === 'failed') throw new Error(reply.error);
      return reply.extensions;
    };
    const snapshot = async (): Promise<MemorySnapshot> => {
      server.send({ type: 'measure' });
      const reply = await server.next();
      if (reply.type !== 'memory') throw new Error('unexpected server reply');
      return reply;
    };
    await opened(WARMUP_CONNECTIONS, true);
    const before = await snapshot();
    const extensions = await opened(CONNECTIONS, false);
    const after = await snapshot();
    const added = after.connections - before.connections;
    if (added !== CONNECTIONS) throw new Error(`expected ${CONNECTIONS} connections, saw ${added}`);
    return {
      scenario: scenario.name,
      extensions: extensions || '(none)',
      rss: (after.rss - before.rss) / added,
      heapUsed: (after.heapUsed - before.heapUsed) / added,
      external: (after.external - before.external) / added,
      connections: added,
    };
  } finally {
    await client.stop({ type: 'exit' });
    await server.stop({ type: 'exit' });
  }
}

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);

async function orchestrate(): Promise<void> {
  console.log(
    `# ${CONNECTIONS} connections, ${MESSAGES} message(s) of ${MESSAGE.length} B each way, ` +
      `${RUNS} run(s); node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`,
  );
  const results: Result[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const scenario of SCENARIOS) {
      const result = await measure(scenario);
      results.push(result);
      console.log(
        `run ${run}: ${result.scenario}: RSS ${kib(result.rss)} KiB, heap ${kib(result.heapUsed)} KiB, ` +
          `external ${kib(result.external)} KiB per connection [${result.extensions}]`,
      );
    }
  }
  console.log('');
  console.log('| Scenario | Negotiated | RSS KiB/conn | heapUsed KiB/conn | external KiB/conn |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const scenario of SCENARIOS) {
    const rows = results.filter((result) => result.scenario === scenario.name);
    const column = (pick: (result: Result) => number): string =>
      rows.map((result) => kib(pick(result))).join(' / ');
    console.log(
      `| ${scenario.name} | \`${rows[0].extensions}\` | ${column((r) => r.rss)} | ` +
        `${column((r) => r.heapUsed)} | ${column((r) => r.external)} |`,
    );
  }
  console.log(`\n(one figure per run, separated by " / ")`);
}

const role = process.argv[2];
if (role === 'server') void runServer();
else if (role === 'client') void runClient();
else
  orchestrate().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
