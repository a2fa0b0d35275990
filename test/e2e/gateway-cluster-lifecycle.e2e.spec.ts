/**
 * The server's lifecycle with a Redis cluster adapter and a real `redis-server`: a failed listen
 * leaves no Redis client behind and the same server can start again; shutdown returns within
 * its bound while Redis answers nothing (SIGSTOP).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { freePort } from './support/cluster-process.js';
import { Harness } from './support/harness.js';
import { RedisServerProcess } from './support/redis-server.js';
import { waitUntil } from './support/wait.js';

const harness = new Harness();
let redis: RedisServerProcess;
let inspector: Redis;
let stopped = false;

beforeAll(async () => {
  redis = new RedisServerProcess(await freePort());
  await redis.start();
  inspector = new Redis(redis.url, { lazyConnect: true });
  await inspector.connect();
});

afterEach(async () => {
  if (stopped && redis.pid !== undefined) process.kill(redis.pid, 'SIGCONT');
  stopped = false;
  await harness.cleanup();
});

afterAll(async () => {
  inspector.disconnect();
  await redis.stop();
});

/** Clients connected to Redis other than the inspector itself. */
async function otherClients(): Promise<number> {
  const list = (await inspector.call('CLIENT', 'LIST')) as string;
  return list.trim().split('\n').length - 1;
}

function redisServer(port: number): WsServer {
  const server = harness.track(
    new WsServer(
      {
        host: '127.0.0.1',
        port,
        cluster: { redis: { url: redis.url, heartbeatInterval: 100, requestTimeout: 500 } },
      },
      harness.logger,
    ),
  );
  server.on('message', (frame) => server.push(frame.fd, frame.data, frame.opcode));
  return server;
}

async function occupiedPort(): Promise<Server> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  return blocker;
}

describe('a Redis-backed server', () => {
  it('a failed listen leaves no Redis client running, and a retry starts', async () => {
    const blocker = await occupiedPort();
    const port = (blocker.address() as AddressInfo).port;
    const server = redisServer(port);
    await expect(server.start()).rejects.toThrow(/EADDRINUSE/);
    await waitUntil(async () => (await otherClients()) === 0, 3000, 'the Redis clients to go');
    await new Promise((resolve) => blocker.close(resolve));
    await server.start();
    expect(await otherClients()).toBeGreaterThan(0);
    await harness.expectServes(server);
    await server.shutdown(200);
    await waitUntil(async () => (await otherClients()) === 0, 3000, 'the Redis clients to go');
  });

  it('shutdown returns within its bound while Redis answers nothing', async () => {
    const server = redisServer(0);
    await server.start();
    await harness.expectServes(server);
    process.kill(redis.pid as number, 'SIGSTOP');
    stopped = true;
    const started = Date.now();
    await server.shutdown(300);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
