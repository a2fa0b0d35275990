/**
 * The control channel every bench server shares with the orchestrator (Node IPC, because the
 * orchestrator spawns servers with `fork`): it announces the listening port, answers resource
 * snapshots, and exits on request (so `--cpu-prof` gets to write its profile).
 */

/** What a server reports about itself; the orchestrator takes before/after deltas. */
export interface ResourceSnapshot {
  /** process.cpuUsage(): user + system microseconds, all threads (zlib's pool included). */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
}

export type ServerRequest = { type: 'stats'; gc?: boolean } | { type: 'exit' };

export type ServerReport =
  { type: 'ready'; port: number; compression: boolean } | ({ type: 'stats' } & ResourceSnapshot);

/** Node exposes `gc` only with --expose-gc, which the orchestrator passes. */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

function snapshot(gc: boolean): ResourceSnapshot {
  // A full GC before a memory reading keeps garbage from earlier work out of the figure.
  if (gc && collectGarbage) collectGarbage();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return { cpuMicros: cpu.user + cpu.system, rss: memory.rss, heapUsed: memory.heapUsed };
}

function send(report: ServerReport): void {
  process.send?.(report);
}

/** Call once the server listens. `compression`: whether the server was asked to offer it. */
export function serveControlChannel(port: number, compression: boolean): void {
  process.on('message', (request: ServerRequest) => {
    if (request.type === 'stats') send({ type: 'stats', ...snapshot(request.gc === true) });
    else if (request.type === 'exit') process.exit(0);
  });
  // An orchestrator that dies must not leave servers behind.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port, compression });
}

/** BENCH_COMPRESSION=1: offer permessage-deflate where the server supports it. */
export function compressionRequested(): boolean {
  return process.env.BENCH_COMPRESSION === '1';
}

/** Every server listens on loopback only, on a free port the OS picks. */
export const BENCH_HOST = '127.0.0.1';
