/**
 * The sample app's chat rooms (`/chat?room=...`, rooms as topics) with `ws` clients: in one
 * process, across 2 workers (`WORKERS=2`) and across 2 nodes sharing a real `redis-server`
 * (`REDIS_URL`), the last two as the built app in child processes.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { AppModule } from '../../sample-app/app.module.js';
import { WsServer } from '../../src/index.js';
import {
  childPidsOf,
  eventually,
  type FixtureProcess,
  freePort,
  killIfAlive,
  startFixture,
  waitForExit,
} from './support/cluster-process.js';
import { RedisServerProcess } from './support/redis-server.js';
import { waitUntil, withTimeout } from './support/wait.js';

/** The built sample app (`npm run build:app`). */
const SAMPLE_MAIN = resolve('build/sample-app/main.js');

/** An event the chat sends: `welcome`, `joined`, `chat`, `left`, `stats` or `error`. */
interface ChatEvent {
  event: string;
  fd?: number;
  room?: string;
  members?: number;
  name?: string;
  text?: string;
  owner?: string;
  connections?: number;
  messagesInPerSecond?: number;
  messagesOutPerSecond?: number;
}

/** A member of a room, joined once its `welcome` arrived. */
class ChatClient {
  readonly events: ChatEvent[] = [];
  fd = 0;
  /** The worker or node that holds the connection (the fd's high bits). */
  owner = 0;
  /** The room's member count in the `welcome`. */
  members = 0;

  private constructor(
    readonly ws: WebSocket,
    readonly room: string,
  ) {
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => this.events.push(JSON.parse(data.toString('utf8'))));
  }

  static async join(port: number, room?: string, stats = false): Promise<ChatClient> {
    const query = new URLSearchParams();
    if (room !== undefined) query.set('room', room);
    if (stats) query.set('stats', '1');
    const client = new ChatClient(
      new WebSocket(`ws://127.0.0.1:${port}/chat?${query}`),
      room ?? 'lobby',
    );
    await waitUntil(() => client.ofKind('welcome').length === 1, 5000, 'the welcome');
    const [welcome] = client.ofKind('welcome');
    client.fd = Number(welcome.fd);
    client.owner = Math.floor(client.fd / 2 ** 32);
    client.members = Number(welcome.members);
    return client;
  }

  ofKind(event: string): ChatEvent[] {
    return this.events.filter((received) => received.event === event);
  }

  /** How many chat events with this text arrived. */
  chats(text: string): number {
    return this.ofKind('chat').filter((chat) => chat.text === text).length;
  }

  say(text: string, name = 'ann'): void {
    this.ws.send(JSON.stringify({ name, text }));
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The HTTP status an upgrade to `/chat?room=<room>` is refused with (101 if it is not). */
async function upgradeStatus(port: number, room: string): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/chat?room=${encodeURIComponent(room)}`);
  ws.on('error', () => undefined);
  const status = await withTimeout(
    new Promise<number>((done) => {
      ws.once('open', () => done(101));
      ws.once('unexpected-response', (_request, response) => done(response.statusCode ?? 0));
    }),
    5000,
    'the answer to the upgrade',
  );
  ws.terminate();
  return status;
}

/** `GET /stats`: one row per worker or node that answered. */
async function statsRows(port: number): Promise<Array<Record<string, number>>> {
  const response = await fetch(`http://127.0.0.1:${port}/stats`);
  return (await response.json()) as Array<Record<string, number>>;
}

/**
 * Checks for a cluster of 2 owners: `ports` are where clients connect (round-robin over them),
 * clients are joined until both owners hold a member of "red" and of "blue".
 */
function describeRoomsAcrossOwners(
  start: () => Promise<{ ports: number[]; stop: () => Promise<void> }>,
): void {
  let ports: number[] = [];
  let stop: (() => Promise<void>) | undefined;
  const clients: ChatClient[] = [];
  let next = 0;
  const inRoom = (room: string) => clients.filter((client) => client.room === room);
  const owners = (members: ChatClient[]) => new Set(members.map((client) => client.owner));

  async function joinUntil(room: string, predicate: () => boolean, max = 16): Promise<void> {
    for (let i = 0; i < max && !predicate(); i++) {
      clients.push(await ChatClient.join(ports[next++ % ports.length], room));
    }
    expect(predicate()).toBe(true);
  }

  beforeAll(async () => {
    ({ ports, stop } = await start());
    await joinUntil('red', () => owners(inRoom('red')).size === 2 && inRoom('red').length >= 3);
    await joinUntil('blue', () => owners(inRoom('blue')).size === 2);
  }, 25000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await stop?.();
  }, 15000);

  it('counts the members of a room on every owner', () => {
    const red = inRoom('red');
    // Joined one after another: each welcome counts those before it, wherever they are.
    expect(red.map((client) => client.members)).toEqual(red.map((_client, i) => i + 1));
    expect(inRoom('blue').map((client) => client.members)).toEqual(
      inRoom('blue').map((_client, i) => i + 1),
    );
  });

  it('delivers a chat message to every member of its room exactly once, on every owner, and to no other room', async () => {
    const red = inRoom('red');
    const blue = inRoom('blue');
    for (const sender of [red[0], red.find((client) => client.owner !== red[0].owner)!]) {
      const text = `red-from-${sender.owner}`;
      sender.say(text);
      // A second message of the same sender comes after the first everywhere: a marker.
      sender.say(`${text}-marker`);
      await waitUntil(
        () => red.every((client) => client.chats(`${text}-marker`) === 1),
        5000,
        'every red member to get the marker',
      );
      for (const client of red) expect(client.chats(text)).toBe(1);
    }
    blue[0].say('blue-only');
    await waitUntil(() => blue.every((client) => client.chats('blue-only') === 1), 5000, 'blue');
    for (const client of blue)
      expect(client.ofKind('chat').map((chat) => chat.text)).toEqual(['blue-only']);
    for (const client of red) expect(client.chats('blue-only')).toBe(0);
    const chat = red[1].ofKind('chat')[0];
    expect(chat).toEqual({
      event: 'chat',
      fd: red[0].fd,
      room: 'red',
      name: 'ann',
      text: chat.text,
    });
  });

  it('tells the room, on every owner, when a member leaves', async () => {
    const red = inRoom('red');
    const leaving = red[red.length - 1];
    const stay = red.filter((client) => client !== leaving);
    leaving.close();
    await waitUntil(
      () => stay.every((client) => client.ofKind('left').some((left) => left.fd === leaving.fd)),
      5000,
      'every red member to hear of the leave',
    );
    for (const client of stay) {
      const left = client.ofKind('left').filter((event) => event.fd === leaving.fd);
      expect(left).toEqual([{ event: 'left', fd: leaving.fd, room: 'red', members: stay.length }]);
    }
    for (const client of inRoom('blue')) expect(client.ofKind('left')).toEqual([]);
  });

  it('reports the stats of every owner, each second, to ?stats=1 members', async () => {
    const watcher = await ChatClient.join(ports[0], 'green', true);
    clients.push(watcher);
    await waitUntil(
      () => new Set(watcher.ofKind('stats').map((stats) => stats.owner)).size === 2,
      5000,
      'stats events from both owners',
    );
    const [report] = watcher.ofKind('stats');
    expect(typeof report.owner).toBe('string');
    expect(report.connections).toBeGreaterThanOrEqual(1);
    expect(report.messagesInPerSecond).toBeGreaterThanOrEqual(0);
    expect(report.messagesOutPerSecond).toBeGreaterThanOrEqual(0);
    const rows = await statsRows(ports[0]);
    expect(rows).toHaveLength(2);
    const total = rows.reduce((sum, row) => sum + row.websocket_connection_num, 0);
    expect(total).toBe(clients.filter((client) => client.ws.readyState === WebSocket.OPEN).length);
  });
}

describe('sample app rooms in one process', () => {
  let app: INestApplicationContext | undefined;
  let port: number;
  const clients: ChatClient[] = [];
  const join = async (room?: string, stats = false) => {
    const client = await ChatClient.join(port, room, stats);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    process.env.PORT = '0';
    process.env.HOST = '127.0.0.1';
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    port = app.get(WsServer).port;
  }, 20000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await app?.close();
    delete process.env.PORT;
    delete process.env.HOST;
  });

  it('joins the lobby without ?room=, welcomes the member and tells the others', async () => {
    const first = await join();
    expect(first.ofKind('welcome')).toEqual([
      { event: 'welcome', fd: first.fd, room: 'lobby', members: 1 },
    ]);
    const second = await join('lobby');
    expect(second.members).toBe(2);
    await waitUntil(() => first.ofKind('joined').length === 1, 3000, 'the joined event');
    expect(first.ofKind('joined')).toEqual([
      { event: 'joined', fd: second.fd, room: 'lobby', members: 2 },
    ]);
    second.say('hi');
    await waitUntil(() => second.chats('hi') === 1 && first.chats('hi') === 1, 3000, 'the chat');
    // The newcomer got its welcome, not its own joined event.
    expect(second.ofKind('joined')).toEqual([]);
  });

  it('keeps each room to itself', async () => {
    const [lobby] = clients;
    const blue = [await join('blue'), await join('blue')];
    expect(blue.map((client) => client.members)).toEqual([1, 2]);
    blue[0].say('in blue');
    await waitUntil(() => blue.every((client) => client.chats('in blue') === 1), 3000, 'blue');
    lobby.say('in lobby');
    await waitUntil(() => clients[1].chats('in lobby') === 1, 3000, 'the lobby chat');
    expect(lobby.chats('in blue')).toBe(0);
    for (const client of blue) expect(client.chats('in lobby')).toBe(0);
  });

  it('refuses an invalid room name with 400 before the upgrade', async () => {
    for (const room of ['', 'Blue', 'two words', '../up', '-dash', 'x'.repeat(33)]) {
      expect(await upgradeStatus(port, room)).toBe(400);
    }
    expect(await upgradeStatus(port, 'x'.repeat(32))).toBe(101);
  });

  it('answers an invalid message to its sender only', async () => {
    const [first, second] = clients;
    first.ws.send(JSON.stringify({ name: 'ann' }));
    await waitUntil(() => first.ofKind('error').length === 1, 3000, 'the error');
    expect(first.ofKind('error')[0]).toMatchObject({ event: 'error', status: 400 });
    expect(second.ofKind('error')).toEqual([]);
  });

  it('tells the room who left, with the new count', async () => {
    const [first, second] = clients;
    second.close();
    await waitUntil(() => first.ofKind('left').length === 1, 3000, 'the left event');
    expect(first.ofKind('left')).toEqual([
      { event: 'left', fd: second.fd, room: 'lobby', members: 1 },
    ]);
  });

  it('pushes stats events each second to ?stats=1 members, and serves GET /stats', async () => {
    const watcher = await join('lobby', true);
    const others = clients.filter((client) => client !== watcher);
    others[0].say('counted');
    // The report whose second holds that message counts it.
    await waitUntil(
      () => watcher.ofKind('stats').some((report) => report.messagesInPerSecond! >= 1),
      5000,
      'a stats event counting the message',
    );
    const reports = watcher.ofKind('stats');
    expect(new Set(reports.map((report) => report.owner)).size).toBe(1);
    const live = clients.filter((client) => client.ws.readyState === WebSocket.OPEN).length;
    expect(reports[reports.length - 1].connections).toBe(live);
    for (const report of reports) {
      expect(Number.isInteger(report.messagesInPerSecond)).toBe(true);
      expect(Number.isInteger(report.messagesOutPerSecond)).toBe(true);
    }
    // Plain clients get no stats events.
    expect(others.every((client) => client.ofKind('stats').length === 0)).toBe(true);
    const rows = await statsRows(port);
    expect(rows).toHaveLength(1);
    expect(rows[0].websocket_connection_num).toBe(live);
  });
});

describe('sample app rooms across 2 workers (WORKERS=2)', () => {
  describeRoomsAcrossOwners(async () => {
    const port = await freePort();
    const primary = startFixture(
      { WORKERS: '2', PORT: String(port), HOST: '127.0.0.1' },
      SAMPLE_MAIN,
    );
    let workers: number[] = [];
    const stop = async () => {
      await primary.stop();
      killIfAlive(workers);
      await waitForExit([primary.pid, ...workers], 5000);
    };
    try {
      await eventually(
        async () => (await statsRows(port).catch(() => [])).length === 2,
        15000,
        `both workers to serve; output: ${primary.output.join('')}`,
        200,
      );
      workers = childPidsOf(primary.pid);
    } catch (error) {
      await stop();
      throw error;
    }
    return { ports: [port], stop };
  });
});

describe('sample app rooms across 2 nodes over Redis (REDIS_URL)', () => {
  describeRoomsAcrossOwners(async () => {
    const redis = new RedisServerProcess(await freePort());
    await redis.start();
    const ports = [await freePort(), await freePort()];
    const nodes: FixtureProcess[] = ports.map((port) =>
      startFixture({ PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redis.url }, SAMPLE_MAIN),
    );
    const redisPid = redis.pid ?? 0;
    const stop = async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      await redis.stop();
      const pids = [...nodes.map((node) => node.pid), redisPid].filter((pid) => pid > 0);
      killIfAlive(pids);
      await waitForExit(pids, 5000);
    };
    try {
      for (const port of ports) {
        await eventually(
          async () => (await statsRows(port).catch(() => [])).length === 2,
          15000,
          'each node to see the other',
          200,
        );
      }
    } catch (error) {
      await stop();
      throw error;
    }
    return { ports, stop };
  });
});
