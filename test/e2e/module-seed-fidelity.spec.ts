import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Inject, Injectable, type INestApplicationContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { OnHandshake, OnMessage, OnOpen, WsGateway } from '../../src/decorators/index.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import type { WsRequest } from '../../src/gateway/ws-request.js';
import type { WsResponse } from '../../src/gateway/ws-response.js';
import type { WsServerModuleOptions } from '../../src/module/ws-server-module-options.interface.js';
import { CloseFrame, Frame } from '../../src/protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import { clientCloseFrame, clientFrame } from './support/frames.js';
import { RawClient } from './support/raw-client.js';
import { Client, delay, startApp, waitFor } from './module-support.js';

let app: INestApplicationContext | undefined;
const sockets: Array<{ destroy(): void }> = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await app?.close();
  app = undefined;
});

async function start(
  providers: Array<new (...args: never[]) => unknown>,
  settings: WsServerModuleOptions['settings'] = {},
): Promise<{ port: number; server: WsServer }> {
  const started = await startApp({ providers }, { settings });
  app = started.app;
  return started;
}

async function raw(port: number, path = '/'): Promise<RawClient> {
  const client = await RawClient.connect(port);
  sockets.push(client);
  await client.handshake(path);
  return client;
}

async function wsClient(url: string, options?: WebSocket.ClientOptions): Promise<Client> {
  const client = new Client(new WebSocket(url, options));
  sockets.push({ destroy: () => client.ws.terminate() });
  await new Promise<void>((resolve, reject) => {
    client.ws.once('open', () => resolve());
    client.ws.once('error', reject);
  });
  return client;
}

/** Records every frame its plain `@OnMessage()` gets, answering pings and closes itself. */
@Injectable()
class SingleOnMessageGateway {
  readonly frames: Frame[] = [];
  /** What to do with a received close frame. */
  closeAnswer: 'disconnect' | 'push' | 'nothing' = 'nothing';

  constructor(@Inject(WsServer) private readonly server: WsServer) {}

  @OnMessage()
  message(frame: Frame): void {
    this.frames.push(frame);
    if (frame.opcode === WEBSOCKET_OPCODE_PING) {
      // The seed's own ping example: answer with a pong Frame built by hand.
      const pong = new Frame();
      pong.opcode = WEBSOCKET_OPCODE_PONG;
      pong.data = frame.data;
      this.server.push(frame.fd, pong);
    } else if (frame instanceof CloseFrame) {
      if (this.closeAnswer === 'disconnect') this.server.disconnect(frame.fd, 4000, 'handled');
      if (this.closeAnswer === 'push') {
        const answer = new CloseFrame();
        answer.code = 4002;
        answer.reason = 'pushed';
        this.server.push(frame.fd, answer);
      }
    } else if (frame.opcode === WEBSOCKET_OPCODE_TEXT) {
      this.server.push(frame.fd, `echo:${String(frame.data)}`);
    }
  }
}

describe('1. a plain @OnMessage() receives the control frames whose option is on', () => {
  it('open_websocket_ping_frame: the ping reaches @OnMessage(), which answers the pong itself', async () => {
    const { port } = await start([SingleOnMessageGateway], { open_websocket_ping_frame: true });
    const gateway = app!.get(SingleOnMessageGateway);
    const client = await raw(port);
    client.write(clientFrame(WEBSOCKET_OPCODE_PING, 'are you there'));
    const pong = await client.readFrame();
    expect(pong.opcode).toBe(WEBSOCKET_OPCODE_PONG);
    expect(pong.payload.toString()).toBe('are you there');
    // Exactly one pong: the server did not answer as well.
    client.write(clientFrame(WEBSOCKET_OPCODE_TEXT, 'next'));
    expect((await client.readFrame()).payload.toString()).toBe('echo:next');
    expect(gateway.frames.map((frame) => frame.opcode)).toEqual([
      WEBSOCKET_OPCODE_PING,
      WEBSOCKET_OPCODE_TEXT,
    ]);
  });

  it('open_websocket_pong_frame and _close_frame deliver pongs and CloseFrames too', async () => {
    const { port } = await start([SingleOnMessageGateway], {
      open_websocket_pong_frame: true,
      open_websocket_close_frame: true,
    });
    const gateway = app!.get(SingleOnMessageGateway);
    const client = await raw(port);
    client.write(clientFrame(WEBSOCKET_OPCODE_PONG, 'unsolicited'));
    client.write(clientFrame(WEBSOCKET_OPCODE_BINARY, Buffer.from([1])));
    client.write(clientCloseFrame(4001, 'bye'));
    await waitFor(() => gateway.frames.length === 3, 'three frames');
    expect(gateway.frames.map((frame) => frame.opcode)).toEqual([
      WEBSOCKET_OPCODE_PONG,
      WEBSOCKET_OPCODE_BINARY,
      WEBSOCKET_OPCODE_CLOSE,
    ]);
    expect(gateway.frames[2]).toBeInstanceOf(CloseFrame);
  });

  it('without the options a plain @OnMessage() gets text and binary only', async () => {
    const { port } = await start([SingleOnMessageGateway]);
    const gateway = app!.get(SingleOnMessageGateway);
    const client = await raw(port);
    client.write(clientFrame(WEBSOCKET_OPCODE_PING, 'p'));
    expect((await client.readFrame()).opcode).toBe(WEBSOCKET_OPCODE_PONG);
    client.write(clientFrame(WEBSOCKET_OPCODE_PONG, 'q'));
    client.write(clientFrame(WEBSOCKET_OPCODE_TEXT, 't'));
    expect((await client.readFrame()).payload.toString()).toBe('echo:t');
    expect(gateway.frames.map((frame) => frame.opcode)).toEqual([WEBSOCKET_OPCODE_TEXT]);
  });
});

describe('2. the automatic answer to a client close echoes its code and reason', () => {
  it.each([
    ['without open_websocket_close_frame', {}],
    ['with open_websocket_close_frame, unanswered', { open_websocket_close_frame: true }],
  ])('%s', async (_name, settings) => {
    const { port } = await start([SingleOnMessageGateway], settings);
    const client = await raw(port);
    client.write(clientCloseFrame(4001, 'bye'));
    const answer = await client.readFrame();
    expect(answer.opcode).toBe(WEBSOCKET_OPCODE_CLOSE);
    expect(answer.payload.readUInt16BE(0)).toBe(4001);
    expect(answer.payload.subarray(2).toString()).toBe('bye');
    await client.waitEnded();
  });

  it('a close without a code is answered without a code', async () => {
    const { port } = await start([SingleOnMessageGateway]);
    const client = await raw(port);
    client.write(clientCloseFrame());
    const answer = await client.readFrame();
    expect(answer.opcode).toBe(WEBSOCKET_OPCODE_CLOSE);
    expect(answer.payload.length).toBe(0);
  });
});

describe('the handler answers a delivered close frame (the seed example)', () => {
  it('with disconnect(fd, code, reason) within the turn', async () => {
    const { port } = await start([SingleOnMessageGateway], { open_websocket_close_frame: true });
    const gateway = app!.get(SingleOnMessageGateway);
    gateway.closeAnswer = 'disconnect';
    const client = await raw(port);
    client.write(clientCloseFrame(4001, 'bye'));
    const answer = await client.readFrame();
    expect(answer.payload.readUInt16BE(0)).toBe(4000);
    expect(answer.payload.subarray(2).toString()).toBe('handled');
    await client.waitEnded();
    // One close frame only: the server did not answer as well.
    expect(client.pending.length).toBe(0);
  });

  it('with a pushed CloseFrame within the turn', async () => {
    const { port } = await start([SingleOnMessageGateway], { open_websocket_close_frame: true });
    const gateway = app!.get(SingleOnMessageGateway);
    gateway.closeAnswer = 'push';
    const client = await raw(port);
    client.write(clientCloseFrame(4001, 'bye'));
    const answer = await client.readFrame();
    expect(answer.payload.readUInt16BE(0)).toBe(4002);
    expect(answer.payload.subarray(2).toString()).toBe('pushed');
    await client.waitEnded();
    expect(client.pending.length).toBe(0);
  });
});

/** Pushes a close frame on a text 'close-please'; echoes other text. */
@Injectable()
class PushedCloseGateway {
  readonly received: string[] = [];
  pushResult: boolean | undefined;

  constructor(@Inject(WsServer) private readonly server: WsServer) {}

  @OnMessage()
  message(frame: Frame): void {
    const text = String(frame.data);
    this.received.push(text);
    if (text === 'close-please') {
      const close = new CloseFrame();
      close.code = 4100;
      close.reason = 'pushed';
      this.pushResult = this.server.push(frame.fd, close);
    } else if (text === 'disconnect-please') {
      this.server.disconnect(frame.fd, 4200, 'now');
    }
  }
}

describe('3. push(fd, closeFrame) sends the close frame and keeps the connection', () => {
  it('later messages still reach @OnMessage until the peer answers', async () => {
    const { port, server } = await start([PushedCloseGateway]);
    const gateway = app!.get(PushedCloseGateway);
    const client = await raw(port);
    client.write(clientFrame(WEBSOCKET_OPCODE_TEXT, 'close-please'));
    const close = await client.readFrame();
    expect(close.opcode).toBe(WEBSOCKET_OPCODE_CLOSE);
    expect(close.payload.readUInt16BE(0)).toBe(4100);
    expect(gateway.pushResult).toBe(true);
    const fd = [...server.connections][0];
    expect(server.exist(fd)).toBe(true);
    expect(server.isEstablished(fd)).toBe(true);
    client.write(clientFrame(WEBSOCKET_OPCODE_TEXT, 'still talking'));
    await waitFor(() => gateway.received.length === 2, 'the later message');
    expect(gateway.received).toEqual(['close-please', 'still talking']);
    // Nothing may follow our close frame on the wire: data pushes are refused.
    expect(server.push(fd, 'after close')).toBe(false);
    // The peer answers: the handshake completes and the connection ends.
    client.write(clientCloseFrame(4100, 'pushed'));
    await client.waitEnded();
    await waitFor(() => !server.exist(fd), 'the connection to close');
    expect(client.pending.length).toBe(0);
  });

  it('or until disconnect is called, which ends it without a second close frame', async () => {
    const { port, server } = await start([PushedCloseGateway]);
    const client = await raw(port);
    client.write(clientFrame(WEBSOCKET_OPCODE_TEXT, 'close-please'));
    expect((await client.readFrame()).opcode).toBe(WEBSOCKET_OPCODE_CLOSE);
    client.write(clientFrame(WEBSOCKET_OPCODE_TEXT, 'disconnect-please'));
    await client.waitEnded();
    await waitFor(() => server.stats().connection_num === 0, 'the connection to close');
    expect(client.pending.length).toBe(0);
  });

  it('push of a raw close payload with opcode 8 behaves the same', async () => {
    const { port, server } = await start([PushedCloseGateway]);
    const client = await raw(port);
    client.write(clientFrame(WEBSOCKET_OPCODE_TEXT, 'hello'));
    await waitFor(() => app!.get(PushedCloseGateway).received.length === 1, 'a message');
    const fd = [...server.connections][0];
    const payload = Buffer.from([0x0f, 0xa0, 0x68, 0x69]); // 4000 'hi'
    expect(server.push(fd, payload, WEBSOCKET_OPCODE_CLOSE)).toBe(true);
    const close = await client.readFrame();
    expect(close.payload.equals(payload)).toBe(true);
    expect(server.isEstablished(fd)).toBe(true);
    expect(server.push(fd, payload, WEBSOCKET_OPCODE_CLOSE)).toBe(false);
  });
});

/** The seed's custom handshake: validates the key and answers the 101 by hand. */
@WsGateway('/custom')
@Injectable()
class CustomHandshakeGateway {
  @OnHandshake()
  handshake(request: WsRequest, response: WsResponse): void {
    const key = request.header['sec-websocket-key'];
    const accept = createHash('sha1')
      .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    response.header('Upgrade', 'websocket');
    response.header('Connection', 'Upgrade');
    response.header('Sec-WebSocket-Accept', accept);
    response.header('Sec-WebSocket-Version', '13');
    response.status(101);
    response.end();
  }

  @OnOpen()
  open(): void {
    throw new Error('onOpen must not run after a custom handshake');
  }

  @OnMessage()
  message(frame: Frame): Frame {
    return frame;
  }
}

describe('4. a custom @OnHandshake with websocket_compression still negotiates permessage-deflate', () => {
  it('the 101 carries the agreed extension and messages are compressed both ways', async () => {
    const { port, server } = await start([CustomHandshakeGateway], {
      websocket_compression: true,
      websocket_compression_threshold: 1,
    });
    const client = await wsClient(`ws://127.0.0.1:${port}/custom`, { perMessageDeflate: true });
    expect(client.ws.extensions).toContain('permessage-deflate');
    const text = 'compress me '.repeat(200);
    client.ws.send(text);
    expect((await client.next()).text).toBe(text);
    // Far fewer bytes than the text went each way: compressed in both directions.
    expect(server.stats().bytes_in).toBeLessThan(text.length / 4);
    expect(server.stats().bytes_out).toBeLessThan(text.length / 2);
  });

  it('without an offer from the client, no extension is answered', async () => {
    const { port } = await start([CustomHandshakeGateway], { websocket_compression: true });
    const client = await wsClient(`ws://127.0.0.1:${port}/custom`, { perMessageDeflate: false });
    expect(client.ws.extensions).toBe('');
    client.ws.send('plain');
    expect((await client.next()).text).toBe('plain');
  });
});

describe('5. push never sends an invalid frame', () => {
  it('refuses control payloads over 125 bytes, unknown opcodes and oversized close reasons', async () => {
    const { port, server } = await start([SingleOnMessageGateway]);
    const client = await raw(port);
    client.write(clientFrame(WEBSOCKET_OPCODE_TEXT, 'hi'));
    await client.readFrame();
    const fd = [...server.connections][0];
    expect(server.push(fd, 'x'.repeat(126), WEBSOCKET_OPCODE_PING)).toBe(false);
    expect(server.push(fd, Buffer.alloc(126), WEBSOCKET_OPCODE_PONG)).toBe(false);
    for (const opcode of [-1, 3, 0x0f, 256]) expect(server.push(fd, 'x', opcode)).toBe(false);
    const close = new CloseFrame();
    close.code = 4000;
    close.reason = 'r'.repeat(124);
    expect(server.push(fd, close)).toBe(false);
    close.code = 1006;
    close.reason = '';
    expect(server.push(fd, close)).toBe(false);
    // A ping pushed with flags 0 still goes out final.
    expect(server.push(fd, 'p', WEBSOCKET_OPCODE_PING, 0)).toBe(true);
    const ping = await client.readFrame();
    expect(ping.opcode).toBe(WEBSOCKET_OPCODE_PING);
    expect(ping.fin).toBe(true);
    await delay(20);
    expect(server.isEstablished(fd)).toBe(true);
  });
});
