import cluster from 'node:cluster';
import type { ClusterAdapter } from './cluster-adapter.interface.js';
import {
  type ClusterCommand,
  type ClusterCommandExecutor,
  ClusterUnavailableError,
} from './cluster-command.interface.js';
import { type IpcMessage, isIpcMessage } from './ipc-message.interface.js';
import { runClusterCommand } from './cluster-command.runner.js';
import { PendingRequests } from './pending-requests.js';

/**
 * Multi-process on one machine: a worker started by `runCluster` reaches the connections of the
 * other workers through node:cluster's IPC channel, relayed by the primary. The owner id is the
 * worker's cluster id, which is never reused, so a replaced worker's fds cannot be confused with
 * the old ones.
 */
export class IpcClusterAdapter implements ClusterAdapter {
  readonly kind = 'ipc' as const;
  readonly ownerId: number;
  private readonly pending: PendingRequests;
  private owners = new Set<number>();
  private executor: ClusterCommandExecutor | null = null;
  private readonly listener = (message: unknown): void => {
    if (isIpcMessage(message)) this.receive(message);
  };

  constructor(timeoutMs = 3000) {
    if (!cluster.isWorker || !cluster.worker || !process.send) {
      throw new Error(
        'IpcClusterAdapter: this process is not a cluster worker (start it with runCluster)',
      );
    }
    this.ownerId = cluster.worker.id;
    this.owners.add(this.ownerId);
    this.pending = new PendingRequests(timeoutMs);
  }

  async start(executor: ClusterCommandExecutor): Promise<void> {
    this.executor = executor;
    process.on('message', this.listener);
    // Only now can this process hear the primary: ask it to add us and send the worker list.
    this.send({ nsws: 1, t: 'hello' });
  }

  isLive(owner: number): boolean {
    return this.owners.has(owner);
  }

  request(owner: number, command: ClusterCommand): Promise<unknown> {
    if (!this.isLive(owner))
      return Promise.reject(new ClusterUnavailableError(`worker ${owner} is not running`));
    const { id, answer } = this.pending.open(`worker ${owner} ${command.op}`);
    this.send({ nsws: 1, t: 'req', id, to: owner, cmd: command });
    return answer;
  }

  async gather(command: ClusterCommand): Promise<unknown[]> {
    const { id, answer } = this.pending.open(`cluster-wide ${command.op}`);
    this.send({ nsws: 1, t: 'gather', id, cmd: command });
    return (await answer) as unknown[];
  }

  publish(command: ClusterCommand): boolean {
    return this.send({ nsws: 1, t: 'pub', cmd: command });
  }

  async stop(): Promise<void> {
    process.off('message', this.listener);
    this.pending.rejectAll('cluster adapter stopped');
    this.executor = null;
  }

  private receive(message: IpcMessage): void {
    switch (message.t) {
      case 'owners':
        this.owners = new Set([...message.owners, this.ownerId]);
        return;
      case 'res':
        this.pending.settle(message.id, message.result, message.err);
        return;
      case 'req':
      case 'pub':
        this.execute(message);
        return;
      default:
        return;
    }
  }

  /** Runs another worker's command on our connections and answers when asked to. */
  private execute(message: Extract<IpcMessage, { t: 'req' | 'pub' }>): void {
    const outcome = runClusterCommand(this.executor, message.cmd);
    if (message.t === 'req' && message.id !== 0 && message.from !== undefined) {
      this.send({ nsws: 1, t: 'res', id: message.id, to: message.from, ...outcome });
    }
  }

  private send(message: IpcMessage): boolean {
    if (!process.connected || !process.send) return false;
    return process.send(message);
  }
}
