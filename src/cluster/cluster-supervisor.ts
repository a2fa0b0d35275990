import cluster, { type Worker } from 'node:cluster';
import { ClusterRelay } from './cluster-relay.js';
import { CLUSTER_WORKERS_ENV } from './ipc-message.interface.js';
import { RestartBackoff } from './restart-backoff.js';

/** What the supervisor needs from `runCluster`'s options. */
export interface ClusterSupervisorOptions {
  workers: number;
  restart: boolean;
  shutdownTimeoutMs: number;
  onWorkerExit?: (workerId: number, code: number | null, signal: string | null) => void;
}

/** How long after the SIGKILL the primary waits for the exits before it leaves regardless. */
const AFTER_KILL_GRACE_MS = 1000;

/**
 * The primary of `runCluster`: forks the workers, replaces one that dies (with a back-off while
 * they die right after starting), relays their IPC, and on `stop()` ends them and then itself.
 *
 * Stopping cancels the restarts still waiting, asks every worker to end (SIGTERM), kills those
 * still there after `shutdownTimeoutMs` (SIGKILL), and exits the primary as soon as no worker is
 * left (at once when there is none). A second `stop()` does nothing.
 */
export class ClusterSupervisor {
  private readonly relay = new ClusterRelay();
  private readonly running = new Map<number, Worker>();
  private readonly startedAt = new Map<number, number>();
  private readonly restarts = new RestartBackoff();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private killTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: ClusterSupervisorOptions,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  /** Forks the workers and starts watching them. */
  start(): void {
    // Advanced serialisation keeps Buffers as Buffers between processes.
    cluster.setupPrimary({ serialization: 'advanced' });
    cluster.on('exit', (worker, code, signal) => this.exited(worker, code, signal));
    for (let i = 0; i < this.options.workers; i++) this.fork();
  }

  /** Ends every worker, then the primary; idempotent. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    for (const worker of this.running.values()) signal(worker, 'SIGTERM');
    this.killTimer = setTimeout(() => this.killRemaining(), this.options.shutdownTimeoutMs);
    this.exitWhenDone();
  }

  private fork(): void {
    const worker = cluster.fork({ [CLUSTER_WORKERS_ENV]: String(this.options.workers) });
    this.running.set(worker.id, worker);
    this.startedAt.set(worker.id, Date.now());
    worker.once('online', () => this.relay.add(worker));
  }

  private exited(worker: Worker, code: number | null, signalName: string | null): void {
    this.running.delete(worker.id);
    this.relay.remove(worker.id);
    const lived = Date.now() - (this.startedAt.get(worker.id) ?? 0);
    this.startedAt.delete(worker.id);
    try {
      this.options.onWorkerExit?.(worker.id, code, signalName);
    } catch (error) {
      // The application's callback must not take the supervision of the others down with it.
      console.error('[runCluster] onWorkerExit failed', error);
    }
    if (this.stopping) this.exitWhenDone();
    else if (this.options.restart) this.scheduleRestart(this.restarts.next(lived));
  }

  private scheduleRestart(delayMs: number): void {
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.stopping) this.fork();
    }, delayMs);
    this.restartTimers.add(timer);
  }

  private killRemaining(): void {
    for (const worker of this.running.values()) signal(worker, 'SIGKILL');
    // An exit event that never comes must not keep the primary: leave after a last grace.
    this.killTimer = setTimeout(() => this.exit(1), AFTER_KILL_GRACE_MS);
  }

  private exitWhenDone(): void {
    if (this.running.size > 0) return;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = null;
    this.exit(0);
  }
}

/** Signals a worker's process, ignoring one that is already gone. */
function signal(worker: Worker, name: NodeJS.Signals): void {
  try {
    worker.process.kill(name);
  } catch {
    // Already exited: its exit event does the rest.
  }
}
