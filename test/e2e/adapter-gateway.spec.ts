/**
 * The same `@nestjs/websockets` gateways on platform-ws's `WsAdapter` and on `SwooleWsAdapter`,
 * with `ws` clients: every case runs on both, so a difference in behaviour fails here. The
 * known differences (README, "Coming from @nestjs/platform-ws") are explicit per-adapter
 * expectations, through `expected(...)`.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  ADAPTERS,
  type AdapterKind,
  AdapterApp,
  freePort,
  NEST_MAJOR,
  recordLogs,
} from '../adapter/fixtures/adapter-app.js';
import { createChatGateway, createNamedGateway } from '../adapter/fixtures/chat.gateway.js';
import { waitUntil } from './support/wait.js';

/** A documented difference: what each adapter does. */
function expected<T>(kind: AdapterKind, values: Record<AdapterKind, T>): T {
  return values[kind];
}

describe.each(ADAPTERS)('gateways on %s', (kind) => {
  const apps: AdapterApp[] = [];
  const start = async (
    ...args: Parameters<typeof AdapterApp.start> extends [unknown, ...infer R] ? R : never
  ) => {
    const app = await AdapterApp.start(kind, ...args);
    apps.push(app);
    return app;
  };

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  describe('messages and replies', () => {
    const Gateway = createChatGateway(0);

    it('answers { event, data } with the { event, data } a handler returns', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('echo', { text: 'hi', n: 1 });
      expect(await client.json()).toEqual({ event: 'echo', data: { text: 'hi', n: 1 } });
    });

    it('sends a plain returned value as JSON, and nothing for undefined', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('nothing');
      client.emit('plain', 'just a string');
      client.emit('plain', 42);
      expect(await client.json()).toBe('just a string');
      expect(await client.json()).toBe(42);
      expect(await client.silentFor(100)).toBe(true);
    });

    it('awaits a Promise and sends every value of an Observable, in order', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('promise', 'later');
      expect(await client.json()).toEqual({ event: 'promise', data: 'later' });
      client.emit('stream', 3);
      expect(await client.json()).toEqual({ event: 'stream', data: 0 });
      expect(await client.json()).toEqual({ event: 'stream', data: 1 });
      expect(await client.json()).toEqual({ event: 'stream', data: 2 });
    });

    it('routes a binary message holding JSON like a text one', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.ws.send(Buffer.from(JSON.stringify({ event: 'echo', data: 'from binary' })));
      expect(await client.json()).toEqual({ event: 'echo', data: 'from binary' });
    });

    it('drops invalid JSON and unknown events without an answer, and keeps the connection', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.ws.send('not json');
      client.ws.send(JSON.stringify({ event: 'no-such-event', data: 1 }));
      client.ws.send(JSON.stringify([1, 2]));
      client.ws.send('null');
      client.emit('echo', 'still here');
      expect(await client.json()).toEqual({ event: 'echo', data: 'still here' });
      expect(await client.silentFor(50)).toBe(true);
    });

    it("hands every message to the client's own 'message' listeners as (Buffer, isBinary)", async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('echo', 'x');
      client.ws.send(Buffer.from([1, 2, 3]));
      await client.json();
      const log = app.get(Gateway).log;
      await waitUntil(() => log.raw.length === 2, 3000, 'both raw messages');
      expect(log.raw[0]).toEqual({
        text: JSON.stringify({ event: 'echo', data: 'x' }),
        isBinary: false,
        isBuffer: true,
      });
      expect(log.raw[1]).toEqual({ text: '\u0001\u0002\u0003', isBinary: true, isBuffer: true });
    });

    it('lets handlers use the client: send (text, binary, with a callback), ping and its pong', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('direct', 'via client.send');
      expect(await client.json()).toEqual({ event: 'direct', data: 'via client.send' });
      client.emit('send-binary', 'bytes');
      const binary = await client.messages.next();
      expect(binary.isBinary).toBe(true);
      expect(binary.text).toBe('bytes');
      client.emit('send-callback');
      expect((await client.messages.next()).text).toBe('first');
      expect(await client.json()).toEqual({ event: 'sent', data: true });
      client.emit('ping', 'are you there');
      expect(await client.json()).toEqual({ event: 'pong', data: 'are you there' });
    });

    it("reports the client's state as ws does", async () => {
      const app = await start([Gateway]);
      const client = await app.open('/', app.port, ['chat', 'other']);
      client.emit('state');
      expect(await client.json()).toEqual({
        event: 'state',
        data: {
          readyState: 1,
          constants: [0, 1, 2, 3],
          staticConstants: [0, 1, 2, 3],
          bufferedAmount: 0,
          protocol: 'chat',
        },
      });
      expect(client.ws.protocol).toBe('chat');
    });

    it('broadcasts through the @WebSocketServer() clients set', async () => {
      const app = await start([Gateway]);
      const first = await app.open();
      const second = await app.open();
      first.emit('broadcast', 'to all');
      expect(await first.json()).toEqual({ event: 'broadcast', data: 'to all' });
      expect(await second.json()).toEqual({ event: 'broadcast', data: 'to all' });
      expect(app.get(Gateway).log.serverHasClients).toBe(true);
      expect(app.get(Gateway).log.initialized).toBe(1);
    });
  });

  describe('guards, pipes, interceptors, filters and WsException', () => {
    const Gateway = createChatGateway(0);

    /** BaseWsExceptionFilter's answer: sent on Nest 12; on 11 it only emits on the client object. */
    async function expectException(
      client: Awaited<ReturnType<AdapterApp['open']>>,
      data: unknown,
    ): Promise<void> {
      if (NEST_MAJOR >= 12) {
        expect(await client.json()).toEqual({ event: 'exception', data });
      } else {
        client.emit('echo', 'after the exception');
        expect(await client.json()).toEqual({ event: 'echo', data: 'after the exception' });
      }
    }

    it("answers a WsException with BaseWsExceptionFilter's { status: 'error', message }", async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('fail-ws', { some: 'input' });
      await expectException(client, {
        status: 'error',
        message: 'not allowed',
        cause: { pattern: 'fail-ws', data: { some: 'input' } },
      });
      client.emit('fail-ws-object');
      await expectException(client, { code: 42, why: 'object error' });
    });

    it('answers an unknown error with "Internal server error" and keeps the connection', async () => {
      const logs = recordLogs();
      try {
        const app = await start([Gateway]);
        const client = await app.open();
        client.emit('fail-unknown', 1);
        await expectException(client, {
          status: 'error',
          message: 'Internal server error',
          cause: { pattern: 'fail-unknown', data: 1 },
        });
        client.emit('echo', 'alive');
        expect(await client.json()).toEqual({ event: 'echo', data: 'alive' });
      } finally {
        logs.restore();
      }
      expect(logs.lines.some((line) => line.includes('boom'))).toBe(true);
    });

    it('refuses a message a guard denies (Forbidden resource)', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('guarded', 'x');
      await expectException(client, {
        status: 'error',
        message: 'Forbidden resource',
        cause: { pattern: 'guarded', data: 'x' },
      });
    });

    it('validates with ValidationPipe and a DTO', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('score', { name: 'ada', points: 3 });
      expect(await client.json()).toEqual({ event: 'score', data: 'ada:3:true' });
      client.emit('score', { name: 'ada', points: -1 });
      // An array is an object: the filter sends it as the whole `data`.
      await expectException(client, ['points must not be less than 0']);
    });

    it("gives interceptors the execution context: getType() 'ws' and getPattern()", async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('intercepted', { a: 1 });
      expect(await client.json()).toEqual({
        event: 'intercepted',
        data: { pattern: 'intercepted', type: 'ws', data: { a: 1 }, result: { a: 1 } },
      });
    });

    it('runs exception filters, which can answer through the client', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('filtered');
      expect(await client.json()).toEqual({ event: 'filtered', data: 'handled by the filter' });
    });
  });

  describe('message parser', () => {
    const Gateway = createChatGateway(0);
    /** `[event, data]` arrays instead of objects. */
    const arrayParser = (data: { toString(): string }) => {
      const [event, payload] = JSON.parse(data.toString()) as [string, unknown];
      return { event, data: payload };
    };

    it("takes the constructor's messageParser", async () => {
      const app = await start([Gateway], { messageParser: arrayParser });
      const client = await app.open();
      client.ws.send(JSON.stringify(['echo', 'array form']));
      expect(await client.json()).toEqual({ event: 'echo', data: 'array form' });
    });

    it('takes setMessageParser(), for connections already open too', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      app.adapter.setMessageParser(arrayParser);
      client.ws.send(JSON.stringify(['echo', 'switched']));
      expect(await client.json()).toEqual({ event: 'echo', data: 'switched' });
    });
  });

  describe('connection and disconnection', () => {
    const Gateway = createChatGateway(0);

    it('calls handleConnection with the upgrade request (url, method, headers, socket)', async () => {
      const app = await start([Gateway]);
      await app.open('/?token=abc', app.port, [], { headers: { 'x-custom': 'hello' } });
      expect(app.get(Gateway).log.requests).toEqual([
        { url: '/?token=abc', method: 'GET', custom: 'hello', remoteAddress: '127.0.0.1' },
      ]);
    });

    it("calls handleDisconnect and the client's close listeners with the peer's code", async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.ws.close(4000, 'bye');
      const log = app.get(Gateway).log;
      await waitUntil(() => log.disconnects.length === 1, 3000, 'handleDisconnect');
      // Nest 12 passes the close event's first argument (the code) as the "reason".
      expect(log.disconnects[0]).toEqual(NEST_MAJOR >= 12 ? [4000] : []);
      await waitUntil(() => log.closes.length === 1, 3000, 'the close listener');
      expect(log.closes[0]).toEqual({ code: 4000, reason: 'bye' });
      // Both echo the client's code and reason.
      expect(await client.waitClose()).toEqual({ code: 4000, reason: 'bye' });
    });

    it('closes from a handler with a code and reason', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('close', { code: 4001, reason: 'done' });
      expect(await client.waitClose()).toEqual({ code: 4001, reason: 'done' });
      const log = app.get(Gateway).log;
      await waitUntil(() => log.closes.length === 1, 3000, 'the close listener');
      expect(log.closes[0]).toEqual({ code: 4001, reason: 'done' });
    });

    it('closes without a code: ws sends an empty close frame, ours 1000 (documented)', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('close', {});
      const close = await client.waitClose();
      expect(close.code).toBe(expected(kind, { 'platform-ws': 1005, swoole: 1000 }));
    });

    it('terminates: the client sees 1006 and the gateway its disconnect', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      client.emit('terminate');
      expect((await client.waitClose()).code).toBe(1006);
      const log = app.get(Gateway).log;
      await waitUntil(() => log.disconnects.length === 1, 3000, 'handleDisconnect');
      expect(log.closes[0]?.code).toBe(1006);
    });

    it('app.close() closes every connection: platform-ws drops them (1006), ours sends 1001 (documented)', async () => {
      const app = await start([Gateway]);
      const client = await app.open();
      await app.close();
      const close = await client.waitClose();
      expect(close.code).toBe(expected(kind, { 'platform-ws': 1006, swoole: 1001 }));
      expect(app.get(Gateway).log.disconnects).toHaveLength(1);
    });
  });

  describe('where gateways listen', () => {
    it('serves a gateway without a path on the application port at / only', async () => {
      const app = await start([createNamedGateway('root', 0)]);
      const client = await app.open('/');
      client.emit('who');
      expect(await client.json()).toEqual({ event: 'who', data: 'root' });
      // Documented: platform-ws destroys the socket of an upgrade no gateway serves; ours says 404.
      const failure = await app.failedHandshake('/elsewhere');
      expect(failure.status).toBe(expected(kind, { 'platform-ws': undefined, swoole: 404 }));
    });

    it('serves a gateway on a path of the application port', async () => {
      const app = await start([createNamedGateway('ws-path', 0, { path: '/ws' })]);
      const client = await app.open('/ws?x=1');
      client.emit('who');
      expect(await client.json()).toEqual({ event: 'who', data: 'ws-path' });
      const failure = await app.failedHandshake('/');
      expect(failure.status).toBe(expected(kind, { 'platform-ws': undefined, swoole: 404 }));
    });

    it('serves several gateways on different paths of the application port', async () => {
      const app = await start([
        createNamedGateway('alpha', 0, { path: '/alpha' }),
        createNamedGateway('beta', 0, { path: '/beta' }),
      ]);
      const alpha = await app.open('/alpha');
      const beta = await app.open('/beta');
      const beta2 = await app.open('/beta');
      alpha.emit('who');
      beta.emit('who');
      expect(await alpha.json()).toEqual({ event: 'who', data: 'alpha' });
      expect(await beta.json()).toEqual({ event: 'who', data: 'beta' });
      // Each path has its own server object, with its own clients.
      alpha.emit('count');
      beta2.emit('count');
      expect(await alpha.json()).toEqual({ event: 'count', data: 1 });
      expect(await beta2.json()).toEqual({ event: 'count', data: 2 });
    });

    it('serves a gateway on a port of its own, on any path', async () => {
      const port = await freePort();
      const app = await start([createNamedGateway('own', port)]);
      for (const path of ['/', '/any/path']) {
        const client = await app.open(path, port);
        client.emit('who');
        expect(await client.json()).toEqual({ event: 'who', data: 'own' });
      }
    });

    it('serves several gateways on different paths of their own port', async () => {
      const port = await freePort();
      const app = await start([
        createNamedGateway('one', port, { path: '/one' }),
        createNamedGateway('two', port, { path: '/two' }),
      ]);
      const one = await app.open('/one', port);
      const two = await app.open('/two', port);
      one.emit('who');
      two.emit('who');
      expect(await one.json()).toEqual({ event: 'who', data: 'one' });
      expect(await two.json()).toEqual({ event: 'who', data: 'two' });
      const failure = await app.failedHandshake('/three', port);
      expect(failure.status).toBe(expected(kind, { 'platform-ws': undefined, swoole: 404 }));
    });

    it('serves gateways on different ports with the same path', async () => {
      const [first, second] = [await freePort(), await freePort()];
      const app = await start([
        createNamedGateway('first', first, { path: '/ws' }),
        createNamedGateway('second', second, { path: '/ws' }),
      ]);
      const a = await app.open('/ws', first);
      const b = await app.open('/ws', second);
      a.emit('who');
      b.emit('who');
      expect(await a.json()).toEqual({ event: 'who', data: 'first' });
      expect(await b.json()).toEqual({ event: 'who', data: 'second' });
    });

    it('closes gateways on their own ports with app.close()', async () => {
      const port = await freePort();
      const Gateway = createChatGateway(port, { path: '/ws' });
      const app = await start([Gateway]);
      const client = await app.open('/ws', port);
      await app.close();
      const close = await client.waitClose();
      expect(close.code).toBe(expected(kind, { 'platform-ws': 1006, swoole: 1001 }));
      const failure = await app.failedHandshake('/ws', port);
      expect(failure.error).toMatch(/ECONNREFUSED/);
    });
  });
});
