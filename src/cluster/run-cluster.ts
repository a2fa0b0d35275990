import cluster, { type Worker } from 'node:cluster';
import { ClusterRelay } from './cluster-relay.js';
import { CLUSTER_WORKERS_ENV } from './ipc-message.interface.js';

/** Options of `runCluster`. */
export interface RunClusterOptions {
  /** How many worker processes (Swoole's `worker_num`). */
  workers: number;
  /** Replace a worker that dies (default true). */
  restart?: boolean;
  /** Called in the primary when a worker exits. */
  onWorkerExit?: (workerId: number, code: number | null, signal: string | null) => void;
}

/**
 * Runs the application as `workers` processes sharing one port, as Swoole's `worker_num`: call
 * it from `main.ts` in place of calling `bootstrap()` directly.
 *
 * ```ts
 * void runCluster(() => bootstrap(), { workers: 4 });
 * ```
 *
 * The primary process only forks, restarts and relays; each worker runs `bootstrap()` (your Nest
 * application), and `WsServer` in each reaches every other worker's connections. A worker that
 * dies is replaced; the others keep their connections. SIGTERM/SIGINT stop every worker.
 */
export async function runCluster(
  bootstrap: () => unknown,
  options: RunClusterOptions,
): Promise<void> {
  if (cluster.isWorker) {
    await bootstrap();
    return;
  }
  const count = options.workers;
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`runCluster: workers must be a positive integer (got ${String(count)})`);
  }
  startPrimary(count, options);
}

function startPrimary(count: number, options: RunClusterOptions): void {
  // Advanced serialisation keeps Buffers as Buffers between processes.
  cluster.setupPrimary({ serialization: 'advanced' });
  const relay = new ClusterRelay();
  let stopping = false;
  const startedAt = new Map<number, number>();
  const restarts = new RestartBackoff();
  const fork = (): Worker => {
    const worker = cluster.fork({ [CLUSTER_WORKERS_ENV]: String(count) });
    startedAt.set(worker.id, Date.now());
    worker.once('online', () => relay.add(worker));
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    relay.remove(worker.id);
    options.onWorkerExit?.(worker.id, code, signal);
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (!stopping && options.restart !== false) setTimeout(fork, restarts.next(lived));
    else if (stopping && Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  const stop = (): void => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  for (let i = 0; i < count; i++) fork();
}

/**
 * How long to wait before replacing a dead worker: at once after a worker that ran a while, but
 * doubling (up to 5 s) while workers keep dying within a second of starting, so a worker that
 * cannot start (a bad port, say) does not spin the machine.
 */
class RestartBackoff {
  private quickDeaths = 0;

  next(livedMs: number): number {
    if (livedMs >= 1000) {
      this.quickDeaths = 0;
      return 0;
    }
    this.quickDeaths++;
    return Math.min(5000, 100 * 2 ** (this.quickDeaths - 1));
  }
}
