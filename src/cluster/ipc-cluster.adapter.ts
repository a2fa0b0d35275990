import cluster from 'node:cluster';
import type { ClusterAdapter } from './cluster-adapter.interface.js';
import {
  type ClusterCommand,
  type ClusterCommandExecutor,
  ClusterUnavailableError,
} from './cluster-command.interface.js';
import { type IpcMessage, ipcMessageBytes, isIpcMessage } from './ipc-message.interface.js';
import { runClusterCommand } from './cluster-command.runner.js';
import { PendingRequests } from './pending-requests.js';
import { MAX_PENDING_BYTES, MAX_PENDING_SENDS, SendBudget } from './send-budget.js';

/** A worker's end of node:cluster's IPC channel to the primary (a fake stands in for it in tests). */
export interface IpcWorkerChannel {
  /** The worker's cluster id. */
  readonly workerId: number;
  readonly connected: boolean;
  /** Sends; `written` runs once node is done with the message. May throw. */
  send(message: IpcMessage, written: (error: Error | null) => void): boolean;
  onMessage(listener: (message: unknown) => void): void;
  offMessage(listener: (message: unknown) => void): void;
}

/** This process's channel to the primary; throws when it is not a cluster worker. */
export function workerChannel(): IpcWorkerChannel {
  const worker = cluster.worker;
  if (!cluster.isWorker || !worker || !process.send) {
    throw new Error(
      'IpcClusterAdapter: this process is not a cluster worker (start it with runCluster)',
    );
  }
  return {
    workerId: worker.id,
    get connected() {
      return process.connected && process.send !== undefined;
    },
    send: (message, written) => process.send?.(message, undefined, undefined, written) ?? false,
    onMessage: (listener) => process.on('message', listener),
    offMessage: (listener) => process.off('message', listener),
  };
}

/**
 * Multi-process on one machine: a worker started by `runCluster` reaches the connections of the
 * other workers through node:cluster's IPC channel, relayed by the primary. The owner id is the
 * worker's cluster id, which is never reused, so a replaced worker's fds cannot be confused with
 * the old ones.
 *
 * The channel to the primary is bounded: commands this worker originates (requests, one-way
 * commands, broadcasts, gatherings) count against a `SendBudget` until node has written them;
 * past it they are refused (false, or `ClusterUnavailableError`) rather than queued. Answers to
 * the others' requests are not refused: they are bounded by those requests.
 */
export class IpcClusterAdapter implements ClusterAdapter {
  readonly ownerId: number;
  private readonly pending: PendingRequests;
  private owners: Set<number>;
  private executor: ClusterCommandExecutor | null = null;
  private running = false;
  private readonly listener = (message: unknown): void => {
    if (isIpcMessage(message)) this.receive(message);
  };

  constructor(
    timeoutMs = 3000,
    private readonly budget = new SendBudget(MAX_PENDING_SENDS, MAX_PENDING_BYTES),
    private readonly channel: IpcWorkerChannel = workerChannel(),
  ) {
    this.ownerId = channel.workerId;
    this.owners = new Set([this.ownerId]);
    this.pending = new PendingRequests(timeoutMs);
  }

  async start(executor: ClusterCommandExecutor): Promise<void> {
    this.executor = executor;
    this.channel.offMessage(this.listener);
    this.channel.onMessage(this.listener);
    this.running = true;
    // Only now can this process hear the primary: ask it to add us and send the worker list.
    if (!this.transmit({ nsws: 1, t: 'hello' })) {
      await this.stop();
      throw new Error('IpcClusterAdapter: the IPC channel to the primary is closed');
    }
  }

  isLive(owner: number): boolean {
    return this.owners.has(owner);
  }

  async request(owner: number, command: ClusterCommand): Promise<unknown> {
    if (!this.running) throw new ClusterUnavailableError('the cluster adapter is not running');
    if (!this.isLive(owner)) throw new ClusterUnavailableError(`worker ${owner} is not running`);
    const { id, answer } = this.pending.open(`worker ${owner} ${command.op}`);
    if (!this.sendCommand({ nsws: 1, t: 'req', id, to: owner, cmd: command })) {
      this.pending.settle(id, undefined, 'the IPC channel to the primary is closed or backed up');
    }
    return answer;
  }

  notify(owner: number, command: ClusterCommand): boolean {
    if (!this.running || !this.isLive(owner)) return false;
    return this.sendCommand({ nsws: 1, t: 'req', id: 0, to: owner, cmd: command });
  }

  async gather(command: ClusterCommand): Promise<unknown[]> {
    if (!this.running) throw new ClusterUnavailableError('the cluster adapter is not running');
    const { id, answer } = this.pending.open(`cluster-wide ${command.op}`);
    if (!this.sendCommand({ nsws: 1, t: 'gather', id, cmd: command })) {
      this.pending.settle(id, undefined, 'the IPC channel to the primary is closed or backed up');
    }
    return (await answer) as unknown[];
  }

  publish(command: ClusterCommand): boolean {
    if (!this.running) return false;
    return this.sendCommand({ nsws: 1, t: 'pub', cmd: command });
  }

  async stop(): Promise<void> {
    this.channel.offMessage(this.listener);
    this.running = false;
    this.executor = null;
    this.owners = new Set([this.ownerId]);
    this.pending.rejectAll('cluster adapter stopped');
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
      this.transmit({ nsws: 1, t: 'res', id: message.id, to: message.from, ...outcome });
    }
  }

  /** Sends a command we originate, within the channel's budget; false when refused. */
  private sendCommand(message: IpcMessage): boolean {
    const bytes = ipcMessageBytes(message);
    if (!this.budget.tryAcquire(bytes)) return false;
    return this.transmit(message, () => this.budget.release(bytes));
  }

  /** Hands a message to the channel; `written` runs once node is done with it, sent or not. */
  private transmit(message: IpcMessage, written: () => void = () => undefined): boolean {
    if (!this.channel.connected) {
      written();
      return false;
    }
    try {
      // `false` only says node's own buffer is above its mark: the message is still sent, and
      // our budget is what bounds the backlog.
      this.channel.send(message, () => written());
      return true;
    } catch {
      written();
      return false;
    }
  }
}
