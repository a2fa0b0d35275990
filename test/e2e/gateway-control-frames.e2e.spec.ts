import { afterEach, describe, expect, it } from '@jest/globals';
import { CloseFrame, type Frame } from '../../src/protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import type { WsServer } from '../../src/gateway/ws-server.service.js';
import { Harness } from './support/harness.js';
import { Inbox } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

/** A message handler that records every frame and echoes text and binary ones. */
function recordAndEcho(server: WsServer, frames: Inbox<Frame>): void {
  server.on('message', (frame) => {
    frames.push(frame);
    if (frame.opcode === WEBSOCKET_OPCODE_TEXT || frame.opcode === WEBSOCKET_OPCODE_BINARY)
      server.push(frame.fd, frame.data, frame.opcode);
  });
}

describe('ping and pong', () => {
  it('a ping is answered with a pong carrying the same payload and never reaches message', async () => {
    const frames = new Inbox<Frame>();
    const server = await harness.server({}, (s) => recordAndEcho(s, frames));
    const client = await harness.open(server);
    client.ws.ping(Buffer.from('are you there'));
    expect((await client.pongs.next()).toString()).toBe('are you there');
    await client.roundTrip();
    expect(frames.items.map((frame) => frame.opcode)).toEqual([WEBSOCKET_OPCODE_TEXT]);
  });

  it('with open_websocket_ping_frame the ping reaches message (opcode 9) and is not answered', async () => {
    const frames = new Inbox<Frame>();
    const server = await harness.server({ settings: { open_websocket_ping_frame: true } }, (s) =>
      recordAndEcho(s, frames),
    );
    const client = await harness.open(server);
    client.ws.ping(Buffer.from('p1'));
    const ping = await frames.next();
    expect(ping.opcode).toBe(WEBSOCKET_OPCODE_PING);
    expect(ping.data).toEqual(Buffer.from('p1'));
    // The echo of a later message arrives, and no pong came before it.
    await client.roundTrip();
    expect(client.pongs.size).toBe(0);
  });

  it('without open_websocket_pong_frame pongs are dropped; with it they reach message', async () => {
    const frames = new Inbox<Frame>();
    const plain = await harness.server({}, (s) => recordAndEcho(s, frames));
    const first = await harness.open(plain);
    first.ws.pong(Buffer.from('unsolicited'));
    await first.roundTrip();
    expect(frames.items.map((frame) => frame.opcode)).toEqual([WEBSOCKET_OPCODE_TEXT]);

    const pongs = new Inbox<Frame>();
    const server = await harness.server({ settings: { open_websocket_pong_frame: true } }, (s) =>
      s.on('message', pongs.push),
    );
    const client = await harness.open(server);
    client.ws.pong(Buffer.from('pong-data'));
    const pong = await pongs.next();
    expect(pong.opcode).toBe(WEBSOCKET_OPCODE_PONG);
    expect(pong.data).toEqual(Buffer.from('pong-data'));
  });
});

describe('open_websocket_close_frame', () => {
  it('delivers the client close frame as a CloseFrame with code and reason', async () => {
    const frames = new Inbox<Frame>();
    const closed = new Inbox<number>();
    const server = await harness.server({ settings: { open_websocket_close_frame: true } }, (s) => {
      recordAndEcho(s, frames);
      s.on('close', closed.push);
    });
    const client = await harness.open(server);
    client.ws.close(4001, 'see you');
    const frame = await frames.next();
    expect(frame).toBeInstanceOf(CloseFrame);
    expect(frame.opcode).toBe(WEBSOCKET_OPCODE_CLOSE);
    expect((frame as CloseFrame).code).toBe(4001);
    expect((frame as CloseFrame).reason).toBe('see you');
    // The close is answered for the handler, with the same code.
    expect((await client.waitClose()).code).toBe(4001);
    expect(await closed.next()).toBe(frame.fd);
    await harness.expectServes(server);
  });

  it('without the setting, close frames do not reach message', async () => {
    const frames = new Inbox<Frame>();
    const closed = new Inbox<number>();
    const server = await harness.server({}, (s) => {
      s.on('message', frames.push);
      s.on('close', closed.push);
    });
    const client = await harness.open(server);
    client.ws.close(4002, 'bye');
    expect((await client.waitClose()).code).toBe(4002);
    await closed.next();
    expect(frames.size).toBe(0);
  });
});

describe('websocket_subprotocol', () => {
  it('answers the offered subprotocol the server supports', async () => {
    const server = await harness.server({ settings: { websocket_subprotocol: 'chat' } });
    const client = await harness.open(server, '/', ['a', 'chat']);
    expect(client.ws.protocol).toBe('chat');
    expect(client.upgradeHeaders?.['sec-websocket-protocol']).toBe('chat');
    await client.roundTrip();
  });

  it('answers none when the client offers none the server supports', async () => {
    const server = await harness.server({ settings: { websocket_subprotocol: 'chat' } });
    const client = await harness.open(server);
    expect(client.ws.protocol).toBe('');
    expect(client.upgradeHeaders?.['sec-websocket-protocol']).toBeUndefined();
  });
});
