/**
 * Scale-out across nodes: three fixture processes, each its own port, joined by a real
 * `redis-server` (the system binary, started here on a free port), reached by real clients.
 * Redis is stopped and started again mid-test.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ControlClient } from './support/control-client.js';
import {
  eventually,
  type FixtureProcess,
  freePort,
  startFixture,
  startRedisNodes,
  waitForExit,
} from './support/cluster-process.js';
import { RedisServerProcess } from './support/redis-server.js';
import { delay, waitUntil } from './support/wait.js';

const NODES = 3;
const HEARTBEAT_MS = 200;
const REQUEST_TIMEOUT_MS = 2000;

describe('three nodes over Redis', () => {
  let redis: RedisServerProcess;
  const nodes: FixtureProcess[] = [];
  let ports: number[] = [];
  /** clients[node] holds that node's two clients. */
  const clients: ControlClient[][] = [];
  const all = () => clients.flat();

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    ports = await startRedisNodes(
      {
        count: NODES,
        redisUrl: redis.url,
        prefix: `nsws-e2e-${process.pid}`,
        heartbeatMs: HEARTBEAT_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      },
      nodes,
    );
    for (const port of ports) {
      clients.push([await ControlClient.connect(port), await ControlClient.connect(port)]);
    }
    // Every node sees every other as live once each has beaten once more.
    await delay(3 * HEARTBEAT_MS);
  }, 20000);

  afterAll(async () => {
    for (const client of all()) client.close();
    const pids = nodes.map((node) => node.pid);
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    await waitForExit(redis?.pid === undefined ? pids : [...pids, redis.pid], 5000);
  }, 10000);

  it('gives each node its own owner id, in the high bits of its fds', () => {
    const owners = clients.map((pair) => pair[0].owner);
    expect(new Set(owners).size).toBe(NODES);
    for (const [node, pair] of clients.entries()) {
      for (const client of pair) {
        expect(client.owner).toBe(owners[node]);
        expect(Math.floor(client.fd / 2 ** 32)).toBe(client.owner);
      }
    }
  });

  it('pushes to a client of another node, with push and pushAsync', async () => {
    const [[a], [b], [c]] = clients;
    expect((await a.call(`push ${b.fd} a-to-b`)).result).toBe(true);
    expect((await b.call(`pushAsync ${c.fd} b-to-c`)).result).toBe(true);
    expect((await c.call(`pushAsync ${a.fd} c-to-a`)).result).toBe(true);
    await waitUntil(
      () => b.count('a-to-b') === 1 && c.count('b-to-c') === 1 && a.count('c-to-a') === 1,
      3000,
      'the cross-node pushes',
    );
  });

  it('lists every fd of every node with connectionsAsync', async () => {
    const expected = all()
      .map((client) => client.fd)
      .sort((x, y) => x - y);
    for (const pair of clients) {
      const listed = (await pair[0].call('connections')).result as number[];
      expect(listed.slice().sort((x, y) => x - y)).toEqual(expected);
    }
  });

  it('delivers a broadcast to every client of every node exactly once', async () => {
    for (const [node, pair] of clients.entries()) await pair[0].call(`broadcast everyone-${node}`);
    const texts = clients.map((_pair, node) => `everyone-${node}`);
    await waitUntil(
      () => all().every((client) => texts.every((text) => client.count(text) >= 1)),
      3000,
      'every broadcast at every client',
    );
    await delay(300); // time for a duplicate to show up
    for (const client of all()) for (const text of texts) expect(client.count(text)).toBe(1);
  });

  it('disconnects a client of another node', async () => {
    const extra = await ControlClient.connect(ports[2]);
    const [a] = clients[0];
    expect((await a.call(`exist ${extra.fd}`)).result).toBe(true);
    expect((await a.call(`disconnect ${extra.fd}`)).result).toBe(true);
    await waitUntil(() => extra.closed !== undefined, 3000, 'the remote disconnect');
    expect(extra.closed).toEqual({ code: 4000, reason: 'by command' });
    const other = await ControlClient.connect(ports[1]);
    expect((await a.call(`disconnectAsync ${other.fd}`)).result).toBe(true);
    await waitUntil(() => other.closed !== undefined, 3000, 'the remote disconnectAsync');
    expect((await a.call(`exist ${other.fd}`)).result).toBe(false);
  });

  it('keeps local traffic going while Redis is down, fails cross-node calls fast, and recovers when Redis is back', async () => {
    const [[a, a2], [b]] = clients;
    await redis.stop();

    // Local traffic on every node is unaffected.
    for (const [first, second] of clients) {
      expect((await first.call('echo local')).echo).toBe('local');
      expect((await first.call(`push ${second.fd} local-push`)).result).toBe(true);
      await waitUntil(() => second.count('local-push') === 1, 2000, 'a local push');
    }
    expect((await a.call('broadcast local-only')).result).toBe(2);
    await waitUntil(
      () => a.count('local-only') === 1 && a2.count('local-only') === 1,
      2000,
      'a local broadcast',
    );

    // Cross-node calls fail fast: pushAsync at once, push once liveness is gone.
    const failed = await a.call(`pushAsync ${b.fd} lost`);
    expect(failed.result).toBe(false);
    expect(failed.ms).toBeLessThan(REQUEST_TIMEOUT_MS / 4);
    await eventually(
      async () => (await a.call(`push ${b.fd} lost`)).result === false,
      500,
      'push to another node to return false',
    );
    const listed = await a.call('connections');
    expect((listed.result as number[]).slice().sort((x, y) => x - y)).toEqual(
      [a.fd, a2.fd].sort((x, y) => x - y),
    );
    expect(listed.ms).toBeLessThan(REQUEST_TIMEOUT_MS / 4);
    expect(b.count('lost')).toBe(0);

    // Redis comes back on the same port: the adapters reconnect by themselves.
    await redis.start();
    await eventually(
      async () => (await a.call(`pushAsync ${b.fd} back`)).result === true,
      8000,
      'a cross-node push after Redis restarted',
      200,
    );
    await waitUntil(() => b.count('back') >= 1, 2000, 'the push after the restart');
    await eventually(
      async () => ((await b.call('connections')).result as number[]).length === all().length,
      3000,
      'every node back in the cluster-wide listing',
    );
    await b.call('broadcast after-restart');
    await waitUntil(
      () => all().every((client) => client.count('after-restart') >= 1),
      3000,
      'the broadcast after the restart',
    );
    await delay(300);
    for (const client of all()) expect(client.count('after-restart')).toBe(1);
  }, 20000);

  it('gives a node that joins after Redis lost its data (restarted, no persistence) an unused owner id', async () => {
    const port = await freePort();
    const late = startFixture({
      CLUSTER_MODE: 'redis',
      PORT: String(port),
      REDIS_URL: redis.url,
      REDIS_PREFIX: `nsws-e2e-${process.pid}`,
      REDIS_HEARTBEAT_MS: String(HEARTBEAT_MS),
      REDIS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
    nodes.push(late);
    await late.waitForLines('READY', 1, 10000);
    const newcomer = await ControlClient.connect(port);
    clients.push([newcomer]);
    expect(clients.slice(0, NODES).map((pair) => pair[0].owner)).not.toContain(newcomer.owner);
    const [[a]] = clients;
    await eventually(
      async () => (await newcomer.call(`pushAsync ${a.fd} hello-from-late`)).result === true,
      3000,
      'a push from the late node',
    );
    expect((await a.call(`pushAsync ${newcomer.fd} hello-late`)).result).toBe(true);
    await waitUntil(() => newcomer.count('hello-late') === 1, 2000, 'the push to the late node');
    expect(a.count('hello-from-late')).toBe(1);
  }, 15000);
});
