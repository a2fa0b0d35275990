import { afterEach, describe, expect, it } from '@jest/globals';
import type { WsServer } from '../../src/gateway/ws-server.service.js';
import { MAX_TOPICS_PER_CONNECTION } from '../../src/gateway/topic-registry.js';
import { SWOOLE_WEBSOCKET_FLAG_COMPRESS } from '../../src/protocol/frame-flag.constants.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import { Harness, type TestClient } from './support/harness.js';
import { delay, Inbox, waitUntil } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

/** A server (echo on messages) and a way to open clients and learn their fds. */
async function topicServer(settings: Record<string, unknown> = {}) {
  const opened = new Inbox<number>();
  const closed = new Inbox<number>();
  const server = await harness.server({ settings }, (s) => {
    s.on('open', (request) => opened.push(request.fd));
    s.on('close', closed.push);
  });
  const connect = async (options = {}): Promise<{ client: TestClient; fd: number }> => {
    const client = await harness.open(server, '/', [], options);
    return { client, fd: await opened.next() };
  };
  return { server, connect, closed };
}

/** After a marker pushed to each, what each client got before it (nothing else pending). */
async function receivedBeforeMarker(
  server: WsServer,
  clients: Array<{ client: TestClient; fd: number }>,
): Promise<string[][]> {
  for (const { fd } of clients) server.push(fd, 'marker');
  const all: string[][] = [];
  for (const { client } of clients) {
    const got: string[] = [];
    for (;;) {
      const message = await client.messages.next();
      if (message.text === 'marker') break;
      got.push(message.text);
    }
    all.push(got);
  }
  return all;
}

describe('topics in one process', () => {
  it('subscribe, isSubscribed, topics and unsubscribe', async () => {
    const { server, connect } = await topicServer();
    const { fd } = await connect();
    expect(server.isSubscribed(fd, 'room:1')).toBe(false);
    expect(server.subscribe(fd, 'room:1')).toBe(true);
    expect(server.subscribe(fd, 'room:1')).toBe(true);
    expect(server.subscribe(fd, 'room:2')).toBe(true);
    expect(server.isSubscribed(fd, 'room:1')).toBe(true);
    expect(server.topics(fd)).toEqual(['room:1', 'room:2']);
    expect(server.unsubscribe(fd, 'room:1')).toBe(true);
    expect(server.unsubscribe(fd, 'room:1')).toBe(false);
    expect(server.topics(fd)).toEqual(['room:2']);
    expect(await server.subscribersAsync('room:2')).toBe(1);
    expect(await server.subscribersAsync('room:1')).toBe(0);
  });

  it('publish reaches each subscriber once, not the others, and returns the count', async () => {
    const { server, connect } = await topicServer();
    const clients = [await connect(), await connect(), await connect()];
    server.subscribe(clients[0].fd, 'news');
    server.subscribe(clients[1].fd, 'news');
    server.subscribe(clients[1].fd, 'sport');
    expect(server.publish('news', 'headline')).toBe(2);
    expect(server.publish('sport', Buffer.from([1, 2]), WEBSOCKET_OPCODE_BINARY)).toBe(1);
    expect(server.publish('nobody', 'lost')).toBe(0);
    expect(await receivedBeforeMarker(server, clients)).toEqual([
      ['headline'],
      ['headline', '\u0001\u0002'],
      [],
    ]);
  });

  it('publish with except leaves that connection out', async () => {
    const { server, connect } = await topicServer();
    const clients = [await connect(), await connect()];
    for (const { fd } of clients) server.subscribe(fd, 'room');
    expect(
      server.publish('room', 'from 0', WEBSOCKET_OPCODE_TEXT, 1, { except: clients[0].fd }),
    ).toBe(1);
    expect(await receivedBeforeMarker(server, clients)).toEqual([[], ['from 0']]);
  });

  it("a connection's subscriptions end when it closes", async () => {
    const { server, connect, closed } = await topicServer();
    const first = await connect();
    const second = await connect();
    server.subscribe(first.fd, 'room');
    server.subscribe(second.fd, 'room');
    first.client.ws.close();
    expect(await closed.next()).toBe(first.fd);
    expect(await server.subscribersAsync('room')).toBe(1);
    expect(server.topics(first.fd)).toBe(false);
    expect(server.publish('room', 'still here')).toBe(1);
    expect((await second.client.messages.next()).text).toBe('still here');
  });

  it('bad arguments return false', async () => {
    const { server, connect } = await topicServer();
    const { fd } = await connect();
    for (const topic of ['', 42, null, undefined, 'x'.repeat(1025)]) {
      expect(server.subscribe(fd, topic as string)).toBe(false);
      expect(server.unsubscribe(fd, topic as string)).toBe(false);
      expect(server.isSubscribed(fd, topic as string)).toBe(false);
      expect(server.publish(topic as string, 'x')).toBe(false);
    }
    expect(server.subscribe(424242, 'room')).toBe(false);
    expect(server.topics(424242)).toBe(false);
    server.subscribe(fd, 'room');
    expect(server.publish('room', 'x'.repeat(126), 0x9)).toBe(false);
    expect(server.publish('room', Buffer.alloc(2), WEBSOCKET_OPCODE_CLOSE)).toBe(false);
    expect(server.publish('room', 'x', 3)).toBe(false);
    expect(server.publish('room', 42 as unknown as string)).toBe(false);
  });

  it('a connection that is not a WebSocket cannot subscribe', async () => {
    const requests = new Inbox<number>();
    const server = await harness.server({}, (s) =>
      s.on('request', (request, response) => {
        requests.push(request.fd);
        response.end('ok');
      }),
    );
    const raw = await harness.raw(server);
    raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await raw.readHttpResponse();
    expect(server.subscribe(await requests.next(), 'room')).toBe(false);
  });

  it(`a connection holds at most ${MAX_TOPICS_PER_CONNECTION} topics`, async () => {
    const { server, connect } = await topicServer();
    const { fd } = await connect();
    for (let i = 0; i < MAX_TOPICS_PER_CONNECTION; i++)
      expect(server.subscribe(fd, `t${i}`)).toBe(true);
    expect(server.subscribe(fd, 'one more')).toBe(false);
    expect(server.subscribe(fd, 't0')).toBe(true);
    expect(server.unsubscribe(fd, 't0')).toBe(true);
    expect(server.subscribe(fd, 'one more')).toBe(true);
  });

  it('a compressed publish is compressed once for peers without context takeover', async () => {
    const { server, connect } = await topicServer({
      websocket_compression: true,
      websocket_compression_server_no_context_takeover: true,
    });
    const options = { perMessageDeflate: { serverNoContextTakeover: true } };
    const clients = [await connect(options), await connect(options)];
    for (const { fd } of clients) server.subscribe(fd, 'room');
    const text = 'compressible '.repeat(500);
    const before = server.stats().bytes_out;
    expect(
      server.publish('room', text, WEBSOCKET_OPCODE_TEXT, 1 | SWOOLE_WEBSOCKET_FLAG_COMPRESS),
    ).toBe(2);
    for (const { client } of clients) expect((await client.messages.next()).text).toBe(text);
    await delay(20);
    expect(server.stats().bytes_out - before).toBeLessThan(text.length / 4);
  });

  it('publishing to 50 subscribers writes each one frame', async () => {
    const { server, connect } = await topicServer();
    const clients = await Promise.all(Array.from({ length: 50 }, () => connect()));
    for (const { fd } of clients) server.subscribe(fd, 'crowd');
    expect(server.publish('crowd', 'to all')).toBe(50);
    await waitUntil(() => clients.every(({ client }) => client.messages.size === 1));
    expect(server.stats().messages_out).toBe(50);
  });
});
