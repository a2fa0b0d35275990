/**
 * Scale-out on one machine: the fixture app run by `runCluster` with 2 workers (real processes
 * sharing one port, node:cluster's round-robin), reached by real WebSocket clients.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ControlClient } from './support/control-client.js';
import {
  eventually,
  type FixtureProcess,
  freePort,
  startFixture,
  waitForExit,
} from './support/cluster-process.js';
import { delay, waitUntil } from './support/wait.js';

describe('runCluster with 2 workers (IPC)', () => {
  let cluster: FixtureProcess;
  let port: number;
  const clients: ControlClient[] = [];
  let ownerA = 0;
  let ownerB = 0;

  const on = (owner: number) => clients.filter((client) => client.owner === owner && client.isOpen);

  /** Connects clients until `predicate` holds (round-robin spreads them over the workers). */
  async function connectUntil(predicate: () => boolean, max = 20): Promise<void> {
    for (let i = 0; i < max && !predicate(); i++) clients.push(await ControlClient.connect(port));
    expect(predicate()).toBe(true);
  }

  beforeAll(async () => {
    port = await freePort();
    cluster = startFixture({ CLUSTER_MODE: 'ipc', CLUSTER_WORKERS: '2', PORT: String(port) });
    await cluster.waitForLines('READY', 2, 15000);
    const owners = () => new Set(clients.map((client) => client.owner));
    await connectUntil(() => owners().size === 2 && clients.length >= 4);
    [ownerA, ownerB] = [...owners()].sort((a, b) => a - b);
  }, 20000);

  afterAll(async () => {
    for (const client of clients) client.close();
    if (!cluster) return;
    const pids = [cluster.pid, ...cluster.linesOf('READY').map((ready) => Number(ready.pid))];
    await cluster.stop();
    await waitForExit(pids, 5000);
  }, 10000);

  it('gives each worker its own owner id in the high bits of its fds', () => {
    expect(ownerA).toBeGreaterThan(0);
    expect(ownerB).toBeGreaterThan(ownerA);
    for (const client of clients) expect(Math.floor(client.fd / 2 ** 32)).toBe(client.owner);
    expect(on(ownerA).length).toBeGreaterThanOrEqual(1);
    expect(on(ownerB).length).toBeGreaterThanOrEqual(1);
  });

  it('delivers a push issued on one worker to a client of the other', async () => {
    const [a] = on(ownerA);
    const [b] = on(ownerB);
    expect((await b.call(`push ${a.fd} from-b`)).result).toBe(true);
    expect((await a.call(`pushAsync ${b.fd} from-a`)).result).toBe(true);
    await waitUntil(() => a.count('from-b') === 1 && b.count('from-a') === 1, 3000, 'the pushes');
  });

  it('delivers a broadcast to every client of every worker exactly once', async () => {
    const [a] = on(ownerA);
    const [b] = on(ownerB);
    await a.call('broadcast all-from-a');
    await b.call('broadcast all-from-b');
    await waitUntil(
      () => clients.every((c) => c.count('all-from-a') >= 1 && c.count('all-from-b') >= 1),
      3000,
      'every client to get both broadcasts',
    );
    await delay(300); // time for a duplicate to show up
    for (const client of clients) {
      expect(client.count('all-from-a')).toBe(1);
      expect(client.count('all-from-b')).toBe(1);
    }
  });

  it('lists every fd of the cluster with connectionsAsync', async () => {
    const reply = await on(ownerA)[0].call('connections');
    const listed = (reply.result as number[]).slice().sort((x, y) => x - y);
    expect(listed).toEqual(clients.map((client) => client.fd).sort((x, y) => x - y));
  });

  it('answers lookups and disconnects a client of the other worker', async () => {
    const extra = await ControlClient.connect(port);
    const asker = on(extra.owner === ownerA ? ownerB : ownerA)[0];
    const info = await asker.call(`info ${extra.fd}`);
    expect((info.result as { worker_id: number }).worker_id).toBe(extra.owner);
    expect((await asker.call(`exist ${extra.fd}`)).result).toBe(true);
    expect((await asker.call(`disconnectAsync ${extra.fd}`)).result).toBe(true);
    await waitUntil(() => extra.closed !== undefined, 3000, 'the remote disconnect');
    expect(extra.closed).toEqual({ code: 4000, reason: 'by command' });
    expect((await asker.call(`exist ${extra.fd}`)).result).toBe(false);
  });

  it('replaces a crashed worker while the other keeps its clients, and fails pushes to the dead fds', async () => {
    const dead = on(ownerA);
    const survivors = on(ownerB);
    const readyBefore = cluster.linesOf('READY').length;
    dead[0].ws.send('0 exit');
    await cluster.waitForLines('EXIT', 1, 5000);
    expect(cluster.linesOf('EXIT')[0].worker).toBe(ownerA);
    await waitUntil(() => dead.every((client) => client.closed !== undefined), 3000, 'closes');

    // The other worker's clients stay connected and keep working.
    const [b] = survivors;
    expect(survivors.every((client) => client.isOpen)).toBe(true);
    expect((await b.call('echo still-here')).echo).toBe('still-here');

    // Pushes to the dead worker's fds fail at once, never hang.
    const asyncReply = await b.call(`pushAsync ${dead[0].fd} lost`, 3000);
    expect(asyncReply.result).toBe(false);
    expect(asyncReply.ms).toBeLessThan(1000);
    await eventually(
      async () => (await b.call(`push ${dead[0].fd} lost`)).result === false,
      1000,
      'push to a dead fd to return false',
    );

    // A new worker takes the dead one's place and serves new connections, cross-worker too.
    await cluster.waitForLines('READY', readyBefore + 1, 10000);
    const newOwner = Number(cluster.linesOf('READY')[readyBefore].worker);
    expect(newOwner).toBeGreaterThan(ownerB);
    await connectUntil(() => on(newOwner).length >= 1);
    const [fresh] = on(newOwner);
    expect((await fresh.call('echo hi')).echo).toBe('hi');
    await eventually(
      async () => (await b.call(`pushAsync ${fresh.fd} to-new`)).result === true,
      3000,
      'a push from the old worker to the new one',
    );
    expect((await fresh.call(`push ${b.fd} to-old`)).result).toBe(true);
    await waitUntil(() => b.count('to-old') === 1 && fresh.count('to-new') >= 1, 3000, 'pushes');
    expect(survivors.every((client) => client.isOpen)).toBe(true);
  }, 20000);
});
