import type { Worker } from 'node:cluster';
import type { ClusterCommand } from './cluster-command.interface.js';
import { type IpcMessage, isIpcMessage } from './ipc-message.interface.js';

/** A cluster-wide question the primary is collecting answers for. */
interface Gathering {
  requester: number;
  requestId: number;
  waiting: Set<number>;
  results: unknown[];
  timer: NodeJS.Timeout;
}

/**
 * The primary's side of the IPC adapter: routes a worker's command to the owning worker, fans
 * broadcasts and cluster-wide questions out to the others, and tells every worker which workers
 * run. A command for a worker that is gone is answered at once with an error.
 */
export class ClusterRelay {
  private readonly workers = new Map<number, Worker>();
  private readonly gatherings = new Map<number, Gathering>();
  private nextGatherId = 1;

  constructor(private readonly gatherTimeoutMs = 2000) {}

  /**
   * Listens to a worker (once it is online). It joins the running workers, and is announced to
   * the others, when its adapter says hello: before that its process has no listener for our
   * messages, so an announcement or a command sent to it would be lost.
   */
  add(worker: Worker): void {
    worker.on('message', (message: unknown) => {
      if (!isIpcMessage(message)) return;
      if (message.t === 'hello') this.join(worker);
      else if (this.workers.has(worker.id)) this.route(worker.id, message);
    });
  }

  private join(worker: Worker): void {
    this.workers.set(worker.id, worker);
    this.announceOwners();
  }

  /** Stops relaying for a worker that exited; its pending answers are given up. */
  remove(id: number): void {
    if (!this.workers.delete(id)) return;
    for (const [gatherId, gathering] of this.gatherings) {
      if (gathering.requester === id) this.finishGather(gatherId);
      else if (gathering.waiting.delete(id) && gathering.results.length >= gathering.waiting.size)
        this.finishGather(gatherId);
    }
    this.announceOwners();
  }

  /** Ids of the running workers. */
  get owners(): number[] {
    return [...this.workers.keys()];
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
        return this.forwardAnswer(message);
      default:
        return;
    }
  }

  private forwardRequest(from: number, message: Extract<IpcMessage, { t: 'req' }>): void {
    const target = this.workers.get(message.to);
    if (!target || !target.isConnected()) {
      this.sendTo(from, {
        nsws: 1,
        t: 'res',
        id: message.id,
        to: from,
        err: `worker ${message.to} is not running`,
      });
      return;
    }
    this.sendTo(message.to, { ...message, from });
  }

  /** Answers go back to their requester, or into a gathering when the primary asked. */
  private forwardAnswer(message: Extract<IpcMessage, { t: 'res' }>): void {
    if (message.to === 0) {
      this.collect(message.id, message.result);
      return;
    }
    this.sendTo(message.to, message);
  }

  private startGather(requester: number, requestId: number, cmd: ClusterCommand): void {
    const gatherId = this.nextGatherId++;
    const others = this.owners.filter((id) => id !== requester);
    const timer = setTimeout(() => this.finishGather(gatherId), this.gatherTimeoutMs);
    timer.unref();
    this.gatherings.set(gatherId, {
      requester,
      requestId,
      waiting: new Set(others),
      results: [],
      timer,
    });
    if (others.length === 0) return this.finishGather(gatherId);
    for (const id of others) {
      // The primary is requester "0": answers come back here, keyed by the gathering's id.
      this.sendTo(id, { nsws: 1, t: 'req', id: gatherId, to: id, from: 0, cmd });
    }
  }

  private collect(gatherId: number, result: unknown): void {
    const gathering = this.gatherings.get(gatherId);
    if (!gathering) return;
    gathering.results.push(result);
    if (gathering.results.length >= gathering.waiting.size) this.finishGather(gatherId);
  }

  private finishGather(gatherId: number): void {
    const gathering = this.gatherings.get(gatherId);
    if (!gathering) return;
    this.gatherings.delete(gatherId);
    clearTimeout(gathering.timer);
    this.sendTo(gathering.requester, {
      nsws: 1,
      t: 'res',
      id: gathering.requestId,
      to: gathering.requester,
      result: gathering.results,
    });
  }

  private toOthers(from: number, message: IpcMessage): void {
    for (const id of this.workers.keys()) if (id !== from) this.sendTo(id, message);
  }

  private announceOwners(): void {
    const message: IpcMessage = { nsws: 1, t: 'owners', owners: this.owners };
    for (const id of this.workers.keys()) this.sendTo(id, message);
  }

  private sendTo(id: number, message: IpcMessage): void {
    const worker = this.workers.get(id);
    if (worker?.isConnected()) worker.send(message, undefined, () => undefined);
  }
}
