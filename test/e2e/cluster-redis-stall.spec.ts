/**
 * A Redis that stops answering (SIGSTOP: the connections stay open, nothing comes back) while
 * nodes push to each other's clients: every node stays up, remote calls are bounded by
 * `requestTimeout`, and cross-node pushes work again once Redis continues (SIGCONT). Two fixture
 * processes and a real `redis-server`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ControlClient } from './support/control-client.js';
import {
  eventually,
  type FixtureProcess,
  freePort,
  startRedisNodes,
  waitForExit,
} from './support/cluster-process.js';
import { RedisServerProcess } from './support/redis-server.js';
import { delay, waitUntil } from './support/wait.js';

const HEARTBEAT_MS = 200;
const REQUEST_TIMEOUT_MS = 1000;
const STALL_MS = 3000;

describe('two nodes over a Redis that stalls', () => {
  let redis: RedisServerProcess;
  const nodes: FixtureProcess[] = [];
  const clients: ControlClient[] = [];
  let redisStopped = false;

  /** SIGCONT for a stopped redis-server; safe to call at any time. */
  function resumeRedis(): void {
    if (!redisStopped || redis.pid === undefined) return;
    redisStopped = false;
    process.kill(redis.pid, 'SIGCONT');
  }

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    const ports = await startRedisNodes(
      {
        count: 2,
        redisUrl: redis.url,
        prefix: `nsws-stall-${process.pid}`,
        heartbeatMs: HEARTBEAT_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      },
      nodes,
    );
    for (const port of ports) clients.push(await ControlClient.connect(port));
  }, 20000);

  afterAll(async () => {
    resumeRedis();
    for (const client of clients) client.close();
    const pids = nodes.map((node) => node.pid);
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    await waitForExit(redis?.pid === undefined ? pids : [...pids, redis.pid], 5000);
  }, 15000);

  it('keeps every node up, bounds pushAsync by requestTimeout, and pushes again once Redis answers', async () => {
    const [a, b] = clients;
    expect(a.owner).not.toBe(b.owner);
    await eventually(
      async () => (await a.call(`pushAsync ${b.fd} before`)).result === true,
      5000,
      'a cross-node push before the stall',
    );

    const pid = redis.pid;
    if (pid === undefined) throw new Error('redis-server is not running');
    process.kill(pid, 'SIGSTOP');
    redisStopped = true;
    const stoppedAt = Date.now();
    try {
      // A one-way push: handed over (or refused) at once, whatever Redis does.
      const push = await a.call(`push ${b.fd} during-stall`);
      expect(typeof push.result).toBe('boolean');
      expect(push.ms).toBeLessThan(REQUEST_TIMEOUT_MS);

      // A push that waits for the answer: false within about requestTimeout.
      const pushAsync = await a.call(`pushAsync ${b.fd} stalled`, 10000);
      expect(pushAsync.result).toBe(false);
      expect(pushAsync.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 1500);

      // Local work goes on meanwhile.
      expect((await a.call('echo still-here')).echo).toBe('still-here');

      // Past every request deadline: a rejection nobody handled would have ended a node.
      await delay(Math.max(0, stoppedAt + STALL_MS - Date.now()));
      expect(nodes.map((node) => node.exited)).toEqual([false, false]);
    } finally {
      resumeRedis();
    }

    await eventually(
      async () => (await a.call(`pushAsync ${b.fd} after`)).result === true,
      8000,
      'a cross-node push after the stall',
      200,
    );
    await waitUntil(() => b.count('after') >= 1, 3000, 'the push after the stall');
    expect((await b.call(`pushAsync ${a.fd} back`)).result).toBe(true);
    await waitUntil(() => a.count('back') === 1, 3000, 'the push back');
    expect(nodes.map((node) => node.exited)).toEqual([false, false]);
    expect(a.isOpen && b.isOpen).toBe(true);
  }, 20000);
});
