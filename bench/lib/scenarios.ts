/**
 * The scenarios of the server bench: what the load generator does, for how long, and which
 * servers take part. BENCH_QUICK=1 shrinks them to a smoke run.
 */
import type { ServerName } from './server-process.js';

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
  /** Arguments for loadgen (mode, connections, sizes); timing is added by the runner. */
  loadgen: string[];
  servers: ServerName[];
  /** Ask the servers to offer permessage-deflate. */
  compression?: boolean;
}

export interface BenchSettings {
  quick: boolean;
  repetitions: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export function benchSettings(): BenchSettings {
  const quick = process.env.BENCH_QUICK === '1';
  return quick
    ? // BENCH_DURATION shortens the windows further: CI runs the harness as a smoke test.
      {
        quick,
        repetitions: 1,
        warmupSeconds: 0.3,
        durationSeconds: Number(process.env.BENCH_DURATION ?? 1),
      }
    : {
        quick,
        repetitions: Number(process.env.BENCH_REPETITIONS ?? 3),
        warmupSeconds: 1,
        durationSeconds: 3,
      };
}

/**
 * The gateway scenarios: the same `@SubscribeMessage('echo')` gateway on SwooleWsAdapter and
 * on platform-ws (ws and the floor echo the bytes back as they are, as a reference).
 */
const GATEWAY_SERVERS: ServerName[] = ['ours-adapter', 'platform-ws-gateway', 'ws', 'floor'];

/** 64 B Nest gateway messages: `{"event":"echo","data":"..."}`, echoed byte for byte. */
function gatewayEcho(connections: number, inflight: number): string[] {
  return [...echo(connections, inflight, 64, 1), '--json-event', 'echo'];
}

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

export function scenarios(quick: boolean): Scenario[] {
  const many = quick ? 200 : 1000;
  const idle = quick ? 1000 : 10_000;
  return [
    {
      id: 'echo-100x1',
      title: `Echo 32 B text, ${quick ? 50 : 100} connections, 1 in flight`,
      unit: 'message',
      loadgen: echo(quick ? 50 : 100, 1, 32, 1),
      servers: ALL_SERVERS,
    },
    {
      id: 'echo-100x16',
      title: `Echo 32 B text, ${quick ? 50 : 100} connections, 16 in flight`,
      unit: 'message',
      loadgen: echo(quick ? 50 : 100, 16, 32, 1),
      servers: ALL_SERVERS,
    },
    {
      id: 'echo-1000x1',
      title: `Echo 32 B text, ${many} connections, 1 in flight`,
      unit: 'message',
      loadgen: echo(many, 1, 32, 1),
      servers: ALL_SERVERS,
    },
    {
      id: 'echo-64k',
      title: 'Echo 64 KiB binary, 10 connections, 1 in flight',
      unit: 'message',
      loadgen: echo(10, 1, 65536, 2),
      servers: ALL_SERVERS,
    },
    // 32 clients in a loop of connect, upgrade, close handshake; source addresses spread over
    // 127.0.0.2-17 so tens of thousands of short connections do not exhaust ephemeral ports.
    {
      id: 'handshake',
      title: 'Handshakes (connect, upgrade, close handshake), 32 concurrent',
      unit: 'handshake',
      loadgen: ['--mode', 'handshake', '--connections', '32', '--src-ips', '16'],
      servers: ALL_SERVERS,
    },
    {
      id: 'broadcast',
      title: `Broadcast 32 B text to ${many} connections, 2 broadcasts in flight`,
      unit: 'delivery',
      loadgen: [
        '--mode',
        'broadcast',
        '--connections',
        `${many}`,
        '--inflight',
        '2',
        '--size',
        '32',
      ],
      servers: ALL_SERVERS,
    },
    {
      id: 'idle',
      title: `Idle memory, ${idle} open connections`,
      unit: 'connection',
      loadgen: ['--mode', 'idle', '--connections', `${idle}`, '--src-ips', '4'],
      servers: ALL_SERVERS,
    },
    // 2 KiB of JSON-like text: above ws's 1 KiB compression threshold, so ws compresses it.
    {
      id: 'deflate',
      title: 'Echo 2 KiB text with permessage-deflate, 100 connections, 1 in flight',
      unit: 'message',
      loadgen: [...echo(quick ? 50 : 100, 1, 2048, 1), '--deflate'],
      compression: true,
      servers: ['ours-nest', 'ours-runtime', 'ws', 'nest-platform-ws'],
    },
    {
      id: 'gateway-100x1',
      title: `Gateway echo, 64 B JSON event, ${quick ? 50 : 100} connections, 1 in flight`,
      unit: 'message',
      loadgen: gatewayEcho(quick ? 50 : 100, 1),
      servers: GATEWAY_SERVERS,
    },
    {
      id: 'gateway-100x16',
      title: `Gateway echo, 64 B JSON event, ${quick ? 50 : 100} connections, 16 in flight`,
      unit: 'message',
      loadgen: gatewayEcho(quick ? 50 : 100, 16),
      servers: GATEWAY_SERVERS,
    },
  ];
}
