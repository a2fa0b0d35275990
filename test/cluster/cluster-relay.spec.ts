import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { ClusterRelay, type RelayWorker } from '../../src/cluster/cluster-relay.js';
import type { IpcMessage } from '../../src/cluster/ipc-message.interface.js';
import { SendBudget } from '../../src/cluster/send-budget.js';
import { delay, waitUntil } from '../e2e/support/wait.js';

/** A worker as the primary sees it: what the relay sent it, and a way to talk to the relay. */
class FakeWorker extends EventEmitter implements RelayWorker {
  readonly received: IpcMessage[] = [];
  connected = true;
  /** When false, sends stay unwritten (their callbacks wait): the worker does not read. */
  draining = true;
  private readonly unwritten: Array<() => void> = [];

  constructor(readonly id: number) {
    super();
  }

  isConnected(): boolean {
    return this.connected;
  }

  send(message: IpcMessage, _handle: undefined, written: (error: Error | null) => void): boolean {
    this.received.push(message);
    if (this.draining) setImmediate(() => written(null));
    else this.unwritten.push(() => written(null));
    return true;
  }

  /** The worker's adapter says something to the primary. */
  say(message: IpcMessage): void {
    this.emit('message', message);
  }

  drain(): void {
    this.draining = true;
    for (const written of this.unwritten.splice(0)) written();
  }

  /** Answers (`t: 'res'`) this worker got. */
  answers(): Extract<IpcMessage, { t: 'res' }>[] {
    return this.received.filter((m): m is Extract<IpcMessage, { t: 'res' }> => m.t === 'res');
  }

  /** Requests (`t: 'req'`) this worker got. */
  requests(): Extract<IpcMessage, { t: 'req' }>[] {
    return this.received.filter((m): m is Extract<IpcMessage, { t: 'req' }> => m.t === 'req');
  }
}

function relayWith(count: number, gatherTimeoutMs = 2000, budget?: () => SendBudget) {
  const relay = new ClusterRelay(gatherTimeoutMs, budget);
  const workers = Array.from({ length: count }, (_, i) => new FakeWorker(i + 1));
  for (const worker of workers) {
    relay.add(worker);
    worker.say({ nsws: 1, t: 'hello' });
  }
  return { relay, workers };
}

/** Worker `from` answers the gathering request it got last. */
function answerGather(worker: FakeWorker, result: unknown): void {
  const request = worker.requests().at(-1);
  if (!request) throw new Error(`worker ${worker.id} was not asked`);
  worker.say({ nsws: 1, t: 'res', id: request.id, to: 0, result });
}

const gather = (id: number): IpcMessage => ({
  nsws: 1,
  t: 'gather',
  id,
  cmd: { op: 'connections' },
});

describe('ClusterRelay', () => {
  it('announces the workers once they said hello', () => {
    const { relay, workers } = relayWith(2);
    expect(relay.owners).toEqual([1, 2]);
    const last = workers[0].received.filter((m) => m.t === 'owners').at(-1);
    expect(last).toEqual({ nsws: 1, t: 'owners', owners: [1, 2] });
  });

  it('ignores a worker that has not said hello yet', () => {
    const relay = new ClusterRelay();
    const early = new FakeWorker(9);
    relay.add(early);
    early.say({ nsws: 1, t: 'req', id: 5, to: 1, cmd: { op: 'exist', fd: 1 } });
    expect(relay.owners).toEqual([]);
    expect(early.received).toEqual([]);
  });

  it('routes a request to its owner and the answer back to the requester', () => {
    const { workers } = relayWith(2);
    const [a, b] = workers;
    a.say({ nsws: 1, t: 'req', id: 7, to: 2, cmd: { op: 'exist', fd: 2 ** 32 * 2 + 1 } });
    expect(b.requests().at(-1)).toMatchObject({ id: 7, from: 1, cmd: { op: 'exist' } });
    b.say({ nsws: 1, t: 'res', id: 7, to: 1, result: true });
    expect(a.answers()).toEqual([{ nsws: 1, t: 'res', id: 7, to: 1, result: true }]);
  });

  it('answers a request for a worker that is gone with an error', () => {
    const { workers } = relayWith(1);
    workers[0].say({ nsws: 1, t: 'req', id: 3, to: 8, cmd: { op: 'exist', fd: 1 } });
    expect(workers[0].answers()).toEqual([
      { nsws: 1, t: 'res', id: 3, to: 1, err: 'worker 8 is not running' },
    ]);
  });

  it('forwards a one-way command (id 0) and never answers it, even when its owner is gone', () => {
    const { relay, workers } = relayWith(2);
    const [a, b] = workers;
    a.say({ nsws: 1, t: 'req', id: 0, to: 2, cmd: { op: 'exist', fd: 1 } });
    expect(b.requests().at(-1)).toMatchObject({ id: 0, from: 1 });
    relay.remove(2);
    a.say({ nsws: 1, t: 'req', id: 0, to: 2, cmd: { op: 'exist', fd: 1 } });
    expect(a.answers()).toEqual([]);
  });

  it('fans a broadcast out to every other worker', () => {
    const { workers } = relayWith(3);
    workers[1].say({ nsws: 1, t: 'pub', cmd: { op: 'broadcast', data: 'x', opcode: 1, flags: 1 } });
    expect(workers[0].requests()).toHaveLength(1);
    expect(workers[2].requests()).toHaveLength(1);
    expect(workers[1].requests()).toHaveLength(0);
    expect(workers[0].requests()[0]).toMatchObject({ id: 0, from: 2 });
  });

  describe('gatherings', () => {
    it('collects the answers of every other worker', () => {
      const { relay, workers } = relayWith(3);
      const [a, b, c] = workers;
      a.say(gather(11));
      answerGather(b, [2]);
      expect(a.answers()).toEqual([]);
      answerGather(c, [3]);
      expect(a.answers()).toEqual([{ nsws: 1, t: 'res', id: 11, to: 1, result: [[2], [3]] }]);
      expect(relay.openGatherings).toBe(0);
    });

    it('answers at once with nothing when there is no other worker', () => {
      const { workers } = relayWith(1);
      workers[0].say(gather(4));
      expect(workers[0].answers()).toEqual([{ nsws: 1, t: 'res', id: 4, to: 1, result: [] }]);
    });

    it('finishes without a worker removed before it answered', () => {
      const { relay, workers } = relayWith(3);
      const [a, b] = workers;
      a.say(gather(12));
      answerGather(b, [2]);
      relay.remove(3);
      expect(a.answers()).toEqual([{ nsws: 1, t: 'res', id: 12, to: 1, result: [[2]] }]);
    });

    it('keeps waiting for a live worker when one that already answered is removed', () => {
      const { relay, workers } = relayWith(3);
      const [a, b, c] = workers;
      a.say(gather(13));
      answerGather(b, [2]);
      relay.remove(2);
      expect(a.answers()).toEqual([]);
      answerGather(c, [3]);
      expect(a.answers()).toEqual([{ nsws: 1, t: 'res', id: 13, to: 1, result: [[2], [3]] }]);
    });

    it('counts one answer per worker (a duplicate does not finish it early)', () => {
      const { workers } = relayWith(3);
      const [a, b, c] = workers;
      a.say(gather(14));
      answerGather(b, [2]);
      answerGather(b, [2]);
      expect(a.answers()).toEqual([]);
      answerGather(c, [3]);
      expect(a.answers()[0].result).toEqual([[2], [3]]);
    });

    it('answers with what it has when the time is up', async () => {
      const { relay, workers } = relayWith(3, 100);
      const [a, b] = workers;
      a.say(gather(15));
      answerGather(b, [2]);
      await waitUntil(() => a.answers().length === 1, 2000, 'the gathering to time out');
      expect(a.answers()[0]).toEqual({ nsws: 1, t: 'res', id: 15, to: 1, result: [[2]] });
      expect(relay.openGatherings).toBe(0);
    });

    it('drops the gathering of a requester that is gone, and its timer', async () => {
      const { relay, workers } = relayWith(3, 100);
      const [a, b] = workers;
      a.say(gather(16));
      relay.remove(1);
      expect(relay.openGatherings).toBe(0);
      answerGather(b, [2]);
      await delay(200);
      expect(a.answers()).toEqual([]);
    });
  });

  describe('bounded channels', () => {
    it('refuses requests for a worker that does not read its channel, and takes them again once it does', async () => {
      const { workers } = relayWith(2, 2000, () => new SendBudget(2, 1024 * 1024));
      const [a, b] = workers;
      await delay(10); // the announcements are written
      b.draining = false;
      for (let id = 1; id <= 3; id++) {
        a.say({ nsws: 1, t: 'req', id, to: 2, cmd: { op: 'exist', fd: 1 } });
      }
      expect(b.requests()).toHaveLength(2);
      expect(a.answers()).toEqual([
        { nsws: 1, t: 'res', id: 3, to: 1, err: 'worker 2 is backed up' },
      ]);
      b.drain();
      a.say({ nsws: 1, t: 'req', id: 4, to: 2, cmd: { op: 'exist', fd: 1 } });
      expect(b.requests()).toHaveLength(3);
    });

    it('leaves a backed-up worker out of a gathering instead of waiting for it', async () => {
      const { workers } = relayWith(3, 2000, () => new SendBudget(1, 1024 * 1024));
      const [a, b, c] = workers;
      await delay(10);
      c.draining = false;
      c.say({ nsws: 1, t: 'pub', cmd: { op: 'broadcast', data: 'x', opcode: 1, flags: 1 } });
      a.say({ nsws: 1, t: 'pub', cmd: { op: 'broadcast', data: 'y', opcode: 1, flags: 1 } });
      // c holds one unwritten broadcast: it is full.
      await delay(10);
      b.say(gather(21));
      answerGather(a, [1]);
      expect(b.answers()).toEqual([{ nsws: 1, t: 'res', id: 21, to: 2, result: [[1]] }]);
    });
  });
});
