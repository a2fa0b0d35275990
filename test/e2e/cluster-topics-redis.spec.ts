/**
 * Topics across nodes: three fixture processes joined by a real `redis-server` (the system
 * binary, on a free port), two clients each. Subscriptions are held by the node that owns the
 * fd, so they survive a Redis restart; while Redis is down, publish reaches the local
 * subscribers only, and cross-node delivery resumes once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { awaitMarker } from './support/cluster-marker.js';
import {
  eventually,
  type FixtureProcess,
  freePort,
  killIfAlive,
  startRedisNodes,
  waitForExit,
} from './support/cluster-process.js';
import { ControlClient } from './support/control-client.js';
import { RedisServerProcess } from './support/redis-server.js';
import { delay, waitUntil } from './support/wait.js';

const NODES = 3;
const HEARTBEAT_MS = 200;
const REQUEST_TIMEOUT_MS = 2000;

describe('topics across three nodes over Redis', () => {
  let redis: RedisServerProcess | undefined;
  const nodes: FixtureProcess[] = [];
  /** clients[node] holds that node's two clients. */
  const clients: ControlClient[][] = [];
  const all = () => clients.flat();
  /** Clients opened by one test only (closed in the cleanup too). */
  const extra: ControlClient[] = [];
  // a, a2 on node 0; b, b2 on node 1; c, c2 on node 2.
  let a: ControlClient, a2: ControlClient;
  let b: ControlClient, b2: ControlClient;
  let c: ControlClient, c2: ControlClient;

  let redisStopped = false;

  /** SIGCONT for a redis-server this suite stopped with SIGSTOP; safe to call at any time. */
  function resumeRedis(): void {
    if (!redisStopped || redis?.pid === undefined) return;
    redisStopped = false;
    process.kill(redis.pid, 'SIGCONT');
  }

  async function subscribers(via: ControlClient, topic: string): Promise<number> {
    return Number((await via.call(`subscribers ${topic}`)).result);
  }

  /** Waits until every node counts `count` subscribers of the topic. */
  async function everyNodeCounts(topic: string, count: number): Promise<void> {
    await eventually(
      async () => {
        const counts = await Promise.all(clients.map((pair) => subscribers(pair[0], topic)));
        return counts.every((n) => n === count);
      },
      5000,
      `every node to count ${count} subscriber(s) of ${topic}`,
    );
  }

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    const ports = await startRedisNodes(
      {
        count: NODES,
        redisUrl: redis.url,
        prefix: `nsws-topics-${process.pid}`,
        heartbeatMs: HEARTBEAT_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      },
      nodes,
    );
    for (const port of ports) {
      clients.push([await ControlClient.connect(port), await ControlClient.connect(port)]);
    }
    [[a, a2], [b, b2], [c, c2]] = clients;
    // Every node sees the others once each has beaten again: ask each of them, since each
    // refreshes its own view of the live nodes on its own beat.
    await eventually(
      async () => {
        const seen = await Promise.all(
          [a, b, c].map(async (via) => ((await via.call('connections')).result as number[]).length),
        );
        return seen.every((count) => count === 2 * NODES);
      },
      5000,
      'every node to see the others',
    );
  }, 20000);

  afterAll(async () => {
    resumeRedis();
    for (const client of [...all(), ...extra]) client.close();
    const pids = nodes.map((node) => node.pid);
    const redisPid = redis?.pid;
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    const everything = redisPid === undefined ? pids : [...pids, redisPid];
    killIfAlive(everything);
    await waitForExit(everything, 5000);
  }, 10000);

  it('subscribes fds of other nodes through their owners', async () => {
    // Subscribers of "room": a (itself), a2 (from node 1), b (itself), c (from node 0).
    expect((await a.call(`subscribe ${a.fd} room`)).result).toBe(true);
    expect((await b.call(`subscribe ${b.fd} room`)).result).toBe(true);
    expect((await b.call(`subscribe ${a2.fd} room`)).result).toBe(true);
    expect((await a.call(`subscribe ${c.fd} room`)).result).toBe(true);
    await everyNodeCounts('room', 4);
    expect((await c.call(`topics ${c.fd}`)).result).toEqual(['room']);
    expect((await a2.call(`isSubscribed ${a2.fd} room`)).result).toBe(true);
    expect((await a.call(`isSubscribed ${c.fd} room`)).result).toBe(false);
  });

  it('publishes to every subscriber on every node exactly once, from any node', async () => {
    expect((await a.call('publish room from-0')).result).toBe(2);
    expect((await b2.call('publish room from-1')).result).toBe(1);
    expect((await c2.call('publish room from-2')).result).toBe(1);
    for (const via of [a, b2, c2]) await awaitMarker(via, all());
    const texts = ['from-0', 'from-1', 'from-2'];
    for (const client of [a, a2, b, c]) {
      expect(texts.map((text) => client.count(text))).toEqual([1, 1, 1]);
    }
    for (const client of [b2, c2]) {
      expect(texts.map((text) => client.count(text))).toEqual([0, 0, 0]);
    }
  });

  it('leaves out the except fd of another node', async () => {
    expect((await b2.call(`publish room not-c ${c.fd}`)).result).toBe(1);
    expect((await c2.call(`publish room not-a2 ${a2.fd}`)).result).toBe(1);
    for (const via of [b2, c2]) await awaitMarker(via, all());
    const got = (client: ControlClient) => ['not-c', 'not-a2'].map((text) => client.count(text));
    expect(got(a)).toEqual([1, 1]);
    expect(got(a2)).toEqual([1, 0]);
    expect(got(b)).toEqual([1, 1]);
    expect(got(c)).toEqual([0, 1]);
  });

  it('unsubscribes an fd of another node, and a closed connection leaves every count', async () => {
    expect((await b.call(`unsubscribe ${c.fd} room`)).result).toBe(true);
    await everyNodeCounts('room', 3);
    expect((await c.call(`topics ${c.fd}`)).result).toEqual([]);
    expect((await c2.call('publish room after-unsubscribe')).result).toBe(0);
    await awaitMarker(c2, all());
    expect(all().map((client) => client.count('after-unsubscribe'))).toEqual(
      all().map((client) => (client === a || client === a2 || client === b ? 1 : 0)),
    );

    const leaving = await ControlClient.connect(Number(nodes[2].linesOf('READY')[0].port));
    extra.push(leaving);
    expect((await a.call(`subscribe ${leaving.fd} room`)).result).toBe(true);
    await everyNodeCounts('room', 4);
    leaving.close();
    await everyNodeCounts('room', 3);
  });

  it('keeps publishing to local subscribers while Redis is down, and across nodes once it is back', async () => {
    await redis!.stop();

    // Local subscribers still get every publish, at once; the other nodes' do not.
    expect((await a.call('publish room while-down')).result).toBe(2);
    await waitUntil(
      () => a.count('while-down') === 1 && a2.count('while-down') === 1,
      2000,
      'the local publish while Redis is down',
    );
    const count = await a.call('subscribers room');
    expect(count.result).toBe(2);
    expect(count.ms).toBeLessThan(REQUEST_TIMEOUT_MS / 4);
    // Local subscriptions keep working; another node's fd cannot be reached.
    expect((await b2.call(`subscribe ${b2.fd} down`)).result).toBe(true);
    expect((await b2.call('publish down local-only')).result).toBe(1);
    await waitUntil(() => b2.count('local-only') === 1, 2000, 'a local publish on node 1');
    await eventually(
      async () => (await a.call(`subscribe ${b2.fd} down`)).result === false,
      2000,
      'a subscribe of another node fd to return false',
    );

    // Redis comes back: the subscriptions held by each node were never lost.
    await redis!.start();
    let attempt = 0;
    await eventually(
      async () => {
        await a.call(`publish room back-${++attempt}`);
        await delay(100);
        return b.received.some((text) => text.startsWith('back-'));
      },
      8000,
      'a cross-node publish after Redis restarted',
      200,
    );
    await everyNodeCounts('room', 3);
    expect((await c2.call('publish room after-restart')).result).toBe(0);
    await awaitMarker(c2, all());
    expect(all().map((client) => client.count('after-restart'))).toEqual(
      all().map((client) => (client === a || client === a2 || client === b ? 1 : 0)),
    );
    expect(b.count('while-down')).toBe(0);
  }, 20000);

  it('publishes to local subscribers at once while Redis stalls (SIGSTOP), never twice after', async () => {
    const pid = redis!.pid!;
    process.kill(pid, 'SIGSTOP');
    redisStopped = true;
    try {
      const started = Date.now();
      expect((await a.call('publish room during-stall')).result).toBe(2);
      await waitUntil(
        () => a.count('during-stall') === 1 && a2.count('during-stall') === 1,
        2000,
        'the local publish while Redis stalls',
      );
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS);
      // The cluster-wide count is bounded by requestTimeout: at least the local subscribers.
      const count = await a.call('subscribers room', REQUEST_TIMEOUT_MS * 3);
      expect(Number(count.result)).toBeGreaterThanOrEqual(2);
      expect(count.ms).toBeLessThan(REQUEST_TIMEOUT_MS * 2);
    } finally {
      resumeRedis();
    }
    await everyNodeCounts('room', 3);
    expect((await b2.call('publish room after-stall')).result).toBe(1);
    await awaitMarker(b2, all());
    for (const client of [a, a2, b]) expect(client.count('after-stall')).toBe(1);
    // What was published during the stall reached node 1 late or not at all, never twice.
    expect(b.count('during-stall')).toBeLessThanOrEqual(1);
    expect(a.count('during-stall')).toBe(1);
  }, 20000);
});
