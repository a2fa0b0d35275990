import { afterEach, describe, expect, it } from '@jest/globals';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import type { WsRequest } from '../../src/gateway/ws-request.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import type { Frame } from '../../src/protocol/frame.js';
import { acceptKeyFor } from './support/frames.js';
import { handshakeRequest } from './support/raw-client.js';
import { Harness } from './support/harness.js';
import { delay, Inbox } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('handshake event', () => {
  it('a handler that answers 101 with the accept key connects, and open is not fired', async () => {
    const opened: number[] = [];
    const handshakes: WsRequest[] = [];
    const server = await harness.server({}, (s) => {
      s.on('handshake', (request, response) => {
        handshakes.push(request);
        response.status(101);
        response.header('Upgrade', 'websocket');
        response.header('Connection', 'Upgrade');
        response.header('Sec-WebSocket-Accept', acceptKeyFor(request.header['sec-websocket-key']));
        response.header('X-Custom-Handshake', 'yes');
        response.end();
      });
      s.on('open', (request) => void opened.push(request.fd));
    });
    const client = await harness.open(server, '/custom');
    expect(client.upgradeHeaders?.['x-custom-handshake']).toBe('yes');
    await client.roundTrip();
    expect(handshakes).toHaveLength(1);
    expect(handshakes[0].server.path_info).toBe('/custom');
    expect(server.isEstablished(handshakes[0].fd)).toBe(true);
    expect(opened).toEqual([]);
  });

  it('a handler that ends with 403 refuses the client with 403, and the server keeps serving', async () => {
    const server = await harness.server({}, (s) => {
      s.on('handshake', (request, response) => {
        if (request.server.path_info === '/ok') {
          response.status(101);
          response.header('Upgrade', 'websocket');
          response.header('Connection', 'Upgrade');
          response.header(
            'Sec-WebSocket-Accept',
            acceptKeyFor(request.header['sec-websocket-key']),
          );
        } else {
          response.status(403);
        }
        response.end('go away');
      });
    });
    const refusal = await harness.refused(server, '/forbidden');
    expect(refusal.status).toBe(403);
    expect(refusal.body).toBe('go away');
    const client = await harness.open(server, '/ok');
    await client.roundTrip();
  });

  it('a handler that returns without ending fails the handshake', async () => {
    const server = await harness.server({}, (s) => {
      s.on('handshake', (request, response) => {
        if (request.server.path_info !== '/ok') {
          response.status(101);
          return;
        }
        response.status(101);
        response.header('Upgrade', 'websocket');
        response.header('Connection', 'Upgrade');
        response.header('Sec-WebSocket-Accept', acceptKeyFor(request.header['sec-websocket-key']));
        response.end();
      });
    });
    const refusal = await harness.refused(server, '/never');
    expect(refusal.status).toBe(400);
    await harness.open(server, '/ok');
  });

  it('a handler whose promise never settles fails the handshake at handshake_timeout', async () => {
    const server = await harness.server({ settings: { handshake_timeout: 1 } }, (s) => {
      s.on('handshake', (request, response) => {
        if (request.server.path_info !== '/ok') return new Promise<void>(() => undefined);
        response.status(101);
        response.header('Upgrade', 'websocket');
        response.header('Connection', 'Upgrade');
        response.header('Sec-WebSocket-Accept', acceptKeyFor(request.header['sec-websocket-key']));
        response.end();
        return undefined;
      });
    });
    const started = Date.now();
    const refusal = await harness.refused(server, '/hang');
    expect(refusal.status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await harness.open(server, '/ok');
  });
});

describe('beforeHandshakeResponse event', () => {
  it('adds a header to the 101 response', async () => {
    const server = await harness.server({}, (s) => {
      s.on('beforeHandshakeResponse', (request, response) => {
        response.header('X-Before', `fd-${request.fd}`);
      });
    });
    const client = await harness.open(server);
    expect(client.upgradeHeaders?.['x-before']).toMatch(/^fd-\d+$/);
    await client.roundTrip();
  });
});

describe('a handshake refused by handshake_timeout while a handler still runs', () => {
  // A peer that keeps its side open after the 408 (allowHalfOpen) leaves the socket ending but
  // not destroyed when the slow handler finally returns: the connection must not open then.
  it('a slow beforeHandshakeResponse: 408, and open never fires', async () => {
    const opened: number[] = [];
    const closed: number[] = [];
    const disconnected = new Inbox<number>();
    const server = await harness.server({ settings: { handshake_timeout: 1 } }, (s) => {
      s.on('beforeHandshakeResponse', (request) =>
        request.server.path_info === '/slow' ? delay(1300) : undefined,
      );
      s.on('open', (request) => void opened.push(request.fd));
      s.on('close', (fd) => void closed.push(fd));
      s.on('disconnect', disconnected.push);
    });
    const raw = await harness.raw(server, false, true);
    raw.write(handshakeRequest('/slow'));
    expect((await raw.readHttpResponse(2500)).status).toBe(408);
    await disconnected.next(3000);
    expect(raw.pending.length).toBe(0);
    expect(opened).toEqual([]);
    expect(closed).toEqual([]);
    expect(server.stats().websocket_connection_num).toBe(0);
    await harness.expectServes(server);
  });

  it('a slow handshake handler that answers 101 too late: 408, no WebSocket', async () => {
    const closed: number[] = [];
    const disconnected = new Inbox<number>();
    const server = await harness.server({ settings: { handshake_timeout: 1 } }, (s) => {
      s.on('handshake', async (request, response) => {
        if (request.server.path_info === '/slow') await delay(1300);
        response.status(101);
        response.header('Upgrade', 'websocket');
        response.header('Connection', 'Upgrade');
        response.header('Sec-WebSocket-Accept', acceptKeyFor(request.header['sec-websocket-key']));
        response.end();
      });
      s.on('close', (fd) => void closed.push(fd));
      s.on('disconnect', disconnected.push);
    });
    const raw = await harness.raw(server, false, true);
    raw.write(handshakeRequest('/slow'));
    expect((await raw.readHttpResponse(2500)).status).toBe(408);
    await disconnected.next(3000);
    expect(raw.pending.length).toBe(0);
    expect(closed).toEqual([]);
    expect(server.stats().websocket_connection_num).toBe(0);
    await harness.expectServes(server);
  });
});

describe('open event', () => {
  it('receives the request: fd, lower-case headers, query, path, uri, address, cookies', async () => {
    const requests = new Inbox<WsRequest>();
    const server = await harness.server({}, (s) => s.on('open', requests.push));
    const client = await harness.open(server, '/room/7?user=ann&x=1', [], {
      headers: { 'X-Custom-Thing': 'Value', Cookie: 'session=abc; name=hello%20world' },
    });
    const request = await requests.next();
    expect(request.fd).toBeGreaterThan(0);
    expect(server.isEstablished(request.fd)).toBe(true);
    expect(request.header['x-custom-thing']).toBe('Value');
    expect(request.header['sec-websocket-version']).toBe('13');
    expect(Object.keys(request.header).every((name) => name === name.toLowerCase())).toBe(true);
    expect(request.get).toEqual({ user: 'ann', x: '1' });
    expect(request.server.path_info).toBe('/room/7');
    expect(request.server.request_uri).toBe('/room/7');
    expect(request.server.query_string).toBe('user=ann&x=1');
    expect(request.server.remote_addr).toBe('127.0.0.1');
    expect(request.server.remote_port).toBe(client.localPort);
    expect(request.server.server_port).toBe(server.port);
    expect(request.cookie).toEqual({ session: 'abc', name: 'hello world' });
    // The fd is the one to push to.
    expect(server.push(request.fd, 'to you')).toBe(true);
    expect((await client.messages.next()).text).toBe('to you');
  });
});

describe('message event', () => {
  it('delivers text as a string and binary as a Buffer', async () => {
    const frames = new Inbox<Frame>();
    const server = await harness.server({}, (s) => s.on('message', frames.push));
    const client = await harness.open(server);
    client.ws.send('héllo');
    client.ws.send(Buffer.from([0, 1, 2, 255]));
    const text = await frames.next();
    expect(text.opcode).toBe(WEBSOCKET_OPCODE_TEXT);
    expect(text.data).toBe('héllo');
    expect(text.finish).toBe(true);
    const binary = await frames.next();
    expect(binary.opcode).toBe(WEBSOCKET_OPCODE_BINARY);
    expect(Buffer.isBuffer(binary.data)).toBe(true);
    expect(binary.data).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(server.isEstablished(text.fd)).toBe(true);
  });

  it('merges fragmented messages before delivering them', async () => {
    const frames = new Inbox<Frame>();
    const server = await harness.server({}, (s) => s.on('message', frames.push));
    const client = await harness.open(server);
    client.ws.send('frag', { fin: false });
    client.ws.send('men', { fin: false });
    client.ws.send('ted', { fin: true });
    client.ws.send(Buffer.from([1, 2]), { binary: true, fin: false });
    client.ws.send(Buffer.from([3]), { binary: true, fin: true });
    const text = await frames.next();
    expect(text.data).toBe('fragmented');
    expect(text.opcode).toBe(WEBSOCKET_OPCODE_TEXT);
    expect(text.finish).toBe(true);
    const binary = await frames.next();
    expect(binary.data).toEqual(Buffer.from([1, 2, 3]));
    expect(binary.opcode).toBe(WEBSOCKET_OPCODE_BINARY);
    await delay(50);
    expect(frames.size).toBe(2);
  });
});

describe('close event', () => {
  it('fires with the fd after the client closes', async () => {
    const opened = new Inbox<number>();
    const closed = new Inbox<number>();
    const disconnected: number[] = [];
    const server = await harness.server({}, (s) => {
      s.on('open', (request) => opened.push(request.fd));
      s.on('close', closed.push);
      s.on('disconnect', (fd) => void disconnected.push(fd));
    });
    const client = await harness.open(server);
    const fd = await opened.next();
    client.ws.close(1000, 'done');
    expect(await closed.next()).toBe(fd);
    expect((await client.waitClose()).code).toBe(1000);
    expect(server.exist(fd)).toBe(false);
    expect(disconnected).toEqual([]);
  });
});

describe('request event', () => {
  it('answers a plain HTTP GET on the same port, and a POST body is in rawContent()', async () => {
    const server = await harness.server({}, (s) => {
      s.on('request', (request, response) => {
        response.header('Content-Type', 'text/plain');
        response.header('X-Method', request.getMethod());
        response.end(
          `${request.server.path_info}|${request.get.q ?? ''}|${request.rawContent().toString()}`,
        );
      });
    });
    const get = await harness.http(server, { path: '/hello?q=1' });
    expect(get.status).toBe(200);
    expect(get.headers['x-method']).toBe('GET');
    expect(get.body).toBe('/hello|1|');
    const post = await harness.http(server, {
      method: 'POST',
      path: '/submit',
      body: 'a=1&b=two',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(post.status).toBe(200);
    expect(post.headers['x-method']).toBe('POST');
    expect(post.body).toBe('/submit||a=1&b=two');
    await harness.expectServes(server);
  });

  it('without a request handler, a plain HTTP request gets 400', async () => {
    const server = await harness.server();
    const response = await harness.http(server, { path: '/' });
    expect(response.status).toBe(400);
    await harness.expectServes(server);
  });
});

describe('disconnect event', () => {
  it('fires when a plain HTTP connection closes, not when a WebSocket does', async () => {
    const requestFds = new Inbox<number>();
    const disconnected = new Inbox<number>();
    const closed = new Inbox<number>();
    const opened = new Inbox<number>();
    const server = await harness.server({}, (s) => {
      s.on('request', (request, response) => {
        requestFds.push(request.fd);
        response.end('ok');
      });
      s.on('disconnect', disconnected.push);
      s.on('close', closed.push);
      s.on('open', (request) => opened.push(request.fd));
    });
    const raw = await harness.raw(server);
    raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await raw.readHttpResponse()).status).toBe(200);
    const httpFd = await requestFds.next();
    expect(server.exist(httpFd)).toBe(true);
    raw.destroy();
    expect(await disconnected.next()).toBe(httpFd);

    const client = await harness.open(server);
    const wsFd = await opened.next();
    client.ws.close();
    expect(await closed.next()).toBe(wsFd);
    await delay(50);
    expect(disconnected.items).toEqual([httpFd]);
    expect(closed.items).toEqual([wsFd]);
  });
});

describe('start()', () => {
  it('without a message handler rejects with a clear error', async () => {
    const server = harness.track(new WsServer({ host: '127.0.0.1', port: 0 }, harness.logger));
    server.on('open', () => undefined);
    await expect(server.start()).rejects.toThrow(/"message" handler is required/);
    // Nothing listens: the port is still the configured 0.
    expect(server.port).toBe(0);
  });
});
