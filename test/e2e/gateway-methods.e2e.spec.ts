import { afterEach, describe, expect, it } from '@jest/globals';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { CloseFrame, Frame } from '../../src/protocol/frame.js';
import { SWOOLE_WEBSOCKET_FLAG_FIN } from '../../src/protocol/frame-flag.constants.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import {
  WEBSOCKET_STATUS_ACTIVE,
  WEBSOCKET_STATUS_CONNECTION,
} from '../../src/protocol/websocket-status.constants.js';
import { Harness, type TestClient } from './support/harness.js';
import { delay, Inbox, waitUntil } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

/** An echo server that also records open fds, request fds and closes. */
async function trackingServer(options: ConstructorParameters<typeof WsServer>[0] = {}) {
  const opened = new Inbox<number>();
  const closed = new Inbox<number>();
  const requests = new Inbox<number>();
  const server = await harness.server(options, (s) => {
    s.on('open', (request) => opened.push(request.fd));
    s.on('close', closed.push);
    s.on('request', (request, response) => {
      requests.push(request.fd);
      response.end('plain');
    });
  });
  const connect = async (): Promise<{ client: TestClient; fd: number }> => {
    const client = await harness.open(server);
    return { client, fd: await opened.next() };
  };
  return { server, opened, closed, requests, connect };
}

/** A plain HTTP keep-alive connection: the raw client and its fd. */
async function keepAlive(
  context: Awaited<ReturnType<typeof trackingServer>>,
): Promise<{ fd: number; close: () => void }> {
  const raw = await harness.raw(context.server);
  raw.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
  expect((await raw.readHttpResponse()).status).toBe(200);
  return { fd: await context.requests.next(), close: () => raw.destroy() };
}

describe('push', () => {
  it('returns true and delivers text and binary', async () => {
    const { server, connect } = await trackingServer();
    const { client, fd } = await connect();
    expect(server.push(fd, 'hello')).toBe(true);
    expect(server.push(fd, Buffer.from([9, 8, 7]), WEBSOCKET_OPCODE_BINARY)).toBe(true);
    const text = await client.messages.next();
    expect(text).toMatchObject({ text: 'hello', isBinary: false });
    const binary = await client.messages.next();
    expect(binary.isBinary).toBe(true);
    expect(binary.data).toEqual(Buffer.from([9, 8, 7]));
  });

  it('returns false for an unknown fd, a plain HTTP fd, a bad opcode or too much data', async () => {
    const context = await trackingServer({ settings: { buffer_output_size: 1024 } });
    const { server } = context;
    const { client, fd } = await context.connect();
    const http = await keepAlive(context);
    expect(server.push(999_999, 'x')).toBe(false);
    expect(server.push(http.fd, 'x')).toBe(false);
    expect(server.push(fd, 'x', 3)).toBe(false);
    expect(server.push(fd, 'x', 99)).toBe(false);
    expect(server.push(fd, 'x', WEBSOCKET_OPCODE_CLOSE)).toBe(false);
    expect(server.push(fd, 'x'.repeat(126), WEBSOCKET_OPCODE_PING)).toBe(false);
    expect(server.push(fd, Buffer.alloc(2000))).toBe(false);
    // None of those reached the client; a good push still does.
    expect(server.push(fd, 'ok')).toBe(true);
    expect((await client.messages.next()).text).toBe('ok');
    await delay(30);
    expect(client.messages.size).toBe(1);
    expect(client.pings.size).toBe(0);
  });

  it('pushes a Frame with its own opcode', async () => {
    const { server, connect } = await trackingServer();
    const { client, fd } = await connect();
    const binary = new Frame();
    binary.opcode = WEBSOCKET_OPCODE_BINARY;
    binary.data = Buffer.from('raw bytes');
    expect(server.push(fd, binary, WEBSOCKET_OPCODE_TEXT)).toBe(true);
    const message = await client.messages.next();
    expect(message.isBinary).toBe(true);
    expect(message.text).toBe('raw bytes');
    const ping = new Frame();
    ping.opcode = WEBSOCKET_OPCODE_PING;
    ping.data = 'hb';
    expect(server.push(fd, ping)).toBe(true);
    expect((await client.pings.next()).toString()).toBe('hb');
  });

  it('pushing a CloseFrame closes with its code and reason', async () => {
    const { server, connect } = await trackingServer();
    const { client, fd } = await connect();
    const frame = new CloseFrame();
    frame.code = 4100;
    frame.reason = 'frame close';
    expect(server.push(fd, frame)).toBe(true);
    expect(await client.waitClose()).toEqual({ code: 4100, reason: 'frame close' });
  });
});

describe('disconnect', () => {
  it('closes with 1000 by default, or with the given code and reason', async () => {
    const { server, connect, closed } = await trackingServer();
    const first = await connect();
    expect(server.disconnect(first.fd)).toBe(true);
    expect((await first.client.waitClose()).code).toBe(1000);
    expect(await closed.next()).toBe(first.fd);
    const second = await connect();
    expect(server.disconnect(second.fd, 4000, 'bye')).toBe(true);
    expect(await second.client.waitClose()).toEqual({ code: 4000, reason: 'bye' });
    await harness.expectServes(server);
  });

  it('returns false for codes other than 1000 and 4000-4999, a long reason, or an unknown fd', async () => {
    const { server, connect } = await trackingServer();
    const { client, fd } = await connect();
    expect(server.disconnect(fd, 1001)).toBe(false);
    expect(server.disconnect(fd, 3000)).toBe(false);
    expect(server.disconnect(fd, 5000)).toBe(false);
    expect(server.disconnect(fd, 4000, 'r'.repeat(126))).toBe(false);
    expect(server.disconnect(424242)).toBe(false);
    expect(server.isEstablished(fd)).toBe(true);
    await client.roundTrip();
    expect(server.disconnect(fd, 4999, 'r'.repeat(123))).toBe(true);
    expect((await client.waitClose()).code).toBe(4999);
  });
});

describe('exist, isEstablished, getClientInfo, connections', () => {
  it('tells a plain HTTP keep-alive connection from a WebSocket, and both from a closed one', async () => {
    const context = await trackingServer();
    const { server, closed } = context;
    const http = await keepAlive(context);
    expect(server.exist(http.fd)).toBe(true);
    expect(server.isEstablished(http.fd)).toBe(false);
    const httpInfo = server.getClientInfo(http.fd);
    expect(httpInfo && httpInfo.websocket_status).toBe(WEBSOCKET_STATUS_CONNECTION);

    const { client, fd } = await context.connect();
    expect(server.exist(fd)).toBe(true);
    expect(server.isEstablished(fd)).toBe(true);
    const wsInfo = server.getClientInfo(fd);
    expect(wsInfo && wsInfo.websocket_status).toBe(WEBSOCKET_STATUS_ACTIVE);

    expect([...server.connections].sort((a, b) => a - b)).toEqual([http.fd, fd]);

    client.ws.close();
    await closed.next();
    expect(server.exist(fd)).toBe(false);
    expect(server.isEstablished(fd)).toBe(false);
    expect(server.getClientInfo(fd)).toBe(false);
    http.close();
    await waitUntil(() => !server.exist(http.fd));
    expect(server.isEstablished(http.fd)).toBe(false);
    expect([...server.connections]).toEqual([]);
  });

  it('getClientInfo reports addresses, ports and times; connection_info is its alias', async () => {
    const context = await trackingServer();
    const { server } = context;
    const before = Math.floor(Date.now() / 1000);
    const raw = await harness.rawWebSocket(server);
    const fd = await context.opened.next();
    const after = Math.ceil(Date.now() / 1000);
    const info = server.getClientInfo(fd);
    if (info === false) throw new Error('no client info');
    expect(info.websocket_status).toBe(WEBSOCKET_STATUS_ACTIVE);
    expect(info.remote_ip).toBe('127.0.0.1');
    expect(info.remote_port).toBe(raw.socket.localPort);
    expect(info.server_port).toBe(server.port);
    expect(info.connect_time).toBeGreaterThanOrEqual(before);
    expect(info.connect_time).toBeLessThanOrEqual(after);
    expect(server.connection_info(fd)).toEqual(info);
    expect(server.getClientInfo(123456)).toBe(false);
    expect(server.connection_info(123456)).toBe(false);
  });

  it('connections iterates the live fds', async () => {
    const { server, connect, closed } = await trackingServer();
    const a = await connect();
    const b = await connect();
    const c = await connect();
    expect([...server.connections].sort((x, y) => x - y)).toEqual([a.fd, b.fd, c.fd]);
    b.client.ws.close();
    await closed.next();
    expect([...server.connections].sort((x, y) => x - y)).toEqual([a.fd, c.fd]);
  });
});

describe('send and close', () => {
  it('send writes raw bytes: a hand-made frame arrives as a message', async () => {
    const { server, connect } = await trackingServer();
    const { client, fd } = await connect();
    expect(server.send(fd, Buffer.from([0x81, 0x02, 0x68, 0x69]))).toBe(true);
    expect((await client.messages.next()).text).toBe('hi');
    expect(server.send(777_777, 'x')).toBe(false);
  });

  it('close ends the TCP connection without a close frame', async () => {
    const { server, connect, closed } = await trackingServer();
    const { client, fd } = await connect();
    expect(server.close(fd)).toBe(true);
    expect((await client.waitClose()).code).toBe(1006);
    expect(await closed.next()).toBe(fd);
    expect(server.exist(fd)).toBe(false);
    expect(server.close(fd)).toBe(false);
    await harness.expectServes(server);
  });
});

describe('stats', () => {
  it('counts accepts, closes, messages and bytes', async () => {
    const { server, connect, closed } = await trackingServer();
    const start = server.stats();
    expect(start).toMatchObject({
      connection_num: 0,
      accept_count: 0,
      close_count: 0,
      messages_in: 0,
      messages_out: 0,
    });
    const { client } = await connect();
    await client.roundTrip();
    await client.roundTrip();
    const open = server.stats();
    expect(open).toMatchObject({
      connection_num: 1,
      websocket_connection_num: 1,
      accept_count: 1,
      close_count: 0,
      messages_in: 2,
      messages_out: 2,
    });
    expect(open.bytes_in).toBeGreaterThan(0);
    expect(open.bytes_out).toBeGreaterThan(0);
    client.ws.close();
    await closed.next();
    const end = server.stats();
    expect(end).toMatchObject({
      connection_num: 0,
      websocket_connection_num: 0,
      accept_count: 1,
      close_count: 1,
    });
    expect(end.bytes_in).toBeGreaterThan(open.bytes_in);
  });
});

describe('defer', () => {
  it('runs the callback later, not synchronously', async () => {
    const server = await harness.server();
    const order: string[] = [];
    server.defer(() => order.push('deferred'));
    order.push('sync');
    expect(order).toEqual(['sync']);
    await waitUntil(() => order.length === 2);
    expect(order).toEqual(['sync', 'deferred']);
  });

  it('a throwing deferred callback is logged', async () => {
    const server = await harness.server();
    server.defer(() => {
      throw new Error('deferred boom');
    });
    await waitUntil(() => harness.log.length > 0);
    expect(harness.log[0].message).toContain('defer');
  });
});

describe('broadcast', () => {
  it('delivers once to each of 3 clients and returns 3; a filter is respected', async () => {
    const { server, connect } = await trackingServer();
    const clients = [await connect(), await connect(), await connect()];
    expect(server.broadcast('all')).toBe(3);
    for (const { client } of clients) expect((await client.messages.next()).text).toBe('all');
    const skipped = clients[1].fd;
    expect(
      server.broadcast(
        'some',
        WEBSOCKET_OPCODE_TEXT,
        SWOOLE_WEBSOCKET_FLAG_FIN,
        (fd) => fd !== skipped,
      ),
    ).toBe(2);
    // A marker pushed to each shows what came before it: no duplicate, no filtered message.
    for (const { fd } of clients) server.push(fd, 'marker');
    expect((await clients[0].client.messages.next()).text).toBe('some');
    expect((await clients[0].client.messages.next()).text).toBe('marker');
    expect((await clients[1].client.messages.next()).text).toBe('marker');
    expect((await clients[2].client.messages.next()).text).toBe('some');
    expect((await clients[2].client.messages.next()).text).toBe('marker');
    await delay(30);
    expect(clients.map(({ client }) => client.messages.size)).toEqual([3, 2, 3]);
  });
});

describe('pack and unpack', () => {
  it('round-trip text, binary and close frames', () => {
    const text = WsServer.unpack(WsServer.pack('hello') as Buffer);
    expect(text).not.toBe(false);
    expect(text && text.opcode).toBe(WEBSOCKET_OPCODE_TEXT);
    expect(text && text.data).toBe('hello');
    expect(text && text.finish).toBe(true);
    const binary = WsServer.unpack(
      WsServer.pack(Buffer.from([1, 2, 3]), WEBSOCKET_OPCODE_BINARY, 0) as Buffer,
    );
    expect(binary && binary.opcode).toBe(WEBSOCKET_OPCODE_BINARY);
    expect(binary && binary.data).toEqual(Buffer.from([1, 2, 3]));
    expect(binary && binary.finish).toBe(false);
    const close = new CloseFrame();
    close.code = 4321;
    close.reason = 'why';
    const unpacked = WsServer.unpack(WsServer.pack(close) as Buffer);
    expect(unpacked).toBeInstanceOf(CloseFrame);
    expect((unpacked as CloseFrame).code).toBe(4321);
    expect((unpacked as CloseFrame).reason).toBe('why');
    expect(WsServer.unpack(Buffer.from([0x81]))).toBe(false);
  });

  it('refuse what would be an invalid frame, as push does', () => {
    expect(WsServer.pack('x'.repeat(126), WEBSOCKET_OPCODE_PING)).toBe(false);
    expect(WsServer.pack('x', 3)).toBe(false);
    const close = new CloseFrame();
    close.reason = 'r'.repeat(124);
    expect(WsServer.pack(close)).toBe(false);
  });
});
