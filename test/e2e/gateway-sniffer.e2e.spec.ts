import type { Server as HttpServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { WsServer } from '../../src/gateway/ws-server.service.js';
import type { WsServerOptions } from '../../src/gateway/ws-server-options.interface.js';
import { createSelfSignedCertificate, type TestCertificate } from './support/certificate.js';
import { acceptKeyFor, clientFrame, newClientKey } from './support/frames.js';
import { Harness } from './support/harness.js';
import { handshakeRequest, type RawClient } from './support/raw-client.js';
import { delay } from './support/wait.js';

const harness = new Harness();
let certificate: TestCertificate;

beforeAll(() => {
  certificate = createSelfSignedCertificate();
});
afterAll(() => certificate.remove());
afterEach(() => harness.cleanup());

const PLAIN_GET = 'GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';

/** What the (non-listening) Node HTTP server behind the sniffer was given. */
interface NodePath {
  /** Connections handed over by the sniffer. */
  connections: number;
  /** Upgrades Node's parser read. */
  upgrades: number;
}

/** An echo server answering plain requests with "plain <url>", and what reached Node's path. */
async function sniffingServer(
  options: WsServerOptions = {},
): Promise<{ server: WsServer; node: NodePath }> {
  const server = await harness.server(options, (s) =>
    s.on('request', (request, response) => response.end(`plain ${request.server.request_uri}`)),
  );
  const node: NodePath = { connections: 0, upgrades: 0 };
  // Node's HTTP server behind the sniffer is internal: reach it to count what took that path.
  const http = (server as unknown as { runtime: { listener: { http: HttpServer | null } } }).runtime
    .listener.http;
  if (http === null) throw new Error('not started');
  http.on('connection', () => void node.connections++);
  http.on('upgrade', () => void node.upgrades++);
  return { server, node };
}

/** Sends `request` (an opening handshake with `key`) and expects a valid 101. */
async function expectSwitched(
  raw: RawClient,
  request: string | Buffer,
  key: string,
): Promise<void> {
  raw.write(request);
  const response = await raw.readHttpResponse();
  expect(response.status).toBe(101);
  expect(response.headers['sec-websocket-accept']).toBe(acceptKeyFor(key));
}

/** Expects the server to echo a masked text frame. */
async function expectEcho(raw: RawClient, text: string): Promise<void> {
  raw.write(clientFrame(0x1, text));
  const frame = await raw.readFrame();
  expect(frame.payload.toString()).toBe(text);
}

describe('the upgrade sniffer in a started WsServer', () => {
  it('serves a plain upgrade directly, without Node’s HTTP parser', async () => {
    const { server, node } = await sniffingServer();
    const raw = await harness.raw(server);
    const key = newClientKey();
    await expectSwitched(raw, handshakeRequest('/', {}, key), key);
    await expectEcho(raw, 'direct');
    expect(node).toEqual({ connections: 0, upgrades: 0 });
  });

  it('upgrades on a keep-alive connection after a plain GET, through Node’s path', async () => {
    const { server, node } = await sniffingServer();
    const raw = await harness.raw(server);
    raw.write(PLAIN_GET);
    const plain = await raw.readHttpResponse();
    expect(plain.status).toBe(200);
    expect(plain.body.toString()).toBe('plain /hello');
    const key = newClientKey();
    await expectSwitched(raw, handshakeRequest('/', {}, key), key);
    await expectEcho(raw, 'after a GET');
    expect(node).toEqual({ connections: 1, upgrades: 1 });
  });

  it('gives a valid 101 to an upgrade with a duplicated header, through Node’s path', async () => {
    const { server, node } = await sniffingServer();
    const raw = await harness.raw(server);
    const key = newClientKey();
    const request = handshakeRequest('/', {}, key).replace(
      '\r\n\r\n',
      '\r\nUser-Agent: first\r\nUser-Agent: second\r\n\r\n',
    );
    await expectSwitched(raw, request, key);
    await expectEcho(raw, 'duplicated header');
    expect(node).toEqual({ connections: 1, upgrades: 1 });
  });

  it.each([
    ['HTTP/1.2', (head: string) => head.replace('HTTP/1.1', 'HTTP/1.2')],
    [
      'a bare CR ending a value',
      (head: string) => head.replace('\r\n\r\n', '\r\nX-A: 1\r\r\n\r\n'),
    ],
    ['a vertical tab before a value', (head: string) => head.replace('Upgrade: ', 'Upgrade: \x0b')],
  ])('leaves an upgrade Node refuses to Node (400, not 101): %s', async (_label, spoil) => {
    const { server, node } = await sniffingServer();
    const raw = await harness.raw(server);
    raw.write(spoil(handshakeRequest('/')));
    expect((await raw.readHttpResponse()).status).toBe(400);
    expect(node.connections).toBe(1);
  });

  it('echoes a frame sent in the same write as the upgrade head', async () => {
    const { server, node } = await sniffingServer();
    const raw = await harness.raw(server);
    const key = newClientKey();
    const request = Buffer.concat([
      Buffer.from(handshakeRequest('/', {}, key)),
      clientFrame(0x1, 'same packet'),
    ]);
    await expectSwitched(raw, request, key);
    const frame = await raw.readFrame();
    expect(frame.payload.toString()).toBe('same packet');
    await expectEcho(raw, 'and after');
    expect(node).toEqual({ connections: 0, upgrades: 0 });
  });

  it('echoes a frame sent with the head of an upgrade Node’s path serves', async () => {
    const { server, node } = await sniffingServer();
    const raw = await harness.raw(server);
    const key = newClientKey();
    const head = handshakeRequest('/', {}, key).replace('\r\n\r\n', '\r\nX-A: 1\r\nx-a: 2\r\n\r\n');
    await expectSwitched(
      raw,
      Buffer.concat([Buffer.from(head), clientFrame(0x1, 'via node')]),
      key,
    );
    expect((await raw.readFrame()).payload.toString()).toBe('via node');
    expect(node).toEqual({ connections: 1, upgrades: 1 });
  });

  it('refuses 408 a first head that trickles in for longer than handshake_timeout', async () => {
    const { server, node } = await sniffingServer({ settings: { handshake_timeout: 1 } });
    const raw = await harness.raw(server);
    const started = Date.now();
    raw.write('GET / HTTP/1.1\r\n');
    const response = await raw.readHttpResponse(4000);
    expect(response.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(2500);
    await raw.waitEnded();
    expect(node.connections).toBe(0);
  });

  it('drops with 408 a second request trickling in on a keep-alive connection', async () => {
    const { server, node } = await sniffingServer({ settings: { handshake_timeout: 1 } });
    const raw = await harness.raw(server);
    raw.write(PLAIN_GET);
    expect((await raw.readHttpResponse()).status).toBe(200);
    const started = Date.now();
    const second = 'GET /second HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(100);
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < second.length && !raw.closed) raw.write(second[sent++]);
    }, 50);
    try {
      const response = await raw.readHttpResponse(4000);
      expect(response.status).toBe(408);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(3000);
      await raw.waitEnded();
    } finally {
      clearInterval(trickle);
    }
    expect(node.connections).toBe(1);
  });

  it('lets a plain GET answered in time keep its connection past handshake_timeout', async () => {
    const { server } = await sniffingServer({ settings: { handshake_timeout: 1 } });
    const raw = await harness.raw(server);
    raw.write(PLAIN_GET);
    expect((await raw.readHttpResponse()).status).toBe(200);
    await delay(1500);
    expect(raw.ended).toBe(false);
    raw.write(PLAIN_GET);
    expect((await raw.readHttpResponse()).status).toBe(200);
  });

  it('answers 431 a head larger than http_header_max_size', async () => {
    const { server } = await sniffingServer({ settings: { http_header_max_size: 1024 } });
    const raw = await harness.raw(server);
    raw.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(2048)}`);
    expect((await raw.readHttpResponse()).status).toBe(431);
    await raw.waitEnded();
    await harness.expectServes(server);
  });
});

describe('the upgrade sniffer over TLS', () => {
  const tls = (): WsServerOptions => ({ ssl: { cert: certificate.cert, key: certificate.key } });

  it('serves an upgrade directly and a plain GET through Node’s path', async () => {
    const { server, node } = await sniffingServer(tls());
    const ws = await harness.raw(server, true);
    const key = newClientKey();
    await expectSwitched(ws, handshakeRequest('/', {}, key), key);
    await expectEcho(ws, 'over tls');
    expect(node).toEqual({ connections: 0, upgrades: 0 });

    const plain = await harness.raw(server, true);
    plain.write(PLAIN_GET);
    const response = await plain.readHttpResponse();
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('plain /hello');
    expect(node).toEqual({ connections: 1, upgrades: 0 });
  });

  it('upgrades after a plain GET on the same TLS connection', async () => {
    const { server, node } = await sniffingServer(tls());
    const raw = await harness.raw(server, true);
    raw.write(PLAIN_GET);
    expect((await raw.readHttpResponse()).status).toBe(200);
    const key = newClientKey();
    await expectSwitched(
      raw,
      Buffer.concat([Buffer.from(handshakeRequest('/', {}, key)), clientFrame(0x1, 'tls frame')]),
      key,
    );
    expect((await raw.readFrame()).payload.toString()).toBe('tls frame');
    expect(node).toEqual({ connections: 1, upgrades: 1 });
  });

  it('serves a wss client', async () => {
    const { server } = await sniffingServer(tls());
    const client = await harness.open(server, '/', [], { rejectUnauthorized: false }, true);
    await client.roundTrip();
  });
});
