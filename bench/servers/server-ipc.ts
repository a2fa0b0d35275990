/**
 * The control channel every bench server shares with the orchestrator (Node IPC, because the
 * orchestrator spawns servers with an IPC channel): it announces the listening port and what
 * the server cannot do, answers resource snapshots, and exits on request (so `--cpu-prof` gets
 * to write its profile). The server's configuration comes from the orchestrator in
 * BENCH_SERVER_CONFIG (see server-config.ts).
 */
import { descendantCpuMicros } from './process-tree-cpu.js';

/** What a server reports about itself; the orchestrator takes before/after deltas. */
export interface ResourceSnapshot {
  /**
   * process.cpuUsage() (user + system microseconds, all threads, zlib's pool included), plus
   * the CPU time of every descendant process (the workers of a cluster), read from /proc.
   */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
}

/** Something a scenario needs that a server may lack (the topics API, until it exists). */
export type ServerFeature = 'topics';

export type ServerRequest = { type: 'stats'; gc?: boolean } | { type: 'exit' };

export type ServerReport =
  | {
      type: 'ready';
      port: number;
      compression: boolean;
      /** Features this server cannot offer, with why (shown as the scenario's n/a note). */
      lacks: Partial<Record<ServerFeature, string>>;
    }
  | ({ type: 'stats' } & ResourceSnapshot);

/** Node exposes `gc` only with --expose-gc, which the orchestrator passes. */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

function snapshot(gc: boolean): ResourceSnapshot {
  // A full GC before a memory reading keeps garbage from earlier work out of the figure.
  if (gc && collectGarbage) collectGarbage();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuMicros: cpu.user + cpu.system + descendantCpuMicros(process.pid),
    rss: memory.rss,
    heapUsed: memory.heapUsed,
  };
}

function send(report: ServerReport): void {
  process.send?.(report);
}

export interface ControlChannelOptions {
  /** Whether the server was asked to offer permessage-deflate. */
  compression?: boolean;
  lacks?: Partial<Record<ServerFeature, string>>;
  /** Runs before the process exits on request (a cluster primary stops its workers). */
  beforeExit?: () => void;
}

/** Call once the server listens. */
export function serveControlChannel(port: number, options: ControlChannelOptions = {}): void {
  const exit = (): void => {
    options.beforeExit?.();
    process.exit(0);
  };
  process.on('message', (request: ServerRequest) => {
    if (request.type === 'stats') send({ type: 'stats', ...snapshot(request.gc === true) });
    else if (request.type === 'exit') exit();
  });
  // An orchestrator that dies must not leave servers behind.
  process.on('disconnect', exit);
  send({
    type: 'ready',
    port,
    compression: options.compression === true,
    lacks: options.lacks ?? {},
  });
}

/** Runs a server's start-up; a failure reaches the orchestrator as an exit with the reason. */
export function startServer(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}

/** Every server listens on loopback only, on a free port the OS picks. */
export const BENCH_HOST = '127.0.0.1';
