import cluster from 'node:cluster';
import { ClusterSupervisor } from './cluster-supervisor.js';

/** Options of `runCluster`. */
export interface RunClusterOptions {
  /** How many worker processes (Swoole's `worker_num`). */
  workers: number;
  /** Replace a worker that dies (default true). */
  restart?: boolean;
  /**
   * Milliseconds the workers get to exit after SIGTERM/SIGINT reached the primary before they are
   * killed with SIGKILL (default 10000).
   */
  shutdownTimeout?: number;
  /** Called in the primary when a worker exits. */
  onWorkerExit?: (workerId: number, code: number | null, signal: string | null) => void;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Runs the application as `workers` processes sharing one port, as Swoole's `worker_num`: call
 * it from `main.ts` in place of calling `bootstrap()` directly.
 *
 * ```ts
 * runCluster(() => bootstrap(), { workers: 4 }).catch((error) => {
 *   console.error(error);
 *   process.exit(1);
 * });
 * ```
 *
 * The primary process only forks, restarts and relays; each worker runs `bootstrap()` (your Nest
 * application), and `WsServer` in each reaches every other worker's connections. A worker that
 * dies is replaced; the others keep their connections. SIGTERM/SIGINT stop every worker (no
 * restart after that), kill those still running after `shutdownTimeout`, and the primary exits
 * once every worker is gone.
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
  const shutdownTimeoutMs = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  if (!Number.isFinite(shutdownTimeoutMs) || shutdownTimeoutMs <= 0) {
    throw new Error(
      `runCluster: shutdownTimeout must be a positive number of milliseconds (got ${String(options.shutdownTimeout)})`,
    );
  }
  const supervisor = new ClusterSupervisor({
    workers: count,
    restart: options.restart !== false,
    shutdownTimeoutMs,
    onWorkerExit: options.onWorkerExit,
  });
  // `on`, not `once`: a second signal must neither stop twice nor kill the primary before its
  // workers are gone.
  process.on('SIGTERM', () => supervisor.stop());
  process.on('SIGINT', () => supervisor.stop());
  supervisor.start();
}
