import { describe, expect, it } from '@jest/globals';
import { ClusterUnavailableError } from '../../src/cluster/cluster-command.interface.js';
import { makeClusterFd } from '../../src/cluster/cluster-fd.util.js';
import { IpcClusterAdapter, type IpcWorkerChannel } from '../../src/cluster/ipc-cluster.adapter.js';
import type { IpcMessage } from '../../src/cluster/ipc-message.interface.js';
import { SendBudget } from '../../src/cluster/send-budget.js';
import { delay } from '../e2e/support/wait.js';
import { settlement } from './support/settle.js';

/** The worker's end of the channel: what it sent, and a way to play the primary. */
class FakeChannel implements IpcWorkerChannel {
  readonly sent: IpcMessage[] = [];
  connected = true;
  /** When false, sends stay unwritten: the primary does not read. */
  draining = true;
  private readonly unwritten: Array<() => void> = [];
  private listeners: Array<(message: unknown) => void> = [];

  constructor(readonly workerId: number) {}

  send(message: IpcMessage, written: (error: Error | null) => void): boolean {
    this.sent.push(message);
    if (this.draining) setImmediate(() => written(null));
    else this.unwritten.push(() => written(null));
    return true;
  }

  onMessage(listener: (message: unknown) => void): void {
    this.listeners.push(listener);
  }

  offMessage(listener: (message: unknown) => void): void {
    this.listeners = this.listeners.filter((l) => l !== listener);
  }

  get listening(): number {
    return this.listeners.length;
  }

  /** The primary says something to this worker. */
  deliver(message: IpcMessage): void {
    for (const listener of this.listeners) listener(message);
  }

  drain(): void {
    this.draining = true;
    for (const written of this.unwritten.splice(0)) written();
  }

  last(): IpcMessage | undefined {
    return this.sent.at(-1);
  }
}

async function started(budget?: SendBudget, timeoutMs = 1000) {
  const channel = new FakeChannel(3);
  const executed: unknown[] = [];
  const adapter = new IpcClusterAdapter(timeoutMs, budget, channel);
  await adapter.start((command) => {
    executed.push(command);
    return 'ran';
  });
  channel.deliver({ nsws: 1, t: 'owners', owners: [3, 4] });
  return { adapter, channel, executed };
}

const push = { op: 'push', fd: makeClusterFd(4, 1), data: 'x', opcode: 1, flags: 1 } as const;

describe('IpcClusterAdapter', () => {
  it('says hello on start and learns the running workers', async () => {
    const { adapter, channel } = await started();
    expect(channel.sent[0]).toEqual({ nsws: 1, t: 'hello' });
    expect(adapter.ownerId).toBe(3);
    expect(adapter.isLive(4)).toBe(true);
    expect(adapter.isLive(5)).toBe(false);
    await adapter.stop();
  });

  it('settles a request with the answer relayed back', async () => {
    const { adapter, channel } = await started();
    const answer = adapter.request(4, { op: 'exist', fd: makeClusterFd(4, 1) });
    const request = channel.last();
    if (request?.t !== 'req') throw new Error('no request sent');
    expect(request).toMatchObject({ to: 4, cmd: { op: 'exist' } });
    expect(request.id).toBeGreaterThan(0);
    channel.deliver({ nsws: 1, t: 'res', id: request.id, to: 3, result: true });
    expect(await answer).toBe(true);
    await adapter.stop();
  });

  it('fails a request to a worker that is not running at once', async () => {
    const { adapter, channel } = await started();
    const sentBefore = channel.sent.length;
    await expect(adapter.request(9, { op: 'exist', fd: 1 })).rejects.toThrow(
      new ClusterUnavailableError('worker 9 is not running'),
    );
    expect(channel.sent.length).toBe(sentBefore);
    await adapter.stop();
  });

  it('sends a one-way command with id 0, and runs one without answering it', async () => {
    const { adapter, channel, executed } = await started();
    expect(adapter.notify(4, push)).toBe(true);
    expect(channel.last()).toEqual({ nsws: 1, t: 'req', id: 0, to: 4, cmd: push });
    expect(adapter.notify(9, push)).toBe(false);

    const sentBefore = channel.sent.length;
    channel.deliver({ nsws: 1, t: 'req', id: 0, to: 3, from: 4, cmd: push });
    expect(executed).toEqual([push]);
    expect(channel.sent.length).toBe(sentBefore);

    channel.deliver({ nsws: 1, t: 'req', id: 8, to: 3, from: 4, cmd: push });
    expect(channel.last()).toEqual({ nsws: 1, t: 'res', id: 8, to: 4, result: 'ran' });
    await adapter.stop();
  });

  it('refuses commands past its channel budget, and takes them again once the channel drains', async () => {
    const { adapter, channel } = await started(new SendBudget(2, 1024 * 1024));
    await delay(10); // the hello is written
    channel.draining = false;
    const broadcast = { op: 'broadcast', data: 'b', opcode: 1, flags: 1 } as const;
    expect(adapter.publish(broadcast)).toBe(true);
    expect(adapter.notify(4, push)).toBe(true);
    expect(adapter.publish(broadcast)).toBe(false);
    expect(adapter.notify(4, push)).toBe(false);
    const refused = await settlement(adapter.request(4, { op: 'exist', fd: 1 }));
    expect(String(refused.error)).toMatch(/backed up/);
    expect(refused.ms).toBeLessThan(500);
    const gathered = await settlement(adapter.gather({ op: 'connections' }));
    expect(gathered.status).toBe('rejected');
    channel.drain();
    expect(adapter.publish(broadcast)).toBe(true);
    await adapter.stop();
  });

  it('times out a request the primary never answers', async () => {
    const { adapter } = await started(undefined, 50);
    const outcome = await settlement(adapter.request(4, { op: 'exist', fd: 1 }));
    expect(String(outcome.error)).toMatch(/no answer within 50 ms/);
    await adapter.stop();
  });

  it('stops listening and rejects what still waits; stop is safe twice, and start works again', async () => {
    const { adapter, channel } = await started();
    const waiting = settlement(adapter.request(4, { op: 'exist', fd: 1 }));
    await adapter.stop();
    await adapter.stop();
    expect(channel.listening).toBe(0);
    expect(String((await waiting).error)).toMatch(/stopped/);
    expect(adapter.publish({ op: 'broadcast', data: 'b', opcode: 1, flags: 1 })).toBe(false);
    expect(adapter.isLive(4)).toBe(false);
    await expect(adapter.request(4, { op: 'exist', fd: 1 })).rejects.toThrow(/not running/);

    await adapter.start(() => 'again');
    expect(channel.listening).toBe(1);
    expect(channel.last()).toEqual({ nsws: 1, t: 'hello' });
    await adapter.stop();
  });

  it('fails to start, releasing its listener, when the channel to the primary is closed', async () => {
    const channel = new FakeChannel(3);
    channel.connected = false;
    const adapter = new IpcClusterAdapter(1000, undefined, channel);
    await expect(adapter.start(() => undefined)).rejects.toThrow(
      /channel to the primary is closed/,
    );
    expect(channel.listening).toBe(0);
    await adapter.stop();
  });

  it('refuses to be built outside a cluster worker, naming runCluster', () => {
    expect(() => new IpcClusterAdapter()).toThrow(/start it with runCluster/);
  });
});
