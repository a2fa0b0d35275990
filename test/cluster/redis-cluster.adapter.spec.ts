/**
 * The Redis adapter's failure modes, on an in-memory fake Redis (see support/fake-redis.ts) that
 * can hang, fail, go down and lose its data. An unhandled rejection fails the test that caused
 * it (jest-circus owns the process's `unhandledRejection` handlers and reports one against the
 * test that created the promise, even after that test returned); every test here also waits past
 * the deadlines it provokes, so a stray rejection surfaces while the test runs.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type ClusterCommand,
  ClusterUnavailableError,
} from '../../src/cluster/cluster-command.interface.js';
import type { ClusterLogger } from '../../src/cluster/cluster-logger.interface.js';
import { makeClusterFd } from '../../src/cluster/cluster-fd.util.js';
import {
  RedisClusterAdapter,
  type RedisClusterOptions,
} from '../../src/cluster/redis-cluster.adapter.js';
import { RemoteConnections } from '../../src/cluster/remote-connections.js';
import { SendBudget } from '../../src/cluster/send-budget.js';
import { delay, waitUntil } from '../e2e/support/wait.js';
import { FakeRedis } from './support/fake-redis.js';
import { settlement } from './support/settle.js';

const REQUEST_MS = 300;
const BEAT_MS = 50;

/** One node: an adapter on the fake Redis, with what it ran and what it logged. */
interface TestNode {
  tag: string;
  adapter: RedisClusterAdapter;
  executed: ClusterCommand[];
  errors: string[];
  warnings: string[];
}

const started: TestNode[] = [];

function createNode(
  redis: FakeRedis,
  tag: string,
  options: Partial<RedisClusterOptions> = {},
  budget?: SendBudget,
): TestNode {
  const errors: string[] = [];
  const warnings: string[] = [];
  const logger: ClusterLogger = {
    error: (message) => void errors.push(message),
    warn: (message) => void warnings.push(message),
  };
  const adapter = new RedisClusterAdapter(
    {
      url: 'redis://fake',
      prefix: 'test',
      requestTimeout: REQUEST_MS,
      heartbeatInterval: BEAT_MS,
      ...options,
    },
    redis.clientClass(tag),
    logger,
    budget,
  );
  const node = { tag, adapter, executed: [], errors, warnings };
  started.push(node);
  return node;
}

async function startNode(
  redis: FakeRedis,
  tag: string,
  options: Partial<RedisClusterOptions> = {},
  budget?: SendBudget,
): Promise<TestNode> {
  const node = createNode(redis, tag, options, budget);
  await node.adapter.start((command) => {
    node.executed.push(command);
    return { ranBy: tag, op: command.op };
  });
  return node;
}

/** Waits until every node sees every other as live. */
async function untilAllLive(nodes: TestNode[]): Promise<void> {
  await waitUntil(
    () => nodes.every((a) => nodes.every((b) => a.adapter.isLive(b.adapter.ownerId))),
    3000,
    'every node to see every other',
  );
}

const exist = (owner: number): ClusterCommand => ({ op: 'exist', fd: makeClusterFd(owner, 1) });
const push = (owner: number, data: string): ClusterCommand => ({
  op: 'push',
  fd: makeClusterFd(owner, 1),
  data,
  opcode: 1,
  flags: 1,
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.adapter.stop()));
});

describe('RedisClusterAdapter: requests', () => {
  it('runs a request on the owning node and brings its answer back', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    expect(a.adapter.ownerId).not.toBe(b.adapter.ownerId);
    const answer = await a.adapter.request(b.adapter.ownerId, exist(b.adapter.ownerId));
    expect(answer).toEqual({ ranBy: 'B', op: 'exist' });
    expect(b.executed).toHaveLength(1);
    expect(a.executed).toHaveLength(0);
  });

  it('bounds a request by requestTimeout while its PUBLISH hangs, settles it once, and ignores the late answer', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    redis.hang({ commands: ['publish'], tag: 'A' });

    const outcome = await settlement(
      a.adapter.request(b.adapter.ownerId, exist(b.adapter.ownerId)),
    );
    expect(outcome.status).toBe('rejected');
    expect(outcome.error).toBeInstanceOf(ClusterUnavailableError);
    expect(String(outcome.error)).toMatch(/no answer within 300 ms/);
    expect(outcome.ms).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    expect(outcome.ms).toBeLessThan(REQUEST_MS + 2000);

    // Redis answers the PUBLISH late: B runs the command and answers; nobody waits any more.
    redis.resume();
    await waitUntil(() => b.executed.length === 1, 3000, 'B to run the late request');
    await waitUntil(() => redis.commandsOf('publish', 'B').length >= 1, 3000, "B's late answer");
    await delay(100);
    expect(outcome.count()).toBe(1);
  });

  it('answers with ClusterUnavailableError when the owner is not subscribed (no such node)', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const outcome = await settlement(a.adapter.request(4242, exist(4242)));
    expect(outcome.status).toBe('rejected');
    expect(String(outcome.error)).toMatch(/node 4242 is not connected/);
    expect(outcome.ms).toBeLessThan(REQUEST_MS);
  });

  it('does not crash when the PUBLISH of a one-way push hangs past requestTimeout (push to a remote fd)', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    redis.hang({ commands: ['publish'], tag: 'A' });
    const remote = new RemoteConnections(a.adapter);
    const fd = makeClusterFd(b.adapter.ownerId, 7);
    expect(remote.dispatch(fd, { op: 'push', fd, data: 'hi', opcode: 1, flags: 1 })).toBe(true);
    // The PUBLISH still hangs when the test ends (stop() drops it): a timer rejecting an answer
    // nobody listens to would be reported against this test.
    await delay(REQUEST_MS * 3);
    expect(redis.heldCount).toBeGreaterThanOrEqual(1);
    expect(b.executed).toEqual([]);
  });

  it('delivers a one-way push whose PUBLISH Redis answers late', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    redis.hang({ commands: ['publish'], tag: 'A' });
    const fd = makeClusterFd(b.adapter.ownerId, 7);
    expect(
      a.adapter.notify(b.adapter.ownerId, { op: 'push', fd, data: 'hi', opcode: 1, flags: 1 }),
    ).toBe(true);
    await delay(REQUEST_MS * 2);
    redis.resume();
    await waitUntil(() => b.executed.length === 1, 3000, 'the late push to run on B');
    expect(b.executed[0]).toMatchObject({ op: 'push', fd, data: 'hi' });
  });
});

describe('RedisClusterAdapter: one-way commands (notify)', () => {
  it('sends a request with id 0 that the owner runs without answering', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    const answersBefore = redis.commandsOf('publish', 'B').length;
    expect(a.adapter.notify(b.adapter.ownerId, push(b.adapter.ownerId, 'one-way'))).toBe(true);
    await waitUntil(() => b.executed.length === 1, 3000, 'B to run the one-way push');
    const sent = redis.commandsOf('publish', 'A').at(-1);
    expect(JSON.parse(String(sent?.args[1]))).toMatchObject({ t: 'req', id: 0 });
    await delay(100);
    expect(redis.commandsOf('publish', 'B').length).toBe(answersBefore);
  });

  it('returns false for an owner that is not live', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    expect(a.adapter.notify(4242, push(4242, 'nobody'))).toBe(false);
    expect(redis.commandsOf('publish', 'A')).toHaveLength(0);
  });
});

describe('RedisClusterAdapter: Redis down or slow', () => {
  it('fails fast while Redis is down, and recovers when it is back', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    const owner = b.adapter.ownerId;
    redis.down();

    const outcome = await settlement(a.adapter.request(owner, exist(owner)));
    expect(outcome.status).toBe('rejected');
    expect(String(outcome.error)).toMatch(/Redis is not connected/);
    expect(outcome.ms).toBeLessThan(REQUEST_MS);
    expect(a.adapter.isLive(owner)).toBe(false);
    expect(a.adapter.isLive(a.adapter.ownerId)).toBe(true);
    expect(a.adapter.notify(owner, push(owner, 'lost'))).toBe(false);
    expect(a.adapter.publish({ op: 'broadcast', data: 'x', opcode: 1, flags: 1 })).toBe(false);
    expect(await new RemoteConnections(a.adapter).gather({ op: 'connections' })).toEqual([]);
    await delay(3 * BEAT_MS);

    redis.restart(false);
    await untilAllLive([a, b]);
    expect(await a.adapter.request(owner, exist(owner))).toEqual({ ranBy: 'B', op: 'exist' });
  });

  it('empties the live set while its beats hang, so pushes fail fast, and recovers', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    redis.hang({ tag: 'A' });
    await waitUntil(() => !a.adapter.isLive(b.adapter.ownerId), 3000, 'A to drop B');
    expect(
      new RemoteConnections(a.adapter).dispatch(
        makeClusterFd(b.adapter.ownerId, 1),
        push(b.adapter.ownerId, 'x'),
      ),
    ).toBe(false);
    redis.resume();
    await untilAllLive([a, b]);
  });

  it('bounds a cluster-wide gather while PUBLISH hangs', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const b = await startNode(redis, 'B');
    const c = await startNode(redis, 'C');
    await untilAllLive([a, b, c]);
    redis.hang({ commands: ['publish'], tag: 'A' });
    const outcome = await settlement(a.adapter.gather({ op: 'connections' }));
    expect(outcome.status).toBe('fulfilled');
    expect(outcome.value).toEqual([]);
    expect(outcome.ms).toBeLessThan(REQUEST_MS + 2000);
    redis.resume();
    expect(await a.adapter.gather({ op: 'stats' })).toHaveLength(2);
  });

  it('refuses at once past its budget of commands in flight, and takes commands again once Redis answers', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A', {}, new SendBudget(3, 1024 * 1024));
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    // Let A's beat finish so only the publishes below hold the budget.
    await delay(BEAT_MS);
    redis.hang({ commands: ['publish'], tag: 'A' });
    const broadcast: ClusterCommand = { op: 'broadcast', data: 'b', opcode: 1, flags: 1 };
    const accepted = [1, 2, 3, 4, 5].map(() => a.adapter.publish(broadcast));
    expect(accepted.filter(Boolean).length).toBeLessThanOrEqual(3);
    expect(accepted.at(-1)).toBe(false);
    const refused = await settlement(
      a.adapter.request(b.adapter.ownerId, exist(b.adapter.ownerId)),
    );
    expect(refused.status).toBe('rejected');
    expect(String(refused.error)).toMatch(/backed up/);
    expect(refused.ms).toBeLessThan(REQUEST_MS);
    redis.resume();
    await waitUntil(() => a.adapter.publish(broadcast), 3000, 'the budget to free up');
  });

  it('bounds the bytes in flight, not only the count', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A', {}, new SendBudget(100, 4000));
    await delay(BEAT_MS);
    redis.hang({ commands: ['publish'], tag: 'A' });
    const big: ClusterCommand = { op: 'broadcast', data: 'x'.repeat(1500), opcode: 1, flags: 1 };
    expect(a.adapter.publish(big)).toBe(true);
    expect(a.adapter.publish(big)).toBe(true);
    expect(a.adapter.publish(big)).toBe(false);
    redis.resume();
  });
});

describe('RedisClusterAdapter: owner ids', () => {
  it('never hands out the id of a running node after Redis lost its data', async () => {
    const redis = new FakeRedis();
    const beat = { heartbeatInterval: 200 };
    const nodes = [
      await startNode(redis, 'A', beat),
      await startNode(redis, 'B', beat),
      await startNode(redis, 'C', beat),
    ];
    await untilAllLive(nodes);
    const ids = nodes.map((node) => node.adapter.ownerId);
    expect(new Set(ids).size).toBe(3);

    // Redis restarts empty right after A's beat: A beats again only 200 ms later.
    await redis.nextCommand({ commands: ['zadd'], tag: 'A' });
    redis.flush();
    const late = await startNode(redis, 'LATE', beat);
    expect(ids).not.toContain(late.adapter.ownerId);

    const all = [...nodes, late];
    await untilAllLive(all);
    const answer = await late.adapter.request(ids[0], exist(ids[0]));
    expect(answer).toEqual({ ranBy: 'A', op: 'exist' });
    expect(nodes.flatMap((node) => node.errors)).toEqual([]);
    expect(nodes.flatMap((node) => node.warnings).join('\n')).toMatch(/lease was missing/);
  });

  it('takes a fresh id for each node of a fresh Redis, all distinct', async () => {
    const redis = new FakeRedis();
    const nodes = await Promise.all(['A', 'B', 'C', 'D'].map((tag) => startNode(redis, tag)));
    expect(new Set(nodes.map((node) => node.adapter.ownerId)).size).toBe(4);
  });

  it('makes a node whose id was taken over while it was cut off leave the cluster, loudly', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    const idA = a.adapter.ownerId;

    // A cannot reach Redis for longer than a lease, and Redis loses its data meanwhile.
    redis.hang({ tag: 'A' });
    redis.flush();
    const late = await startNode(redis, 'LATE');
    expect(late.adapter.ownerId).toBe(idA);
    redis.resume();

    await waitUntil(() => a.errors.length > 0, 3000, 'A to notice');
    expect(a.errors[0]).toMatch(new RegExp(`owner id ${idA} is now held by another node`));
    expect(a.adapter.isLive(b.adapter.ownerId)).toBe(false);
    expect(a.adapter.publish({ op: 'broadcast', data: 'x', opcode: 1, flags: 1 })).toBe(false);
    const refused = await settlement(
      a.adapter.request(b.adapter.ownerId, exist(b.adapter.ownerId)),
    );
    expect(String(refused.error)).toMatch(/taken over/);

    // Commands for that id now reach the new holder only.
    await untilAllLive([b, late]);
    await waitUntil(
      () => redis.clients.filter((c) => c.tag === 'A').every((c) => c.channels.size === 0),
      3000,
      'A to unsubscribe',
    );
    expect(await b.adapter.request(idA, exist(idA))).toEqual({ ranBy: 'LATE', op: 'exist' });
    expect(a.executed).toHaveLength(0);
  });
});

describe('RedisClusterAdapter: start and stop', () => {
  it('stops within its bound when QUIT and ZREM never answer, and drops the connections', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    redis.hang({ commands: ['quit', 'zrem'] });
    const outcome = await settlement(a.adapter.stop(), 5000);
    expect(outcome.ms).toBeLessThan(3500);
    expect(redis.clients.every((client) => client.status === 'end')).toBe(true);
    expect((await settlement(a.adapter.stop())).status).toBe('fulfilled');
    redis.resume();
  });

  it('stops within its bound when Redis is black-holed (every command hangs)', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A');
    redis.hang();
    const outcome = await settlement(a.adapter.stop(), 5000);
    expect(outcome.ms).toBeLessThan(3500);
    expect(redis.clients.every((client) => client.status === 'end')).toBe(true);
  });

  it('releases its clients when start fails (Redis down), and a later start works', async () => {
    const redis = new FakeRedis();
    redis.down();
    const a = createNode(redis, 'A');
    const failed = await settlement(a.adapter.start(() => undefined));
    expect(failed.status).toBe('rejected');
    expect(redis.clients).toHaveLength(2);
    expect(redis.clients.every((client) => client.status === 'end')).toBe(true);
    await a.adapter.stop();
    await a.adapter.stop();

    redis.restart();
    await a.adapter.start(() => 'ok');
    expect(a.adapter.ownerId).toBeGreaterThan(0);
    expect(redis.clients.filter((client) => client.status === 'ready')).toHaveLength(2);
  });

  it('gives up a start whose Redis commands hang, within requestTimeout, and releases its clients', async () => {
    const redis = new FakeRedis();
    redis.hang({ commands: ['time', 'incr'] });
    const a = createNode(redis, 'A');
    const failed = await settlement(a.adapter.start(() => undefined));
    expect(failed.status).toBe('rejected');
    expect(failed.error).toBeInstanceOf(ClusterUnavailableError);
    expect(failed.ms).toBeLessThan(REQUEST_MS + 2000);
    expect(redis.clients.every((client) => client.status === 'end')).toBe(true);
  });

  it('ends a start that is still connecting when stop() is called', async () => {
    const redis = new FakeRedis();
    redis.hang({ commands: ['connect'] });
    const a = createNode(redis, 'A');
    const starting = settlement(a.adapter.start(() => undefined));
    await waitUntil(() => redis.clients.length === 2, 1000, 'the clients');
    await a.adapter.stop();
    const outcome = await starting;
    expect(outcome.status).toBe('rejected');
    expect(redis.clients.every((client) => client.status === 'end')).toBe(true);
  });

  it('rejects requests still waiting when it stops', async () => {
    const redis = new FakeRedis();
    const a = await startNode(redis, 'A', { requestTimeout: 5000 });
    const b = await startNode(redis, 'B');
    await untilAllLive([a, b]);
    redis.hang({ commands: ['publish'], tag: 'A' });
    const waiting = settlement(a.adapter.request(b.adapter.ownerId, exist(b.adapter.ownerId)));
    await a.adapter.stop();
    const outcome = await waiting;
    expect(outcome.status).toBe('rejected');
    expect(String(outcome.error)).toMatch(/stopped/);
    redis.resume();
  });
});
