import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo } from 'node:net';
import { WsClient } from '../../src/client/ws-client.js';
import { WsConnectionError } from '../../src/client/ws-connection.error.js';
import type { WsClientOptions } from '../../src/client/ws-client-options.interface.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import { WEBSOCKET_OPCODE_TEXT } from '../../src/protocol/opcode.constants.js';
import { type RawPeer, RawServer, switchingProtocols } from '../client/support/raw-server.js';

/** The error `connect` rejected with (fails the test if it resolved). */
async function refusal(url: string, options: WsClientOptions = {}): Promise<WsConnectionError> {
  try {
    const client = await WsClient.connect(url, options);
    await client.close();
  } catch (error) {
    expect(error).toBeInstanceOf(WsConnectionError);
    return error as WsConnectionError;
  }
  throw new Error('the handshake was accepted');
}

describe('WsClient.connect against servers that answer wrongly', () => {
  let server: RawServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function answering(answer: (peer: RawPeer) => void): Promise<string> {
    server = await RawServer.start(answer);
    return server.url('/chat?room=1');
  }

  it('sends a valid opening handshake', async () => {
    const url = await answering((peer) => peer.accept());
    const client = await WsClient.connect(url, {
      subprotocols: ['chat', 'json'],
      compression: true,
      headers: { Origin: 'http://example.test', 'X-Token': 'secret' },
    });
    const { request } = await (server as RawServer).peers.next();
    expect(request.requestLine).toBe('GET /chat?room=1 HTTP/1.1');
    expect(request.headers['upgrade']).toBe('websocket');
    expect(request.headers['connection']).toBe('Upgrade');
    expect(request.headers['sec-websocket-version']).toBe('13');
    expect(Buffer.from(request.headers['sec-websocket-key'], 'base64')).toHaveLength(16);
    expect(request.headers['sec-websocket-protocol']).toBe('chat, json');
    expect(request.headers['sec-websocket-extensions']).toBe(
      'permessage-deflate; client_max_window_bits',
    );
    expect(request.headers['origin']).toBe('http://example.test');
    expect(request.headers['x-token']).toBe('secret');
    expect(request.headers['host']).toBe(`127.0.0.1:${(server as RawServer).port}`);
    expect(client.protocol).toBe('');
    client.close().catch(() => undefined);
  });

  it('a status other than 101: rejects with the status in the message', async () => {
    const url = await answering((peer) =>
      peer.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!'),
    );
    const error = await refusal(url);
    expect(error.code).toBe('UNEXPECTED_RESPONSE');
    expect(error.statusCode).toBe(403);
    expect(error.message).toMatch(/403 Forbidden/);
  });

  it('a refusal whose body never ends: rejects at once, nothing left unhandled', async () => {
    const url = await answering((peer) =>
      peer.write(
        'HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nbusy.\r\n',
      ),
    );
    const error = await refusal(url);
    expect(error).toMatchObject({ code: 'UNEXPECTED_RESPONSE', statusCode: 503 });
    // Give a stray 'error' of the abandoned response a chance to surface.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('a 200 with a body: rejects with 200', async () => {
    const url = await answering((peer) =>
      peer.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi'),
    );
    const error = await refusal(url);
    expect(error).toMatchObject({ code: 'UNEXPECTED_RESPONSE', statusCode: 200 });
  });

  it('a 101 without Upgrade: websocket', async () => {
    const url = await answering((peer) =>
      peer.write(
        `HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: ${peer.request.accept}\r\n\r\n`,
      ),
    );
    const error = await refusal(url);
    expect(error.code).toBe('INVALID_HANDSHAKE');
    expect(error.message).toMatch(/Upgrade: websocket/);
  });

  it('a 101 with another Upgrade', async () => {
    const url = await answering((peer) =>
      peer.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${peer.request.accept}\r\n\r\n`,
      ),
    );
    expect((await refusal(url)).message).toMatch(/Upgrade: websocket/);
  });

  it('a wrong Sec-WebSocket-Accept', async () => {
    const url = await answering((peer) =>
      peer.write(switchingProtocols('dGhlIHNhbXBsZSBub25jZQ==')),
    );
    const error = await refusal(url);
    expect(error.code).toBe('INVALID_HANDSHAKE');
    expect(error.message).toMatch(/Sec-WebSocket-Accept/);
  });

  it('no Sec-WebSocket-Accept at all', async () => {
    const url = await answering((peer) =>
      peer.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      ),
    );
    expect((await refusal(url)).message).toMatch(/Sec-WebSocket-Accept/);
  });

  it('an extension the client did not offer', async () => {
    const url = await answering((peer) =>
      peer.accept(['Sec-WebSocket-Extensions: permessage-deflate']),
    );
    const error = await refusal(url);
    expect(error.code).toBe('INVALID_HANDSHAKE');
    expect(error.message).toMatch(/extension "permessage-deflate", which the client did not offer/);
  });

  it('an unknown extension when permessage-deflate was offered', async () => {
    const url = await answering((peer) =>
      peer.accept(['Sec-WebSocket-Extensions: x-webkit-deflate']),
    );
    expect((await refusal(url, { compression: true })).message).toMatch(/x-webkit-deflate/);
  });

  it.each([
    ['a window above 15', 'permessage-deflate; server_max_window_bits=16', true],
    ['an unknown parameter', 'permessage-deflate; level=9', true],
    [
      'a repeated parameter',
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      true,
    ],
    [
      'client_max_window_bits without an offer',
      'permessage-deflate; client_max_window_bits=10',
      {},
    ],
    [
      'server_no_context_takeover left out',
      'permessage-deflate',
      { serverNoContextTakeover: true },
    ],
    [
      'a server window above the offered one',
      'permessage-deflate; server_max_window_bits=12',
      { serverMaxWindowBits: 10 },
    ],
    ['two permessage-deflate answers', 'permessage-deflate, permessage-deflate', true],
    ['a malformed header', 'permessage-deflate;', true],
  ] as const)('an invalid permessage-deflate answer: %s', async (_title, answer, compression) => {
    const url = await answering((peer) => peer.accept([`Sec-WebSocket-Extensions: ${answer}`]));
    const error = await refusal(url, { compression });
    expect(error.code).toBe('INVALID_HANDSHAKE');
    expect(error.message).toMatch(/Sec-WebSocket-Extensions|permessage-deflate|extensions/);
  });

  it('a subprotocol the client did not offer', async () => {
    const url = await answering((peer) => peer.accept(['Sec-WebSocket-Protocol: superchat']));
    const error = await refusal(url, { subprotocols: ['chat'] });
    expect(error.code).toBe('INVALID_HANDSHAKE');
    expect(error.message).toMatch(/subprotocol "superchat", which the client did not offer/);
  });

  it('a subprotocol when the client offered none', async () => {
    const url = await answering((peer) => peer.accept(['Sec-WebSocket-Protocol: chat']));
    expect((await refusal(url)).message).toMatch(/subprotocol "chat"/);
  });

  it('two subprotocols at once', async () => {
    const url = await answering((peer) => peer.accept(['Sec-WebSocket-Protocol: a, b']));
    expect((await refusal(url, { subprotocols: ['a', 'b'] })).message).toMatch(
      /invalid Sec-WebSocket-Protocol/,
    );
  });

  it('no answer within handshakeTimeout', async () => {
    const url = await answering(() => undefined);
    const started = Date.now();
    const error = await refusal(url, { handshakeTimeout: 300 });
    expect(error.code).toBe('HANDSHAKE_TIMEOUT');
    expect(error.message).toMatch(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('the server hangs up during the handshake', async () => {
    const url = await answering((peer) => peer.socket.destroy());
    const error = await refusal(url);
    expect(error.code).toBe('CONNECTION_FAILED');
  });

  it('a 101 with frames right behind it: the frames are not lost', async () => {
    const url = await answering((peer) =>
      peer.write(
        Buffer.concat([
          Buffer.from(switchingProtocols(peer.request.accept)),
          encodeFrame(WEBSOCKET_OPCODE_TEXT, Buffer.from('first')),
          encodeFrame(WEBSOCKET_OPCODE_TEXT, Buffer.from('second')),
        ]),
      ),
    );
    const client = await WsClient.connect(url);
    expect(await client.recv(3000)).toMatchObject({ data: 'first' });
    expect(await client.recv(3000)).toMatchObject({ data: 'second' });
    client.close(1000).catch(() => undefined);
  });
});

describe('WsClient.connect: connection errors and bad options', () => {
  it('connection refused', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await refusal(`ws://127.0.0.1:${port}/`);
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it.each([
    ['not a URL', 'nonsense', {}, /invalid WebSocket URL/],
    ['an http URL', 'http://127.0.0.1:1/', {}, /ws:\/\/ or wss:\/\//],
    ['a fragment', 'ws://127.0.0.1:1/#part', {}, /fragment/],
    ['a negative timeout', 'ws://127.0.0.1:1/', { handshakeTimeout: -1 }, /handshakeTimeout/],
    ['maxPayload NaN', 'ws://127.0.0.1:1/', { maxPayload: Number.NaN }, /maxPayload/],
    ['a subprotocol with a space', 'ws://127.0.0.1:1/', { subprotocols: ['a b'] }, /subprotocols/],
    ['a repeated subprotocol', 'ws://127.0.0.1:1/', { subprotocols: ['a', 'a'] }, /repeat/],
    [
      'a reserved header',
      'ws://127.0.0.1:1/',
      { headers: { 'Sec-WebSocket-Key': 'x' } },
      /headers.Sec-WebSocket-Key/,
    ],
    [
      'a window of 16',
      'ws://127.0.0.1:1/',
      { compression: { serverMaxWindowBits: 16 } },
      /compression.serverMaxWindowBits/,
    ],
    [
      'a header value with a newline',
      'ws://127.0.0.1:1/',
      { headers: { 'X-Bad': 'a\r\nb' } },
      /invalid request/,
    ],
  ] as const)('rejects %s before connecting', async (_title, url, options, message) => {
    const error = await refusal(url, options as WsClientOptions);
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toMatch(message);
  });
});
