/**
 * What SwooleWsAdapter adds to platform-ws's behaviour: our engine's settings and limits, the
 * client's `fd`, `WsServer` injected in the same application (shared with `WsServerModule`),
 * the cluster over Redis, and the adapter's own checks.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { WebSocketGateway } from '@nestjs/websockets';
import { createServer } from 'node:net';
import { SwooleWsAdapter } from '../../src/adapter/swoole-ws.adapter.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { WsServerModule } from '../../src/module/ws-server.module.js';
import { AdapterApp, freePort, recordLogs } from '../adapter/fixtures/adapter-app.js';
import { createEngineGateway, Notifier } from '../adapter/fixtures/engine.gateway.js';
import { RedisServerProcess } from './support/redis-server.js';
import { waitUntil } from './support/wait.js';

const apps: AdapterApp[] = [];
async function start(
  ...args: Parameters<typeof AdapterApp.start> extends [unknown, ...infer R] ? R : never
) {
  const app = await AdapterApp.start('swoole', ...args);
  apps.push(app);
  return app;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('the client and the engine', () => {
  it('gives each client its WsServer fd: push, getClientInfo and broadcast reach it', async () => {
    const Gateway = createEngineGateway(0);
    const app = await start([Gateway]);
    const client = await app.open();
    client.emit('whoami');
    const fd = ((await client.json()) as { data: number }).data;
    const server = (app.adapter as SwooleWsAdapter).serverFor(0) as WsServer;
    expect(app.get(Gateway).server.wsServer).toBe(server);
    expect(app.get(Gateway).clients.get(fd)?.fd).toBe(fd);
    expect(server.push(fd, 'pushed by fd')).toBe(true);
    expect((await client.messages.next()).text).toBe('pushed by fd');
    const info = server.getClientInfo(fd);
    expect(info && info.remote_ip).toBe('127.0.0.1');
    client.emit('shout', 'to everyone');
    expect((await client.messages.next()).text).toBe('to everyone');
  });

  it('applies the settings: package_max_length closes with 1009, buffer_output_size refuses a larger reply', async () => {
    const logs = recordLogs();
    try {
      const app = await start([createEngineGateway(0)], {
        swoole: { settings: { package_max_length: 1024, buffer_output_size: 4096 } },
      });
      const client = await app.open();
      client.emit('big', 5000);
      client.emit('echo', 'after the refused reply');
      expect(await client.json()).toEqual({ event: 'echo', data: 'after the refused reply' });
      expect(logs.lines.some((line) => line.includes('not sent'))).toBe(true);
      client.emit('echo', 'y'.repeat(2000));
      expect((await client.waitClose()).code).toBe(1009);
    } finally {
      logs.restore();
    }
  });

  it('negotiates permessage-deflate with websocket_compression', async () => {
    const app = await start([createEngineGateway(0)], {
      swoole: { settings: { websocket_compression: true } },
    });
    const client = await app.open('/', app.port, [], { perMessageDeflate: true });
    expect(client.ws.extensions).toContain('permessage-deflate');
    client.emit('echo', 'z'.repeat(3000));
    expect(await client.json()).toEqual({ event: 'echo', data: 'z'.repeat(3000) });
  });

  it('closes idle connections with the heartbeat (1001)', async () => {
    const app = await start([createEngineGateway(0)], {
      swoole: { settings: { heartbeat_check_interval: 0.1, heartbeat_idle_time: 0.3 } },
    });
    const client = await app.open();
    expect((await client.waitClose(5000)).code).toBe(1001);
  });

  it('answers the configured websocket_subprotocol', async () => {
    const app = await start([createEngineGateway(0)], {
      swoole: { settings: { websocket_subprotocol: 'chat' } },
    });
    const client = await app.open('/', app.port, ['other', 'chat']);
    expect(client.ws.protocol).toBe('chat');
  });

  it('refuses connections over max_connection with 503', async () => {
    const port = await freePort();
    const app = await start([createEngineGateway(port)], {
      swoole: { settings: { max_connection: 1 } },
    });
    await app.open('/', port);
    expect((await app.failedHandshake('/', port)).status).toBe(503);
  });

  it('reports a gateway port that cannot be bound, and keeps serving the others', async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const logs = recordLogs();
    try {
      const app = await start([createEngineGateway(port), createEngineGateway(0)]);
      await waitUntil(
        () =>
          logs.lines.some((line) => line.includes(`port ${port}`) && line.includes('EADDRINUSE')),
        3000,
        'the listen error',
      );
      const client = await app.open();
      client.emit('echo', 'served');
      expect(await client.json()).toEqual({ event: 'echo', data: 'served' });
    } finally {
      logs.restore();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('WsServer injected in the same application', () => {
  it('serves the gateways on the application port through WsServerModule.forRoot({ attachToHttpServer })', async () => {
    const Gateway = createEngineGateway(0);
    const app = await start([Gateway], {
      metadata: {
        imports: [
          WsServerModule.forRoot({
            attachToHttpServer: true,
            settings: { open_websocket_close_frame: true, open_websocket_pong_frame: true },
          }),
        ],
        providers: [Notifier],
      },
    });
    const notifier = app.get(Notifier);
    expect(app.get(Gateway).server.wsServer).toBe(notifier.server);
    const client = await app.open();
    client.emit('whoami');
    const fd = ((await client.json()) as { data: number }).data;
    expect(notifier.notify(fd, 'from a provider')).toBe(true);
    expect((await client.messages.next()).text).toBe('from a provider');
    expect([...notifier.server.connections]).toContain(fd);
    await app.close();
    expect((await client.waitClose()).code).toBe(1001);
  });

  it("serves a gateway on WsServerModule's port through its server, with its settings", async () => {
    const port = await freePort();
    const Gateway = createEngineGateway(port);
    const app = await start([Gateway], {
      metadata: {
        imports: [
          WsServerModule.forRoot({
            host: '127.0.0.1',
            port,
            settings: {
              package_max_length: 512,
              open_websocket_close_frame: true,
              open_websocket_pong_frame: true,
            },
          }),
        ],
        providers: [Notifier],
      },
    });
    const notifier = app.get(Notifier);
    expect(app.get(Gateway).server.wsServer).toBe(notifier.server);
    const client = await app.open('/', port);
    client.emit('whoami');
    const fd = ((await client.json()) as { data: number }).data;
    expect(notifier.notify(fd, 'hello')).toBe(true);
    expect((await client.messages.next()).text).toBe('hello');
    client.ws.close(4100, 'leaving');
    await waitUntil(() => !notifier.server.exist(fd), 3000, 'the connection to close');
    const second = await app.open('/', port);
    second.emit('echo', 'w'.repeat(600));
    expect((await second.waitClose()).code).toBe(1009);
  });

  it('warns when the shared server does not deliver close and pong frames', async () => {
    const logs = recordLogs();
    try {
      await start([createEngineGateway(0)], {
        metadata: { imports: [WsServerModule.forRoot({ attachToHttpServer: true })] },
      });
    } finally {
      logs.restore();
    }
    expect(logs.lines.some((line) => line.includes('open_websocket_close_frame'))).toBe(true);
  });
});

describe('checks', () => {
  it('validates its options like the module, naming the bad one', async () => {
    const app = await start([]);
    const make = (options: unknown) => () =>
      new SwooleWsAdapter(app.app, options as ConstructorParameters<typeof SwooleWsAdapter>[1]);
    expect(make({ settings: { max_connection: 'many' } })).toThrow(
      /SwooleWsAdapter: invalid options: .*settings\.max_connection must be an integer number/,
    );
    expect(make({ settings: { no_such_setting: 1 } })).toThrow(
      /unknown option "settings\.no_such_setting"/,
    );
    expect(make({ port: 8080 })).toThrow(/unknown option "port"/);
    expect(make({ messageParser: 'json' })).toThrow(/messageParser must be a function/);
    expect(make('options')).toThrow(/options must be an object/);
    expect(
      make({ settings: { heartbeat_check_interval: 30 }, shutdownTimeout: 500 }),
    ).not.toThrow();
  });

  it('refuses namespaces, which are socket.io', async () => {
    @WebSocketGateway({ namespace: 'chat' })
    class NamespacedGateway {}
    await expect(start([NamespacedGateway], { abortOnError: false })).rejects.toThrow(
      /does not support namespaces/,
    );
  });

  it('warns about ws options it does not apply', async () => {
    const logs = recordLogs();
    try {
      await start([createEngineGateway(0, { perMessageDeflate: true, cors: true })]);
    } finally {
      logs.restore();
    }
    expect(logs.lines.filter((line) => line.includes('perMessageDeflate'))).toHaveLength(1);
    expect(logs.lines.some((line) => line.includes('cors'))).toBe(false);
  });
});

describe('cluster over Redis', () => {
  let redis: RedisServerProcess;

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it("pushes and broadcasts to another node's gateway connections", async () => {
    const cluster = {
      redis: { url: redis.url, prefix: `adapter-${process.pid}`, heartbeatInterval: 100 },
    };
    const first = await start([createEngineGateway(0)], { swoole: { cluster } });
    const second = await start([createEngineGateway(0)], { swoole: { cluster } });
    const a = await first.open();
    const b = await second.open();
    a.emit('whoami');
    const fdOfA = ((await a.json()) as { data: number }).data;
    b.emit('whoami');
    const fdOfB = ((await b.json()) as { data: number }).data;
    expect(fdOfA).not.toBe(fdOfB);
    // The nodes know each other after a heartbeat or two: retry until the push is handed over.
    let relayed = false;
    const deadline = Date.now() + 5000;
    while (!relayed && Date.now() < deadline) {
      b.emit('relay', { to: fdOfA, text: 'across nodes' });
      relayed = ((await b.json()) as { data: boolean }).data;
      if (!relayed) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(relayed).toBe(true);
    expect((await a.messages.next()).text).toBe('across nodes');
    b.emit('shout', 'everyone, everywhere');
    expect((await a.messages.next()).text).toBe('everyone, everywhere');
    expect((await b.messages.next()).text).toBe('everyone, everywhere');
  }, 15000);
});
