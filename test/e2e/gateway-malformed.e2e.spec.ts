import { afterEach, describe, expect, it } from '@jest/globals';
import type { WsServer } from '../../src/gateway/ws-server.service.js';
import type { Frame } from '../../src/protocol/frame.js';
import { clientCloseFrame, clientFrame } from './support/frames.js';
import { Harness } from './support/harness.js';
import { handshakeRequest, type RawClient, type RawHttpResponse } from './support/raw-client.js';
import { Inbox } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

/** Sends a raw request head and reads the answer; the server then ends the connection. */
async function refusedHandshake(server: WsServer, request: string): Promise<RawHttpResponse> {
  const raw = await harness.raw(server);
  raw.write(request);
  const response = await raw.readHttpResponse();
  await raw.waitEnded();
  return response;
}

/** Reads frames until the close frame, then expects the TCP connection to end. */
async function expectClosedWith(raw: RawClient, code: number): Promise<void> {
  const frame = await raw.readFrame();
  expect(frame.opcode).toBe(0x8);
  expect(frame.masked).toBe(false);
  expect(frame.closeCode).toBe(code);
  await raw.waitEnded();
}

describe('malformed opening handshakes', () => {
  it('a bad Sec-WebSocket-Key gets 400', async () => {
    const server = await harness.server();
    for (const key of ['not-base64!!', Buffer.alloc(15).toString('base64'), '']) {
      const response = await refusedHandshake(
        server,
        handshakeRequest('/', { 'Sec-WebSocket-Key': key }),
      );
      expect(response.status).toBe(400);
      await harness.expectServes(server);
    }
    const missing = await refusedHandshake(
      server,
      handshakeRequest('/', { 'Sec-WebSocket-Key': null }),
    );
    expect(missing.status).toBe(400);
    await harness.expectServes(server);
  });

  it('a wrong version gets 426 with Sec-WebSocket-Version: 13', async () => {
    const server = await harness.server();
    const response = await refusedHandshake(
      server,
      handshakeRequest('/', { 'Sec-WebSocket-Version': '8' }),
    );
    expect(response.status).toBe(426);
    expect(response.headers['sec-websocket-version']).toBe('13');
    await harness.expectServes(server);
  });

  it('a missing Upgrade header gets 400', async () => {
    const server = await harness.server();
    const response = await refusedHandshake(
      server,
      handshakeRequest('/', { Upgrade: null, Connection: 'close' }),
    );
    expect(response.status).toBe(400);
    await harness.expectServes(server);
  });

  it('a missing Connection: Upgrade gets 400', async () => {
    const server = await harness.server();
    const response = await refusedHandshake(
      server,
      handshakeRequest('/', { Connection: 'keep-alive' }),
    );
    expect(response.status).toBe(400);
    await harness.expectServes(server);
  });

  it('a POST upgrade gets 400', async () => {
    const server = await harness.server();
    const response = await refusedHandshake(
      server,
      handshakeRequest('/', { 'Content-Length': '0' }, undefined, 'POST'),
    );
    expect(response.status).toBe(400);
    await harness.expectServes(server);
  });

  it('garbage instead of HTTP gets 400', async () => {
    const server = await harness.server();
    const response = await refusedHandshake(server, 'HELLO THERE\r\n\r\n');
    expect(response.status).toBe(400);
    await harness.expectServes(server);
  });
});

describe('malformed frames', () => {
  it('an unmasked client frame gets close 1002, then the TCP connection ends', async () => {
    const frames = new Inbox<Frame>();
    const server = await harness.server({}, (s) =>
      s.on('message', (frame) => {
        frames.push(frame);
        s.push(frame.fd, frame.data, frame.opcode);
      }),
    );
    const raw = await harness.rawWebSocket(server);
    raw.write(clientFrame(0x1, 'unmasked', { mask: false }));
    await expectClosedWith(raw, 1002);
    expect(frames.size).toBe(0);
    await harness.expectServes(server);
  });

  it('a frame header announcing more than package_max_length gets 1009', async () => {
    const server = await harness.server({ settings: { package_max_length: 64 * 1024 } });
    const raw = await harness.rawWebSocket(server);
    // Only the header: 2^40 bytes announced, none sent.
    raw.write(clientFrame(0x2, Buffer.alloc(0), { declaredLength: 2 ** 40 }).subarray(0, 14));
    await expectClosedWith(raw, 1009);
    await harness.expectServes(server);
  });

  it('invalid UTF-8 in a text message gets 1007', async () => {
    const server = await harness.server();
    const raw = await harness.rawWebSocket(server);
    raw.write(clientFrame(0x1, Buffer.from([0x68, 0xc3, 0x28, 0xff])));
    await expectClosedWith(raw, 1007);
    await harness.expectServes(server);
  });

  it('a reserved opcode gets 1002', async () => {
    const server = await harness.server();
    for (const opcode of [0x3, 0xb]) {
      const raw = await harness.rawWebSocket(server);
      raw.write(clientFrame(opcode, 'x'));
      await expectClosedWith(raw, 1002);
      await harness.expectServes(server);
    }
  });

  it('RSV bits without an extension, a fragmented or oversized control frame, and a stray continuation get 1002', async () => {
    const server = await harness.server();
    const bad = [
      clientFrame(0x1, 'x', { rsv1: true }),
      clientFrame(0x9, 'x', { fin: false }),
      clientFrame(0x9, Buffer.alloc(126)),
      clientFrame(0x0, 'x'),
      Buffer.concat([clientFrame(0x1, 'a', { fin: false }), clientFrame(0x1, 'b')]),
    ];
    for (const bytes of bad) {
      const raw = await harness.rawWebSocket(server);
      raw.write(bytes);
      await expectClosedWith(raw, 1002);
      await harness.expectServes(server);
    }
  });

  it('a frame sent in the same packet as the handshake is not lost', async () => {
    const server = await harness.server();
    const raw = await harness.raw(server);
    raw.write(Buffer.concat([Buffer.from(handshakeRequest()), clientFrame(0x1, 'early bird')]));
    expect((await raw.readHttpResponse()).status).toBe(101);
    expect((await raw.readFrame()).payload.toString()).toBe('early bird');
  });

  it('a well-formed raw exchange works: masked text echoed, close answered', async () => {
    const server = await harness.server();
    const raw = await harness.rawWebSocket(server);
    raw.write(clientFrame(0x1, 'by hand'));
    const echo = await raw.readFrame();
    expect(echo).toMatchObject({ opcode: 0x1, fin: true, masked: false });
    expect(echo.payload.toString()).toBe('by hand');
    raw.write(clientCloseFrame(1000, 'done'));
    await expectClosedWith(raw, 1000);
  });
});
