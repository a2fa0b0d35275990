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
  const fork = (): Worker => {
    const worker = cluster.fork({ [CLUSTER_WORKERS_ENV]: String(count) });
    worker.once('online', () => relay.add(worker));
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    relay.remove(worker.id);
    options.onWorkerExit?.(worker.id, code, signal);
    if (!stopping && options.restart !== false) fork();
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
