/**
 * Topics across processes on one machine: the fixture app run by `runCluster` with 2 workers,
 * real WebSocket clients spread over both by node:cluster's round-robin. Subscriptions are
 * held by the worker that owns the fd; `subscribe`/`unsubscribe` of the other worker's fd and
 * `publish` travel over IPC, `subscribersAsync` asks both workers.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { awaitMarker } from './support/cluster-marker.js';
import {
  eventually,
  type FixtureProcess,
  freePort,
  killIfAlive,
  startFixture,
  waitForExit,
} from './support/cluster-process.js';
import { ControlClient } from './support/control-client.js';
import { waitUntil } from './support/wait.js';

describe('topics across 2 workers (IPC)', () => {
  let cluster: FixtureProcess | undefined;
  let port: number;
  const clients: ControlClient[] = [];
  let ownerA = 0;
  let ownerB = 0;
  // Three clients of each worker: a1..a3 on worker A, b1..b3 on worker B.
  let a1: ControlClient, a2: ControlClient, a3: ControlClient;
  let b1: ControlClient, b2: ControlClient, b3: ControlClient;

  const on = (owner: number) => clients.filter((client) => client.owner === owner && client.isOpen);
  const open = () => clients.filter((client) => client.isOpen);

  /** Connects clients until `predicate` holds (round-robin spreads them over the workers). */
  async function connectUntil(predicate: () => boolean, max = 24): Promise<void> {
    for (let i = 0; i < max && !predicate(); i++) clients.push(await ControlClient.connect(port));
    expect(predicate()).toBe(true);
  }

  /** `subscribersAsync(topic)` as the client's worker answers it. */
  async function subscribers(via: ControlClient, topic: string): Promise<number> {
    return Number((await via.call(`subscribers ${topic}`)).result);
  }

  beforeAll(async () => {
    port = await freePort();
    cluster = startFixture({ CLUSTER_MODE: 'ipc', CLUSTER_WORKERS: '2', PORT: String(port) });
    await cluster.waitForLines('READY', 2, 15000);
    const owners = () => [...new Set(clients.map((client) => client.owner))];
    await connectUntil(() => owners().length === 2 && owners().every((o) => on(o).length >= 3));
    [ownerA, ownerB] = owners().sort((x, y) => x - y);
    [a1, a2, a3] = on(ownerA);
    [b1, b2, b3] = on(ownerB);
  }, 20000);

  afterAll(async () => {
    for (const client of clients) client.close();
    if (cluster === undefined) return;
    const pids = () => [cluster!.pid, ...cluster!.linesOf('READY').map((r) => Number(r.pid))];
    await cluster.stop();
    killIfAlive(pids());
    await waitForExit(pids(), 5000);
  }, 10000);

  it('subscribes a local fd and the other worker fd; the owner holds the subscription', async () => {
    expect((await a1.call(`subscribe ${a1.fd} news`)).result).toBe(true);
    // The other worker's fd: handed over to its owner (true), which subscribes it.
    expect((await a1.call(`subscribe ${b1.fd} news`)).result).toBe(true);
    await eventually(
      async () => (await b1.call(`isSubscribed ${b1.fd} news`)).result === true,
      3000,
      'the remote subscribe to reach its owner',
    );
    expect((await b1.call(`topics ${b1.fd}`)).result).toEqual(['news']);
    expect((await a1.call(`topics ${a1.fd}`)).result).toEqual(['news']);
    // isSubscribed and topics answer for this process's connections only.
    expect((await a1.call(`isSubscribed ${b1.fd} news`)).result).toBe(false);
    expect((await a1.call(`topics ${b1.fd}`)).result).toBe(false);
    expect(await subscribers(a2, 'news')).toBe(2);
    expect(await subscribers(b2, 'news')).toBe(2);
  });

  it('publishes to every subscriber on both workers exactly once, from either worker', async () => {
    // Subscribers of "room": a1 and a2 (worker A), b1 and b2 (worker B); b2 is subscribed from
    // worker A. a3 and b3 are not subscribed.
    for (const client of [a1, a2, b1]) {
      expect((await client.call(`subscribe ${client.fd} room`)).result).toBe(true);
    }
    expect((await a3.call(`subscribe ${b2.fd} room`)).result).toBe(true);
    await eventually(async () => (await subscribers(a3, 'room')) === 4, 3000, '4 subscribers');

    expect((await a3.call('publish room from-a3')).result).toBe(2);
    expect((await b3.call('publish room from-b3')).result).toBe(2);
    await awaitMarker(a3, open());
    await awaitMarker(b3, open());
    for (const client of [a1, a2, b1, b2]) {
      expect([client.count('from-a3'), client.count('from-b3')]).toEqual([1, 1]);
    }
    for (const client of [a3, b3]) {
      expect([client.count('from-a3'), client.count('from-b3')]).toEqual([0, 0]);
    }
  });

  it('leaves out the except fd, on this worker or the other', async () => {
    expect((await a3.call(`publish room not-b1 ${b1.fd}`)).result).toBe(2);
    expect((await a3.call(`publish room not-a1 ${a1.fd}`)).result).toBe(1);
    expect((await b3.call(`publish room not-a2 ${a2.fd}`)).result).toBe(2);
    await awaitMarker(a3, open());
    await awaitMarker(b3, open());
    const got = (client: ControlClient) =>
      ['not-b1', 'not-a1', 'not-a2'].map((text) => client.count(text));
    expect(got(a1)).toEqual([1, 0, 1]);
    expect(got(a2)).toEqual([1, 1, 0]);
    expect(got(b1)).toEqual([0, 1, 1]);
    expect(got(b2)).toEqual([1, 1, 1]);
    expect(got(a3)).toEqual([0, 0, 0]);
  });

  it('counts the subscribers of the whole cluster with subscribersAsync, from either worker', async () => {
    for (const client of [a3, b3]) {
      expect(await subscribers(client, 'room')).toBe(4);
      expect(await subscribers(client, 'news')).toBe(2);
      expect(await subscribers(client, 'nobody')).toBe(0);
    }
  });

  it('unsubscribes a local fd and the other worker fd', async () => {
    expect((await a3.call(`unsubscribe ${a2.fd} room`)).result).toBe(true);
    expect((await a3.call(`unsubscribe ${a2.fd} room`)).result).toBe(false);
    expect((await a3.call(`unsubscribe ${b1.fd} room`)).result).toBe(true);
    await eventually(async () => (await subscribers(b3, 'room')) === 2, 3000, '2 subscribers');
    expect((await b1.call(`topics ${b1.fd}`)).result).toEqual(['news']);

    expect((await b3.call('publish room after-unsubscribe')).result).toBe(1);
    await awaitMarker(b3, open());
    expect(clients.map((client) => client.count('after-unsubscribe'))).toEqual(
      clients.map((client) => (client === a1 || client === b2 ? 1 : 0)),
    );
  });

  it('ends the subscriptions of a connection that closes', async () => {
    const before = clients.length;
    await connectUntil(() => {
      const fresh = clients.slice(before);
      return fresh.some((c) => c.owner === ownerA) && fresh.some((c) => c.owner === ownerB);
    });
    const fresh = clients.slice(before);
    for (const client of fresh) {
      expect((await client.call(`subscribe ${client.fd} closing`)).result).toBe(true);
    }
    expect(await subscribers(a1, 'closing')).toBe(fresh.length);
    for (const client of fresh) client.close();
    await eventually(async () => (await subscribers(a1, 'closing')) === 0, 3000, 'no subscriber');
    expect((await a1.call('publish closing anyone')).result).toBe(0);
    expect((await b1.call('publish closing anyone')).result).toBe(0);
    // A remote subscribe of a closed fd is handed over, but subscribes nothing.
    const gone = fresh.find((client) => client.owner === ownerB)!;
    await a1.call(`subscribe ${gone.fd} closing`);
    await awaitMarker(a1, open());
    expect(await subscribers(b1, 'closing')).toBe(0);
  });

  it('drops a crashed worker subscribers from the count; the other worker keeps its own', async () => {
    const readyBefore = cluster!.linesOf('READY').length;
    a3.ws.send('0 exit');
    await cluster!.waitForLines('EXIT', 1, 5000);
    await waitUntil(() => on(ownerA).length === 0, 3000, 'worker A clients to close');
    // b2 is still subscribed to "room", a1 was (and is gone with its worker).
    await eventually(async () => (await subscribers(b3, 'room')) === 1, 3000, '1 subscriber');
    expect((await b3.call('publish room survivors')).result).toBe(1);
    await waitUntil(() => b2.count('survivors') === 1, 3000, 'the publish to the survivor');
    // Let the replacement start, so the cleanup stops it with the rest.
    await cluster!.waitForLines('READY', readyBefore + 1, 10000);
  }, 20000);
});
