import type { ClusterCommand } from './cluster-command.interface.js';
import { type IpcMessage, ipcMessageBytes, isIpcMessage } from './ipc-message.interface.js';
import { MAX_PENDING_BYTES, MAX_PENDING_SENDS, SendBudget } from './send-budget.js';

/** A cluster-wide question the primary is collecting answers for. */
interface Gathering {
  requester: number;
  requestId: number;
  /** Workers asked that have not answered yet (by worker id). */
  waiting: Set<number>;
  results: unknown[];
  timer: NodeJS.Timeout;
}

/** The part of a node:cluster `Worker` the relay uses (a fake stands in for it in tests). */
export interface RelayWorker {
  readonly id: number;
  isConnected(): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  send(
    message: IpcMessage,
    sendHandle: undefined,
    callback: (error: Error | null) => void,
  ): boolean;
}

/**
 * The primary's side of the IPC adapter: routes a worker's command to the owning worker, fans
 * broadcasts and cluster-wide questions out to the others, and tells every worker which workers
 * run. A command for a worker that is gone is answered at once with an error (a one-way command,
 * id 0, gets no answer at all).
 *
 * Each worker's channel has its own `SendBudget` for the commands relayed to it: a worker that
 * does not read its channel is refused further commands (a request is answered with an error,
 * it is left out of gatherings, broadcasts to it are dropped) instead of growing the primary's
 * memory without end.
 */
export class ClusterRelay {
  private readonly workers = new Map<number, RelayWorker>();
  private readonly budgets = new Map<number, SendBudget>();
  private readonly gatherings = new Map<number, Gathering>();
  private nextGatherId = 1;

  constructor(
    private readonly gatherTimeoutMs = 2000,
    private readonly newBudget = () => new SendBudget(MAX_PENDING_SENDS, MAX_PENDING_BYTES),
  ) {}

  /**
   * Listens to a worker (once it is online). It joins the running workers, and is announced to
   * the others, when its adapter says hello: before that its process has no listener for our
   * messages, so an announcement or a command sent to it would be lost.
   */
  add(worker: RelayWorker): void {
    worker.on('message', (message: unknown) => {
      if (!isIpcMessage(message)) return;
      if (message.t === 'hello') this.join(worker);
      else if (this.workers.get(worker.id) === worker) this.route(worker.id, message);
    });
  }

  private join(worker: RelayWorker): void {
    this.workers.set(worker.id, worker);
    if (!this.budgets.has(worker.id)) this.budgets.set(worker.id, this.newBudget());
    this.announceOwners();
  }

  /** Stops relaying for a worker that exited; its pending answers are given up. */
  remove(id: number): void {
    if (!this.workers.delete(id)) return;
    this.budgets.delete(id);
    for (const [gatherId, gathering] of this.gatherings) {
      if (gathering.requester === id) this.dropGather(gatherId);
      else if (gathering.waiting.delete(id) && gathering.waiting.size === 0)
        this.finishGather(gatherId);
    }
    this.announceOwners();
  }

  /** Ids of the running workers. */
  get owners(): number[] {
    return [...this.workers.keys()];
  }

  /** Cluster-wide questions still collecting answers. */
  get openGatherings(): number {
    return this.gatherings.size;
  }

  private route(from: number, message: IpcMessage): void {
    switch (message.t) {
      case 'req':
        return this.forwardRequest(from, message);
      case 'pub':
        return this.toOthers(from, { nsws: 1, t: 'req', id: 0, to: 0, from, cmd: message.cmd });
      case 'gather':
        return this.startGather(from, message.id, message.cmd);
      case 'res':
        return this.forwardAnswer(from, message);
      default:
        return;
    }
  }

  private forwardRequest(from: number, message: Extract<IpcMessage, { t: 'req' }>): void {
    const target = this.workers.get(message.to);
    const refusal = !target?.isConnected()
      ? `worker ${message.to} is not running`
      : !this.sendCommand(message.to, { ...message, from })
        ? `worker ${message.to} is backed up`
        : null;
    if (refusal === null || message.id === 0) return;
    this.sendTo(from, { nsws: 1, t: 'res', id: message.id, to: from, err: refusal });
  }

  /** Answers go back to their requester, or into a gathering when the primary asked. */
  private forwardAnswer(from: number, message: Extract<IpcMessage, { t: 'res' }>): void {
    if (message.to === 0) {
      this.collect(message.id, from, message.result);
      return;
    }
    this.sendTo(message.to, message);
  }

  private startGather(requester: number, requestId: number, cmd: ClusterCommand): void {
    const gatherId = this.nextGatherId++;
    const timer = setTimeout(() => this.finishGather(gatherId), this.gatherTimeoutMs);
    timer.unref();
    const gathering: Gathering = { requester, requestId, waiting: new Set(), results: [], timer };
    this.gatherings.set(gatherId, gathering);
    for (const id of this.owners) {
      if (id === requester) continue;
      // The primary is requester "0": answers come back here, keyed by the gathering's id.
      const asked = this.sendCommand(id, { nsws: 1, t: 'req', id: gatherId, to: id, from: 0, cmd });
      if (asked) gathering.waiting.add(id);
    }
    if (gathering.waiting.size === 0) this.finishGather(gatherId);
  }

  /** One worker's answer to a gathering: counted once, and only from a worker still awaited. */
  private collect(gatherId: number, from: number, result: unknown): void {
    const gathering = this.gatherings.get(gatherId);
    if (!gathering || !gathering.waiting.delete(from)) return;
    gathering.results.push(result);
    if (gathering.waiting.size === 0) this.finishGather(gatherId);
  }

  private finishGather(gatherId: number): void {
    const gathering = this.gatherings.get(gatherId);
    if (!gathering) return;
    this.dropGather(gatherId);
    this.sendTo(gathering.requester, {
      nsws: 1,
      t: 'res',
      id: gathering.requestId,
      to: gathering.requester,
      result: gathering.results,
    });
  }

  private dropGather(gatherId: number): void {
    const gathering = this.gatherings.get(gatherId);
    if (!gathering) return;
    this.gatherings.delete(gatherId);
    clearTimeout(gathering.timer);
  }

  private toOthers(from: number, message: IpcMessage): void {
    for (const id of this.workers.keys()) if (id !== from) this.sendCommand(id, message);
  }

  private announceOwners(): void {
    const message: IpcMessage = { nsws: 1, t: 'owners', owners: this.owners };
    for (const id of this.workers.keys()) this.sendTo(id, message);
  }

  /** A command for a worker, within its channel's budget; false when refused or not sent. */
  private sendCommand(id: number, message: IpcMessage): boolean {
    const budget = this.budgets.get(id);
    const bytes = ipcMessageBytes(message);
    if (!budget?.tryAcquire(bytes)) return false;
    return this.sendTo(id, message, () => budget.release(bytes));
  }

  /** Sends to a running worker; `written` runs once node is done with the message. */
  private sendTo(id: number, message: IpcMessage, written: () => void = () => undefined): boolean {
    const worker = this.workers.get(id);
    if (!worker?.isConnected()) {
      written();
      return false;
    }
    try {
      worker.send(message, undefined, () => written());
      return true;
    } catch {
      written();
      return false;
    }
  }
}
