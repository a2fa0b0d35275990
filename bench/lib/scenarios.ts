/**
 * The scenarios of the server bench: what the load generator does, for how long, which
 * servers take part and how they are configured. BENCH_QUICK=1 shrinks them to a smoke run.
 *
 * The order of the list is also the order in which one long-lived server runs them in the
 * mixed pass (mixed-run.ts): small messages first, then 64 KiB, handshakes and fan-out, as a
 * server's day might go.
 */
import type { ServerConfig } from '../servers/server-config.js';
import type { ServerFeature } from '../servers/server-ipc.js';
import type { ServerName } from './server-process.js';
import { TLS_FILES } from './tls-certificate.js';

export const ALL_SERVERS: ServerName[] = [
  'ours-nest',
  'ours-runtime',
  'ws',
  'nest-platform-ws',
  'floor',
];

/** What one unit of work is, for "per second" and "CPU per ..." columns. */
export type Unit = 'message' | 'handshake' | 'delivery' | 'connection';

export interface Scenario {
  id: string;
  title: string;
  unit: Unit;
  /** Arguments for loadgen (mode, connections, sizes); port and timing are added by the runner. */
  loadgen: string[];
  servers: ServerName[];
  /** How every server of the scenario is configured (default: plain ws://, no compression). */
  config?: ServerConfig;
  /** A feature the servers must have (a server without it gets an n/a row). */
  needs?: ServerFeature;
  /** The servers the table compares with ("CPU vs ..." columns); default ws and the floor. */
  references?: ServerName[];
  /** A sentence printed under the scenario's table. */
  note?: string;
  /** Why the scenario cannot run on a long-lived server (left out of the mixed pass). */
  freshOnly?: string;
}

export interface BenchSettings {
  quick: boolean;
  repetitions: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** BENCH_MIXED=1: also run every server's scenarios in one long-lived process. */
  mixed: boolean;
}

export function benchSettings(): BenchSettings {
  const quick = process.env.BENCH_QUICK === '1';
  const mixed = process.env.BENCH_MIXED === '1';
  if (!quick)
    return {
      quick,
      mixed,
      repetitions: Number(process.env.BENCH_REPETITIONS ?? 3),
      warmupSeconds: 1,
      durationSeconds: 3,
    };
  // BENCH_DURATION shortens the windows further (the warm-up with them): CI runs the harness
  // as a smoke test.
  const durationSeconds = Number(process.env.BENCH_DURATION ?? 1);
  return {
    quick,
    mixed,
    repetitions: 1,
    warmupSeconds: Math.min(0.3, durationSeconds / 2),
    durationSeconds,
  };
}

/**
 * The gateway scenarios: the same `@SubscribeMessage('echo')` gateway on SwooleWsAdapter and
 * on platform-ws (ws and the floor echo the bytes back as they are, as a reference).
 */
const GATEWAY_SERVERS: ServerName[] = ['ours-adapter', 'platform-ws-gateway', 'ws', 'floor'];

const COMPRESSING_SERVERS: ServerName[] = ['ours-nest', 'ours-runtime', 'ws', 'nest-platform-ws'];

/**
 * Compression for the deflate echo scenarios: every message compressed (ours by threshold, and
 * by the received frame's flags anyway; ws with context takeover compresses everything).
 */
const DEFLATE: ServerConfig = { compression: true, compressionThreshold: 1 };

function echo(connections: number, inflight: number, size: number, opcode: number): string[] {
  return [
    '--mode',
    'echo',
    '--connections',
    `${connections}`,
    '--inflight',
    `${inflight}`,
    '--size',
    `${size}`,
    '--opcode',
    `${opcode}`,
  ];
}

/** 64 B Nest gateway messages: `{"event":"echo","data":"..."}`, echoed byte for byte. */
function gatewayEcho(connections: number, inflight: number): string[] {
  return [...echo(connections, inflight, 64, 1), '--json-event', 'echo'];
}

function fanOut(mode: 'broadcast' | 'publish', connections: number, size: number): string[] {
  return [
    '--mode',
    mode,
    '--connections',
    `${connections}`,
    '--inflight',
    '2',
    '--size',
    `${size}`,
  ];
}

function echoScenarios(quick: boolean): Scenario[] {
  const few = quick ? 50 : 100;
  const many = quick ? 200 : 1000;
  return [
    {
      id: 'echo-100x1',
      title: `Echo 32 B text, ${few} connections, 1 in flight`,
      unit: 'message',
      loadgen: echo(few, 1, 32, 1),
      servers: ALL_SERVERS,
    },
    {
      id: 'echo-100x16',
      title: `Echo 32 B text, ${few} connections, 16 in flight`,
      unit: 'message',
      loadgen: echo(few, 16, 32, 1),
      servers: ALL_SERVERS,
    },
    {
      id: 'echo-1000x1',
      title: `Echo 32 B text, ${many} connections, 1 in flight`,
      unit: 'message',
      loadgen: echo(many, 1, 32, 1),
      servers: ALL_SERVERS,
    },
  ];
}

function gatewayScenarios(quick: boolean): Scenario[] {
  const few = quick ? 50 : 100;
  return [
    {
      id: 'gateway-100x1',
      title: `Gateway echo, 64 B JSON event, ${few} connections, 1 in flight`,
      unit: 'message',
      loadgen: gatewayEcho(few, 1),
      servers: GATEWAY_SERVERS,
    },
    {
      id: 'gateway-100x16',
      title: `Gateway echo, 64 B JSON event, ${few} connections, 16 in flight`,
      unit: 'message',
      loadgen: gatewayEcho(few, 16),
      servers: GATEWAY_SERVERS,
    },
    // `{"event":"echo","data":{"text":"...","n":1}}`: the DTO is the data object.
    {
      id: 'validated',
      title: `Validated gateway echo (class-validator DTO, ValidationPipe), 96 B JSON, ${few} connections, 1 in flight`,
      unit: 'message',
      loadgen: [...echo(few, 1, 96, 1), '--json-event', 'echo', '--json-object'],
      servers: ['ours-nest-validated', 'ours-adapter-validated', 'platform-ws-validated'],
      references: ['platform-ws-validated'],
    },
  ];
}

function largeAndHandshakeScenarios(): Scenario[] {
  return [
    {
      id: 'echo-64k',
      title: 'Echo 64 KiB binary, 10 connections, 1 in flight',
      unit: 'message',
      loadgen: echo(10, 1, 65536, 2),
      servers: ALL_SERVERS,
    },
    // 50 clients in a loop of connect, upgrade, close handshake; source addresses spread over
    // 127.0.0.2-17 so tens of thousands of short connections do not exhaust ephemeral ports.
    {
      id: 'handshake',
      title: 'Handshakes (connect, upgrade, close handshake), 50 concurrent',
      unit: 'handshake',
      loadgen: ['--mode', 'handshake', '--connections', '50', '--src-ips', '16'],
      servers: ALL_SERVERS,
    },
  ];
}

function fanOutScenarios(quick: boolean): Scenario[] {
  const many = quick ? 200 : 1000;
  const idle = quick ? 1000 : 10_000;
  return [
    {
      id: 'broadcast',
      title: `Broadcast 32 B text to ${many} connections, 2 broadcasts in flight`,
      unit: 'delivery',
      loadgen: fanOut('broadcast', many, 32),
      servers: ALL_SERVERS,
    },
    // Compared with the broadcast scenario above (same server, same number of deliveries per
    // message): what finding the subscribers among many connections costs.
    {
      id: 'publish-topic',
      title: `Publish 32 B text to ${many} subscribers among ${idle} connections, 2 in flight`,
      unit: 'delivery',
      loadgen: [...fanOut('publish', idle, 32), '--subscribers', `${many}`, '--src-ips', '4'],
      servers: ['ours-nest', 'ours-runtime'],
      needs: 'topics',
      references: [],
      note:
        'Compare with the broadcast scenario (see the goals): as many deliveries per message, ' +
        'but the recipients are the subscribers of a topic among many more connections.',
    },
    {
      id: 'idle',
      title: `Idle memory, ${idle} open connections`,
      unit: 'connection',
      loadgen: ['--mode', 'idle', '--connections', `${idle}`, '--src-ips', '4'],
      servers: ALL_SERVERS,
      freshOnly:
        'memory growth per connection cannot be read in a process that already grew: ' +
        'the new connections reuse memory freed by earlier work',
    },
  ];
}

function compressionScenarios(quick: boolean): Scenario[] {
  const few = quick ? 50 : 100;
  const many = quick ? 200 : 1000;
  return [
    {
      id: 'deflate-1k',
      title: `Echo 1 KiB JSON text with permessage-deflate, ${few} connections, 1 in flight`,
      unit: 'message',
      loadgen: [...echo(few, 1, 1024, 1), '--deflate', '--json-document'],
      config: DEFLATE,
      servers: COMPRESSING_SERVERS,
    },
    // 2 KiB of repetitive JSON-like text (compresses far better than the 1 KiB document).
    {
      id: 'deflate',
      title: `Echo 2 KiB text with permessage-deflate, ${few} connections, 1 in flight`,
      unit: 'message',
      loadgen: [...echo(few, 1, 2048, 1), '--deflate'],
      config: DEFLATE,
      servers: COMPRESSING_SERVERS,
    },
    // Every client negotiates no context takeover both ways: ours compresses a broadcast once
    // for all of them, ws once per client.
    {
      id: 'broadcast-deflate',
      title: `Broadcast 1 KiB JSON text with permessage-deflate (no context takeover) to ${many} connections, 2 in flight`,
      unit: 'delivery',
      loadgen: [
        ...fanOut('broadcast', many, 1024),
        '--deflate',
        '--no-context-takeover',
        '--json-document',
      ],
      config: { ...DEFLATE, noContextTakeover: true },
      servers: ['ours-nest', 'ours-runtime', 'ws'],
    },
  ];
}

function deploymentScenarios(quick: boolean): Scenario[] {
  const few = quick ? 50 : 100;
  return [
    {
      id: 'tls-echo',
      title: `Echo 32 B text over TLS (wss), ${few} connections, 1 in flight`,
      unit: 'message',
      loadgen: [...echo(few, 1, 32, 1), '--tls'],
      config: { tls: TLS_FILES },
      servers: ['ours-nest', 'ours-runtime', 'ws', 'floor'],
    },
    {
      id: 'workers',
      title: `Echo 32 B text, ${few} connections, 16 in flight: 2 workers (runCluster) against 1 process`,
      unit: 'message',
      loadgen: echo(few, 16, 32, 1),
      config: { workers: 2 },
      servers: ['ours-nest', 'ours-workers'],
      references: ['ours-nest'],
      note:
        "ours-workers' server CPU is the sum over the primary and both workers. The load " +
        'generator runs on the same cores (its share is in "loadgen CPU"): with fewer cores than ' +
        'workers + 1, they compete, and the scaling factor understates what more cores would give.',
    },
  ];
}

export function scenarios(quick: boolean): Scenario[] {
  return [
    ...echoScenarios(quick),
    ...gatewayScenarios(quick),
    ...largeAndHandshakeScenarios(),
    ...fanOutScenarios(quick),
    ...compressionScenarios(quick),
    ...deploymentScenarios(quick),
  ];
}
