import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SnifferHandlers, UpgradeSniffer } from '../../src/gateway/upgrade-sniffer.js';
import type { ParsedRequestHead } from '../../src/protocol/request-head.parser.js';

/** What the sniffer handed a connection to. */
type Outcome =
  | { kind: 'upgrade'; socket: Socket; head: ParsedRequestHead; rest: Buffer; paused: boolean }
  | { kind: 'fallback'; socket: Socket; buffered: Buffer; paused: boolean }
  | { kind: 'refuse'; socket: Socket; status: number; reason: string; paused: boolean };

const UPGRADE_HEAD =
  'GET /chat?room=1 HTTP/1.1\r\n' +
  'Host: 127.0.0.1\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';

const PARSED_UPGRADE: ParsedRequestHead = {
  method: 'GET',
  url: '/chat?room=1',
  httpVersion: '1.1',
  headers: {
    host: '127.0.0.1',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
  },
};

/** A masked text frame "Hi" (RFC 6455 section 5.7). */
const MASKED_FRAME = Buffer.from([0x81, 0x82, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x93]);

/** A sniffer behind a real TCP server; every socket, server and timer is closed by `cleanup`. */
class Rig {
  readonly outcomes: Outcome[] = [];
  /** The server side of each accepted connection, in order. */
  readonly accepted: Socket[] = [];
  /** How many chunks each accepted socket delivered before it was handed on. */
  readonly chunkCounts = new Map<Socket, number>();
  readonly sniffer: UpgradeSniffer;
  private readonly server: Server;
  private readonly clients: Socket[] = [];
  private readonly waiters: Array<() => void> = [];
  private taken = 0;

  constructor(maxHeaderSize = 16 * 1024, timeoutMs = 10_000) {
    const record = (outcome: Outcome): void => {
      this.outcomes.push(outcome);
      for (const wake of this.waiters.splice(0)) wake();
    };
    const handlers: SnifferHandlers = {
      upgrade: (socket, head, rest) =>
        record({ kind: 'upgrade', socket, head, rest, paused: socket.isPaused() }),
      fallback: (socket, buffered) =>
        record({ kind: 'fallback', socket, buffered, paused: socket.isPaused() }),
      refuse: (socket, status, reason) =>
        record({ kind: 'refuse', socket, status, reason, paused: socket.isPaused() }),
    };
    this.sniffer = new UpgradeSniffer(maxHeaderSize, timeoutMs, handlers);
    this.server = createServer((socket) => {
      socket.on('error', () => undefined);
      this.accepted.push(socket);
      this.chunkCounts.set(socket, 0);
      const count = (): void => void this.chunkCounts.set(socket, this.chunks(socket) + 1);
      socket.on('data', count);
      this.sniffer.add(socket);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  async listen(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  chunks(socket: Socket): number {
    return this.chunkCounts.get(socket) ?? 0;
  }

  /** A connected client (Nagle off, so small writes go out as they are written). */
  async client(): Promise<Socket> {
    const { port } = this.server.address() as AddressInfo;
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.on('error', () => undefined);
    this.clients.push(socket);
    await once(socket, 'connect');
    return socket;
  }

  /** A client, once the server accepted it (and the sniffer watches it): both ends. */
  async pair(): Promise<{ client: Socket; server: Socket }> {
    const before = this.accepted.length;
    const client = await this.client();
    await this.until(() => this.accepted.length > before, 'the connection to be accepted');
    return { client, server: this.accepted[before] };
  }

  /** Waits for the next outcome not yet taken by `next` (it may have come already). */
  async next(ms = 3000): Promise<Outcome> {
    const index = this.taken++;
    await this.until(() => this.outcomes.length > index, 'an outcome', ms);
    return this.outcomes[index];
  }

  private async until(check: () => boolean, what: string, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async cleanup(): Promise<void> {
    this.sniffer.close();
    for (const socket of [...this.clients, ...this.accepted]) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let rig: Rig | null = null;

async function start(maxHeaderSize?: number, timeoutMs?: number): Promise<Rig> {
  rig = await new Rig(maxHeaderSize, timeoutMs).listen();
  return rig;
}

afterEach(async () => {
  jest.restoreAllMocks();
  await rig?.cleanup();
  rig = null;
});

/** Writes `data` in pieces of `size` bytes, waiting a little between them. */
async function trickle(socket: Socket, data: Buffer, size: number, pauseMs = 2): Promise<void> {
  for (let at = 0; at < data.length; at += size) {
    socket.write(data.subarray(at, at + size));
    await sleep(pauseMs);
  }
}

function expectUpgrade(outcome: Outcome, socket: Socket, rest: Buffer = Buffer.alloc(0)): void {
  expect(outcome.kind).toBe('upgrade');
  if (outcome.kind !== 'upgrade') return;
  expect(outcome.socket).toBe(socket);
  expect(outcome.head).toEqual(PARSED_UPGRADE);
  expect(outcome.rest).toEqual(rest);
  expect(outcome.paused).toBe(true);
}

function expectFallback(outcome: Outcome, socket: Socket, buffered: Buffer): void {
  expect(outcome.kind).toBe('fallback');
  if (outcome.kind !== 'fallback') return;
  expect(outcome.socket).toBe(socket);
  expect(outcome.buffered.toString('latin1')).toBe(buffered.toString('latin1'));
  expect(outcome.paused).toBe(true);
}

function expectRefuse(outcome: Outcome, socket: Socket, status: number): void {
  expect(outcome.kind).toBe('refuse');
  if (outcome.kind !== 'refuse') return;
  expect(outcome.socket).toBe(socket);
  expect(outcome.status).toBe(status);
  expect(outcome.reason).toEqual(expect.any(String));
  expect(outcome.paused).toBe(true);
}

/** Reads from a handed-on (paused) socket until `length` bytes came. */
async function readHandedOn(socket: Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= length) resolve();
    });
  });
  socket.resume();
  await Promise.race([done, sleep(3000)]);
  return Buffer.concat(chunks);
}

describe('UpgradeSniffer: plain upgrades', () => {
  it('hands a head arriving in one chunk to upgrade(), paused, with nothing left over', async () => {
    const r = await start();
    const { client, server } = await r.pair();
    client.write(UPGRADE_HEAD);
    expectUpgrade(await r.next(), server);
    expect(r.outcomes).toHaveLength(1);
  });

  it('hands over the bytes after the head (a frame sent in the same packet) as the rest', async () => {
    const r = await start();
    const { client, server } = await r.pair();
    client.write(Buffer.concat([Buffer.from(UPGRADE_HEAD), MASKED_FRAME]));
    expectUpgrade(await r.next(), server, MASKED_FRAME);
  });

  it('reads a head arriving in many small chunks', async () => {
    const r = await start();
    const { client, server } = await r.pair();
    await trickle(client, Buffer.from(UPGRADE_HEAD), 16);
    expectUpgrade(await r.next(), server);
    expect(r.chunks(server)).toBeGreaterThan(1);
  });

  it('reads a head arriving byte by byte, the last chunk carrying a frame too', async () => {
    const r = await start();
    const { client, server } = await r.pair();
    const head = Buffer.from(UPGRADE_HEAD);
    await trickle(client, head.subarray(0, -1), 1, 1);
    expect(r.outcomes).toHaveLength(0);
    client.write(Buffer.concat([head.subarray(-1), MASKED_FRAME]));
    expectUpgrade(await r.next(), server, MASKED_FRAME);
    expect(r.chunks(server)).toBeGreaterThan(10);
  });

  it('finds a blank line split across chunks', async () => {
    const r = await start();
    const { client, server } = await r.pair();
    const head = Buffer.from(UPGRADE_HEAD);
    client.write(head.subarray(0, -3));
    await sleep(20);
    client.write(head.subarray(-3, -1));
    await sleep(20);
    client.write(head.subarray(-1));
    expectUpgrade(await r.next(), server);
  });

  it('stops reading once it hands a socket on: later bytes wait for the next reader', async () => {
    const r = await start();
    const { client, server } = await r.pair();
    client.write(UPGRADE_HEAD);
    expectUpgrade(await r.next(), server);
    const chunksAtHandOver = r.chunks(server);
    client.write(MASKED_FRAME);
    await sleep(50);
    // Paused: nothing was delivered to anyone, and the sniffer decided nothing more.
    expect(r.chunks(server)).toBe(chunksAtHandOver);
    expect(r.outcomes).toHaveLength(1);
    expect(await readHandedOn(server, MASKED_FRAME.length)).toEqual(MASKED_FRAME);
    expect(r.outcomes).toHaveLength(1);
  });

  it('tells many connections apart', async () => {
    const r = await start();
    const first = await r.pair();
    const second = await r.pair();
    first.client.write(UPGRADE_HEAD.slice(0, 20));
    second.client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const fallback = await r.next();
    expectFallback(fallback, second.server, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    first.client.write(UPGRADE_HEAD.slice(20));
    expectUpgrade(await r.next(), first.server);
  });
});

describe('UpgradeSniffer: everything else goes to fallback with all bytes read', () => {
  it.each([
    ['a plain GET', 'GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n'],
    [
      'a POST with its body',
      'POST /submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9\r\n\r\na=1&b=two',
    ],
    [
      'an upgrade with a duplicated header',
      UPGRADE_HEAD.replace('\r\n\r\n', '\r\nUser-Agent: a\r\nUser-Agent: b\r\n\r\n'),
    ],
    ['an upgrade to another protocol', UPGRADE_HEAD.replace('websocket', 'h2c')],
    ['an upgrade asked with POST', UPGRADE_HEAD.replace('GET', 'POST')],
    ['an HTTP/1.2 upgrade', UPGRADE_HEAD.replace('HTTP/1.1', 'HTTP/1.2')],
    ['garbage with a blank line', '\x16\x03\x01 not http at all\r\n\r\n\x00\x01\x02'],
    ['pipelined requests', 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('%s', async (_label, request) => {
    const r = await start();
    const { client, server } = await r.pair();
    const bytes = Buffer.from(request, 'latin1');
    client.write(bytes);
    expectFallback(await r.next(), server, bytes);
  });

  it('hands over every chunk read when the request trickled in', async () => {
    const r = await start();
    const { client, server } = await r.pair();
    const bytes = Buffer.from('GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n');
    await trickle(client, bytes, 5);
    expectFallback(await r.next(), server, bytes);
    expect(r.chunks(server)).toBeGreaterThan(1);
  });
});

describe('UpgradeSniffer: limits', () => {
  it('refuses 431 once more than maxHeaderSize bytes came without the end of the head', async () => {
    const r = await start(64);
    const { client, server } = await r.pair();
    client.write('GET / HTTP/1.1\r\nX-Long: ' + 'a'.repeat(100));
    expectRefuse(await r.next(), server, 431);
  });

  it('refuses 431 when a head without an end crosses maxHeaderSize over several chunks', async () => {
    const r = await start(64);
    const { client, server } = await r.pair();
    client.write('GET / HTTP/1.1\r\nX-Long: ' + 'a'.repeat(20));
    await sleep(50);
    expect(r.outcomes).toHaveLength(0);
    client.write('a'.repeat(40));
    expectRefuse(await r.next(), server, 431);
  });

  it('accepts a head of exactly maxHeaderSize bytes', async () => {
    const r = await start(Buffer.byteLength(UPGRADE_HEAD));
    const { client, server } = await r.pair();
    client.write(UPGRADE_HEAD);
    expectUpgrade(await r.next(), server);
  });

  it('falls back (Node answers it) for a complete head larger than maxHeaderSize', async () => {
    const r = await start(64);
    const { client, server } = await r.pair();
    const bytes = Buffer.from(UPGRADE_HEAD);
    expect(bytes.length).toBeGreaterThan(64);
    client.write(bytes);
    expectFallback(await r.next(), server, bytes);
  });

  it('refuses 408 a head not complete within the timeout', async () => {
    const r = await start(16 * 1024, 300);
    const { client, server } = await r.pair();
    const started = Date.now();
    client.write(UPGRADE_HEAD.slice(0, 30));
    const outcome = await r.next(2000);
    const elapsed = Date.now() - started;
    expectRefuse(outcome, server, 408);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
    expect(r.outcomes).toHaveLength(1);
  });

  it('times each connection from its own start, on the shared timer', async () => {
    const r = await start(16 * 1024, 300);
    const first = await r.pair();
    const startedFirst = Date.now();
    await sleep(150);
    const second = await r.pair();
    const startedSecond = Date.now();
    // The tick that drops the first connection finds the second one still within its time.
    expectRefuse(await r.next(2000), first.server, 408);
    expect(Date.now() - startedFirst).toBeGreaterThanOrEqual(250);
    expect(r.outcomes).toHaveLength(1);
    expectRefuse(await r.next(2000), second.server, 408);
    expect(Date.now() - startedSecond).toBeGreaterThanOrEqual(250);
  });

  it('refuses 408 a connection that sends nothing', async () => {
    const r = await start(16 * 1024, 300);
    const { server } = await r.pair();
    expectRefuse(await r.next(2000), server, 408);
  });

  it('does not time out a head completed in time', async () => {
    const r = await start(16 * 1024, 300);
    const { client, server } = await r.pair();
    client.write(UPGRADE_HEAD.slice(0, 30));
    await sleep(100);
    client.write(UPGRADE_HEAD.slice(30));
    expectUpgrade(await r.next(), server);
    await sleep(700);
    expect(r.outcomes).toHaveLength(1);
  });

  it('forgets a socket that closes while sniffing: no refusal later', async () => {
    const r = await start(16 * 1024, 300);
    const { client, server } = await r.pair();
    client.write(UPGRADE_HEAD.slice(0, 30));
    await sleep(20);
    client.destroy();
    await once(server, 'close');
    await sleep(800);
    expect(r.outcomes).toHaveLength(0);
  });

  it('drops at once a client that half-closes before its head is complete', async () => {
    const r = await start(16 * 1024, 5000);
    const { client, server } = await r.pair();
    client.write(UPGRADE_HEAD.slice(0, 30));
    await sleep(20);
    const started = Date.now();
    client.end();
    await once(server, 'close');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.outcomes).toHaveLength(0);
  });

  it('uses one shared interval timer for all connections, and close() stops it', async () => {
    const setIntervalSpy = jest.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = jest.spyOn(globalThis, 'clearInterval');
    const r = await start(16 * 1024, 300);
    const first = await r.pair();
    const second = await r.pair();
    first.client.write(UPGRADE_HEAD.slice(0, 10));
    second.client.write(UPGRADE_HEAD.slice(0, 10));
    await sleep(20);
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    const timer = setIntervalSpy.mock.results[0].value as NodeJS.Timeout;
    r.sniffer.close();
    expect(clearIntervalSpy).toHaveBeenCalledWith(timer);
    // Stopped: neither pending connection is timed out any more.
    await sleep(800);
    expect(r.outcomes).toHaveLength(0);
    // Closing twice is harmless.
    r.sniffer.close();
    expect(clearIntervalSpy).toHaveBeenCalledTimes(1);
  });
});
