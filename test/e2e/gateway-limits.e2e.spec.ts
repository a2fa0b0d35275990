import { afterEach, describe, expect, it } from '@jest/globals';
import { WEBSOCKET_OPCODE_BINARY } from '../../src/protocol/opcode.constants.js';
import type { WsServer } from '../../src/gateway/ws-server.service.js';
import { clientFrame } from './support/frames.js';
import { handshakeRequest } from './support/raw-client.js';
import { Harness } from './support/harness.js';
import { delay, Inbox, waitUntil } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

describe('package_max_length', () => {
  it('a message over the limit closes its connection with 1009; the server keeps serving', async () => {
    const server = await harness.server({ settings: { package_max_length: 1024 } });
    const client = await harness.open(server);
    client.ws.send('a'.repeat(1024));
    expect((await client.messages.next()).data.length).toBe(1024);
    client.ws.send('b'.repeat(2000));
    expect((await client.waitClose()).code).toBe(1009);
    await harness.expectServes(server);
  });

  it('counts the fragments of one message together', async () => {
    const server = await harness.server({ settings: { package_max_length: 1024 } });
    const client = await harness.open(server);
    client.ws.send('a'.repeat(600), { fin: false });
    client.ws.send('a'.repeat(600), { fin: true });
    expect((await client.waitClose()).code).toBe(1009);
    await harness.expectServes(server);
  });
});

describe('max_connection', () => {
  it('refuses a connection over the limit with 503 and leaves the others alone', async () => {
    const server = await harness.server({ settings: { max_connection: 2 } });
    const first = await harness.open(server);
    const second = await harness.open(server);
    const refusal = await harness.refused(server);
    expect(refusal.status).toBe(503);
    await first.roundTrip();
    await second.roundTrip();
    expect(server.stats().refused_count).toBe(1);
    // Plain HTTP counts too.
    const http = await harness.http(server);
    expect(http.status).toBe(503);
    // A freed slot can be taken again.
    first.ws.close();
    await first.waitClose();
    await waitUntil(() => server.stats().connection_num === 1);
    await harness.expectServes(server);
    await second.roundTrip();
  });
});

describe('handshake_timeout', () => {
  it('drops a client that trickles its request head slowly', async () => {
    const server = await harness.server({ settings: { handshake_timeout: 1 } });
    const raw = await harness.raw(server);
    const head = Buffer.from(handshakeRequest('/', { 'X-Padding': 'p'.repeat(200) }));
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < head.length && !raw.ended) raw.write(head.subarray(sent, ++sent));
    }, 50);
    try {
      const started = Date.now();
      await raw.waitEnded(4000);
      const elapsed = Date.now() - started;
      expect(sent).toBeLessThan(head.length);
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(3000);
      expect(raw.pending.toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(timer);
    }
    await harness.expectServes(server);
  });
});

describe('http_header_max_size', () => {
  it('answers a request head over the limit with 431', async () => {
    const server = await harness.server({ settings: { http_header_max_size: 1024 } });
    const raw = await harness.raw(server);
    raw.write(handshakeRequest('/', { 'X-Big': 'b'.repeat(4000) }));
    const response = await raw.readHttpResponse();
    expect(response.status).toBe(431);
    await raw.waitEnded();
    // A head under the limit is fine.
    const ok = await harness.raw(server);
    await ok.handshake('/', { 'X-Small': 's'.repeat(100) });
    await harness.expectServes(server);
  });
});

describe('buffer_output_size with a reader that never reads', () => {
  const chunk = Buffer.alloc(64 * 1024, 0x61);

  /** Pushes `chunk` once per timer tick until push returns false (or 1000 tries). */
  async function pushUntilRefused(push: () => boolean): Promise<number> {
    for (let pushed = 0; pushed < 1000; pushed++) {
      if (!push()) return pushed;
      await delay(1);
    }
    throw new Error('push never returned false');
  }

  it('drop: push returns false once the buffer is full, and works again once drained', async () => {
    const opened = new Inbox<number>();
    const server = await harness.server({ settings: { buffer_output_size: 256 * 1024 } }, (s) =>
      s.on('open', (request) => opened.push(request.fd)),
    );
    const raw = await harness.rawWebSocket(server);
    const fd = await opened.next();
    raw.socket.pause();
    const pushed = await pushUntilRefused(() => server.push(fd, chunk, WEBSOCKET_OPCODE_BINARY));
    expect(pushed).toBeGreaterThan(0);
    expect(server.isEstablished(fd)).toBe(true);
    const info = server.getClientInfo(fd);
    expect(info && info.send_queued_bytes).toBeGreaterThan(0);
    // The reader starts reading: every accepted message arrives whole, then push works again.
    raw.socket.resume();
    for (let i = 0; i < pushed; i++) {
      const frame = await raw.readFrame();
      expect(frame.opcode).toBe(WEBSOCKET_OPCODE_BINARY);
      expect(frame.payload.length).toBe(chunk.length);
    }
    await waitUntil(() => server.push(fd, 'after drain'));
    expect((await raw.readFrame()).payload.toString()).toBe('after drain');
    await harness.expectServes(server);
  });

  it('close: an overflowing connection is closed and the server keeps serving', async () => {
    const opened = new Inbox<number>();
    const closed = new Inbox<number>();
    const server = await harness.server(
      {
        settings: {
          buffer_output_size: 256 * 1024,
          buffer_output_overflow: 'close',
          websocket_close_timeout: 1,
        },
      },
      (s) => {
        s.on('open', (request) => opened.push(request.fd));
        s.on('close', closed.push);
      },
    );
    const raw = await harness.rawWebSocket(server);
    const fd = await opened.next();
    raw.socket.pause();
    await pushUntilRefused(() => server.push(fd, chunk, WEBSOCKET_OPCODE_BINARY));
    expect(server.isEstablished(fd)).toBe(false);
    expect(await closed.next(3000)).toBe(fd);
    expect(server.exist(fd)).toBe(false);
    raw.socket.resume();
    await raw.waitEnded();
    await harness.expectServes(server);
  });
});

describe('buffer_output_size counts control frames and raw sends too', () => {
  const limit = 64 * 1024;
  /** 2,000 masked pings of 125 bytes: 250 KB of pongs to queue, far over the limit. */
  const pingFlood = Buffer.concat(
    Array.from({ length: 2000 }, () => clientFrame(0x9, Buffer.alloc(125, 0x70))),
  );

  /** The most bytes the server queued for `fd` while `attack` ran, sampled every tick. */
  async function peakQueued(server: WsServer, fd: number, attack: () => void): Promise<number> {
    let peak = 0;
    const sample = setInterval(() => {
      const info = server.getClientInfo(fd);
      if (info) peak = Math.max(peak, info.send_queued_bytes);
    }, 1);
    try {
      attack();
      await delay(300);
    } finally {
      clearInterval(sample);
    }
    return peak;
  }

  it('close: a ping flood from a client that never reads is closed with 1008', async () => {
    const opened = new Inbox<number>();
    const server = await harness.server(
      {
        settings: {
          buffer_output_size: limit,
          buffer_output_overflow: 'close',
          websocket_close_timeout: 1,
        },
      },
      (s) => s.on('open', (request) => opened.push(request.fd)),
    );
    const raw = await harness.rawWebSocket(server);
    const fd = await opened.next();
    raw.socket.pause();
    const peak = await peakQueued(server, fd, () => {
      for (let i = 0; i < 20; i++) raw.write(pingFlood);
    });
    expect(peak).toBeLessThanOrEqual(limit + 256);
    expect(server.isEstablished(fd)).toBe(false);
    // Read now, before websocket_close_timeout drops the socket: the close frame is there.
    raw.socket.resume();
    let frame = await raw.readFrame();
    while (frame.opcode === 0xa) frame = await raw.readFrame();
    expect(frame.opcode).toBe(0x8);
    expect(frame.payload.readUInt16BE(0)).toBe(1008);
    await waitUntil(() => !server.exist(fd), 3000, 'the flooding connection to be closed');
    await harness.expectServes(server);
  });

  it('drop: pongs over the limit are dropped and the connection stays bounded', async () => {
    const opened = new Inbox<number>();
    const server = await harness.server({ settings: { buffer_output_size: limit } }, (s) =>
      s.on('open', (request) => opened.push(request.fd)),
    );
    const raw = await harness.rawWebSocket(server);
    const fd = await opened.next();
    raw.socket.pause();
    const peak = await peakQueued(server, fd, () => {
      for (let i = 0; i < 20; i++) raw.write(pingFlood);
    });
    expect(peak).toBeLessThanOrEqual(limit + 256);
    expect(server.isEstablished(fd)).toBe(true);
    raw.socket.resume();
    await waitUntil(() => server.push(fd, 'still here'), 3000, 'the buffer to drain');
    let frame = await raw.readFrame();
    while (frame.opcode === 0xa) frame = await raw.readFrame();
    expect(frame.payload.toString()).toBe('still here');
  });

  it('send(fd, raw) obeys the limit: false once full', async () => {
    const opened = new Inbox<number>();
    const server = await harness.server({ settings: { buffer_output_size: limit } }, (s) =>
      s.on('open', (request) => opened.push(request.fd)),
    );
    const raw = await harness.rawWebSocket(server);
    const fd = await opened.next();
    raw.socket.pause();
    const bytes = Buffer.alloc(16 * 1024);
    let accepted = 0;
    for (let i = 0; i < 2000 && server.send(fd, bytes); i++) {
      accepted++;
      if (i % 8 === 0) await delay(1);
    }
    expect(accepted).toBeLessThan(2000);
    const info = server.getClientInfo(fd);
    expect(info && info.send_queued_bytes).toBeLessThanOrEqual(limit + bytes.length);
  });
});

describe('websocket_allowed_origins', () => {
  it('refuses another origin with 403 and lets an allowed one in', async () => {
    const server = await harness.server({
      settings: { websocket_allowed_origins: ['https://good.example'] },
    });
    const refusal = await harness.refused(server, '/', { origin: 'https://evil.example' });
    expect(refusal.status).toBe(403);
    const client = await harness.open(server, '/', [], { origin: 'https://good.example' });
    await client.roundTrip();
  });

  it('lets a client without an Origin header in (not a browser page)', async () => {
    const server = await harness.server({
      settings: { websocket_allowed_origins: ['https://good.example'] },
    });
    const client = await harness.open(server, '/');
    await client.roundTrip();
  });
});
