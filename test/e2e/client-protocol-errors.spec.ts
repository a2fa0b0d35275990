import { afterEach, describe, expect, it } from '@jest/globals';
import { WsClient } from '../../src/client/ws-client.js';
import type { WsClientOptions } from '../../src/client/ws-client-options.interface.js';
import { encodeClosePayload } from '../../src/protocol/close-payload.js';
import { encodeFrame, randomMask } from '../../src/protocol/frame-encoder.js';
import type { DecodedFrame } from '../../src/protocol/frame-decoder.js';
import { deflateMessage } from '../../src/protocol/permessage-deflate.util.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import { type RawPeer, RawServer } from '../client/support/raw-server.js';
import { waitUntil } from './support/wait.js';

const text = (payload: string | Buffer, options: { fin?: boolean } = {}): Buffer =>
  encodeFrame(WEBSOCKET_OPCODE_TEXT, Buffer.from(payload), options);

/** The close code and reason of a close frame the client sent. */
function closeOf(frame: DecodedFrame): { code: number; reason: string } {
  return {
    code: frame.payload.readUInt16BE(0),
    reason: frame.payload.subarray(2).toString('utf8'),
  };
}

describe('WsClient against a server that breaks RFC 6455 after the handshake', () => {
  let server: RawServer | undefined;
  const clients: WsClient[] = [];

  afterEach(async () => {
    await server?.close();
    await Promise.all(clients.splice(0).map((client) => client.close()));
    server = undefined;
  });

  async function connected(
    options: WsClientOptions = {},
  ): Promise<{ client: WsClient; peer: RawPeer }> {
    server = await RawServer.start((peer) => peer.accept());
    const client = await WsClient.connect(server.url(), options);
    clients.push(client);
    return { client, peer: await server.peers.next() };
  }

  /**
   * Sends `bytes` to the client, expects it to fail the connection with `code`: a masked close
   * frame with that code, recv() false, closeCode and error set, the TCP connection ended.
   */
  async function expectFailure(
    bytes: Buffer,
    code: number,
    reason: RegExp,
    options: WsClientOptions = {},
  ): Promise<void> {
    const { client, peer } = await connected(options);
    peer.write(bytes);
    const close = await peer.nextFrame(WEBSOCKET_OPCODE_CLOSE);
    expect(close.masked).toBe(true);
    expect(closeOf(close).code).toBe(code);
    expect(closeOf(close).reason).toMatch(reason);
    expect(await client.recv(3000)).toBe(false);
    expect(client.closeCode).toBe(code);
    expect(client.closeReason).toMatch(reason);
    expect(client.wasClean).toBe(false);
    expect(client.error).toMatchObject({ code: 'PROTOCOL_ERROR', closeCode: code });
    expect(client.error?.message).toMatch(reason);
    await waitUntil(() => peer.ended, 3000, 'the client to end the TCP connection');
  }

  it('a masked frame: 1002', () =>
    expectFailure(
      encodeFrame(WEBSOCKET_OPCODE_TEXT, Buffer.from('masked'), { mask: randomMask() }),
      1002,
      /must not be masked/,
    ));

  it('RSV1 without an extension: 1002', () =>
    expectFailure(
      encodeFrame(WEBSOCKET_OPCODE_TEXT, Buffer.from('x'), { rsv1: true }),
      1002,
      /RSV1/,
    ));

  it('RSV2 and RSV3: 1002', () =>
    expectFailure(
      encodeFrame(WEBSOCKET_OPCODE_TEXT, Buffer.from('x'), { rsv2: true, rsv3: true }),
      1002,
      /RSV2/,
    ));

  it('a reserved opcode: 1002', () =>
    expectFailure(encodeFrame(0x3, Buffer.from('x')), 1002, /reserved opcode 3/));

  it('a continuation with nothing to continue: 1002', () =>
    expectFailure(
      encodeFrame(WEBSOCKET_OPCODE_CONTINUATION, Buffer.from('x')),
      1002,
      /continuation/,
    ));

  it('a new message inside a fragmented one: 1002', () =>
    expectFailure(Buffer.concat([text('a', { fin: false }), text('b')]), 1002, /new data frame/));

  it('a fragmented ping: 1002', () =>
    expectFailure(
      encodeFrame(WEBSOCKET_OPCODE_PING, Buffer.from('x'), { fin: false }),
      1002,
      /control frames must not be fragmented/,
    ));

  it('a control frame above 125 bytes: 1002', () =>
    expectFailure(encodeFrame(WEBSOCKET_OPCODE_PING, Buffer.alloc(126)), 1002, /125 bytes/));

  it('a close frame with a 1-byte payload: 1002', () =>
    expectFailure(encodeFrame(WEBSOCKET_OPCODE_CLOSE, Buffer.from([3])), 1002, /1 byte/));

  it('a close frame with a reserved code: 1002', () =>
    expectFailure(
      encodeFrame(WEBSOCKET_OPCODE_CLOSE, encodeClosePayload(1005)),
      1002,
      /invalid close code 1005/,
    ));

  it('invalid UTF-8 in a text message: 1007', () =>
    expectFailure(text(Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80])), 1007, /UTF-8/));

  it('invalid UTF-8 across fragments: 1007', () =>
    expectFailure(
      Buffer.concat([
        text(Buffer.from([0xf0, 0x90]), { fin: false }),
        encodeFrame(WEBSOCKET_OPCODE_CONTINUATION, Buffer.from([0x28])),
      ]),
      1007,
      /UTF-8/,
    ));

  it('invalid UTF-8 in a close reason: 1007', () =>
    expectFailure(
      encodeFrame(
        WEBSOCKET_OPCODE_CLOSE,
        Buffer.concat([encodeClosePayload(1000), Buffer.from([0xff])]),
      ),
      1007,
      /UTF-8/,
    ));

  it('a message above maxPayload: 1009', () =>
    expectFailure(encodeFrame(WEBSOCKET_OPCODE_BINARY, Buffer.alloc(2000)), 1009, /too big/, {
      maxPayload: 1000,
    }));

  it('fragments adding up to more than maxPayload: 1009', () =>
    expectFailure(
      Buffer.concat([
        encodeFrame(WEBSOCKET_OPCODE_BINARY, Buffer.alloc(600), { fin: false }),
        encodeFrame(WEBSOCKET_OPCODE_CONTINUATION, Buffer.alloc(600)),
      ]),
      1009,
      /too big/,
      { maxPayload: 1000 },
    ));

  it('a compressed frame after compression was declined: 1002', () =>
    expectFailure(
      encodeFrame(WEBSOCKET_OPCODE_TEXT, Buffer.from([0xf2, 0x48, 0x05, 0x00]), { rsv1: true }),
      1002,
      /RSV1/,
      { compression: true },
    ));

  describe('with permessage-deflate agreed', () => {
    async function deflating(): Promise<{ client: WsClient; peer: RawPeer }> {
      server = await RawServer.start((peer) =>
        peer.accept(['Sec-WebSocket-Extensions: permessage-deflate']),
      );
      const client = await WsClient.connect(server.url(), { compression: true });
      clients.push(client);
      return { client, peer: await server.peers.next() };
    }

    it('inflates a compressed message', async () => {
      const { client, peer } = await deflating();
      peer.write(
        encodeFrame(WEBSOCKET_OPCODE_TEXT, deflateMessage(Buffer.from('hi!')), { rsv1: true }),
      );
      expect(await client.recv(3000)).toMatchObject({ data: 'hi!' });
    });

    it('invalid UTF-8 once inflated: 1007', async () => {
      const { client, peer } = await deflating();
      const invalid = deflateMessage(Buffer.from([0x61, 0xff, 0x62]));
      peer.write(encodeFrame(WEBSOCKET_OPCODE_TEXT, invalid, { rsv1: true }));
      expect(closeOf(await peer.nextFrame(WEBSOCKET_OPCODE_CLOSE)).code).toBe(1007);
      expect(await client.recv(3000)).toBe(false);
      expect(client.closeCode).toBe(1007);
    });

    it('data that does not inflate: 1007', async () => {
      const { client, peer } = await deflating();
      peer.write(
        encodeFrame(WEBSOCKET_OPCODE_BINARY, Buffer.from([0xff, 0xff, 0xff, 0xff]), {
          rsv1: true,
        }),
      );
      expect(closeOf(await peer.nextFrame(WEBSOCKET_OPCODE_CLOSE)).code).toBe(1007);
      expect(await client.recv(3000)).toBe(false);
      expect(client.closeReason).toMatch(/invalid compressed data/);
    });

    it('RSV1 on a continuation frame: 1002', async () => {
      const { client, peer } = await deflating();
      peer.write(
        Buffer.concat([
          encodeFrame(WEBSOCKET_OPCODE_TEXT, deflateMessage(Buffer.from('a')), {
            rsv1: true,
            fin: false,
          }),
          encodeFrame(WEBSOCKET_OPCODE_CONTINUATION, Buffer.alloc(0), { rsv1: true }),
        ]),
      );
      expect(closeOf(await peer.nextFrame(WEBSOCKET_OPCODE_CLOSE)).code).toBe(1002);
      expect(await client.recv(3000)).toBe(false);
    });

    it('keeps many messages in order behind slow inflation, pausing when too many wait', async () => {
      const { client, peer } = await deflating();
      const frames: Buffer[] = [];
      for (let i = 0; i < 200; i++) {
        const payload = Buffer.from(`message ${i} ${'z'.repeat(i)}`);
        frames.push(
          i % 2 === 0
            ? encodeFrame(WEBSOCKET_OPCODE_TEXT, deflateMessage(payload), { rsv1: true })
            : encodeFrame(WEBSOCKET_OPCODE_TEXT, payload),
        );
      }
      peer.write(Buffer.concat(frames));
      for (let i = 0; i < 200; i++) {
        const frame = await client.recv(5000);
        expect(frame && (frame.data as string).startsWith(`message ${i} `)).toBe(true);
      }
    });
  });

  it('delivers what came before the violation', async () => {
    const { client, peer } = await connected();
    peer.write(Buffer.concat([text('fine'), encodeFrame(0xb, Buffer.alloc(0))]));
    expect(await client.recv(3000)).toMatchObject({ data: 'fine' });
    expect(await client.recv(3000)).toBe(false);
    expect(client.closeCode).toBe(1002);
  });

  it('masks every frame, each with a fresh key', async () => {
    const { client, peer } = await connected();
    for (let i = 0; i < 5; i++) client.push('same payload');
    client.ping('p');
    const frames = [];
    for (let i = 0; i < 5; i++) frames.push(await peer.nextFrame(WEBSOCKET_OPCODE_TEXT));
    const ping = await peer.nextFrame(WEBSOCKET_OPCODE_PING);
    expect([...frames, ping].every((frame) => frame.masked)).toBe(true);
    expect(frames.every((frame) => frame.payload.toString() === 'same payload')).toBe(true);
    const keys = new Set([...frames, ping].map((frame) => frame.maskKey?.toString('hex')));
    expect(keys.size).toBe(6);
    // So the same payload gives different bytes on the wire.
    expect(new Set(frames.map((frame) => frame.wire.toString('hex'))).size).toBe(5);
  });

  it('answers pings with masked pongs and ignores unsolicited pongs', async () => {
    const { client, peer } = await connected();
    peer.write(encodeFrame(WEBSOCKET_OPCODE_PONG, Buffer.from('nobody asked')));
    peer.write(encodeFrame(WEBSOCKET_OPCODE_PING, Buffer.from('hello?')));
    const pong = await peer.nextFrame(WEBSOCKET_OPCODE_PONG);
    expect(pong.masked).toBe(true);
    expect(pong.payload.toString()).toBe('hello?');
    expect(client.connected).toBe(true);
    expect(client.error).toBeUndefined();
  });

  it('a pong for a later ping answers the earlier ones too', async () => {
    const { client, peer } = await connected();
    const first = client.ping('1');
    const second = client.ping('2');
    await peer.nextFrame(WEBSOCKET_OPCODE_PING);
    await peer.nextFrame(WEBSOCKET_OPCODE_PING);
    peer.write(encodeFrame(WEBSOCKET_OPCODE_PONG, Buffer.from('2')));
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    const unanswered = client.ping('3', 100);
    expect(await unanswered).toBe(false);
  });

  it('a ping waiting for its pong resolves false when the connection closes', async () => {
    const { client, peer } = await connected();
    const pending = client.ping('never answered');
    await peer.nextFrame(WEBSOCKET_OPCODE_PING);
    peer.socket.destroy();
    expect(await pending).toBe(false);
    expect(client.closeCode).toBe(1006);
  });

  it('the server drops TCP without a close frame: 1006, not clean', async () => {
    const { client, peer } = await connected();
    peer.write(text('bye?'));
    peer.socket.end();
    expect(await client.recv(3000)).toMatchObject({ data: 'bye?' });
    expect(await client.recv(3000)).toBe(false);
    expect(client.closeCode).toBe(1006);
    expect(client.closeReason).toBe('');
    expect(client.wasClean).toBe(false);
    expect(client.connected).toBe(false);
  });

  it('a connection reset: SOCKET_ERROR, 1006', async () => {
    const { client, peer } = await connected();
    peer.socket.resetAndDestroy();
    expect(await client.recv(3000)).toBe(false);
    expect(client.closeCode).toBe(1006);
    expect(client.error?.code).toBe('SOCKET_ERROR');
    expect(client.error?.message).toMatch(/ECONNRESET/);
  });

  it('an empty close frame from the server: 1005, answered with an empty close frame', async () => {
    const { client, peer } = await connected();
    peer.write(encodeFrame(WEBSOCKET_OPCODE_CLOSE, Buffer.alloc(0)));
    const answer = await peer.nextFrame(WEBSOCKET_OPCODE_CLOSE);
    expect(answer.payload).toHaveLength(0);
    peer.socket.end();
    expect(await client.recv(3000)).toBe(false);
    expect(client.closeCode).toBe(1005);
    expect(client.wasClean).toBe(true);
  });

  it('a server that never closes TCP after the handshake is dropped after closeTimeout', async () => {
    const { client, peer } = await connected({ closeTimeout: 200 });
    peer.write(encodeFrame(WEBSOCKET_OPCODE_CLOSE, encodeClosePayload(1001, 'going away')));
    expect(closeOf(await peer.nextFrame(WEBSOCKET_OPCODE_CLOSE)).code).toBe(1001);
    expect(await client.recv(5000)).toBe(false);
    expect(client.closeCode).toBe(1001);
    expect(client.closeReason).toBe('going away');
    expect(client.wasClean).toBe(false);
    await waitUntil(() => peer.ended, 3000, 'the client to drop the connection');
  });

  it('close() resolves after closeTimeout when the server never answers', async () => {
    const { client, peer } = await connected({ closeTimeout: 200 });
    const closing = client.close(1000, 'done');
    expect(closeOf(await peer.nextFrame(WEBSOCKET_OPCODE_CLOSE))).toEqual({
      code: 1000,
      reason: 'done',
    });
    expect(await closing).toBe(true);
    expect(client.closeCode).toBe(1006);
    expect(client.wasClean).toBe(false);
  });

  it('close(1005) sends a close frame without a code', async () => {
    const { client, peer } = await connected({ closeTimeout: 200 });
    const closing = client.close(1005);
    expect((await peer.nextFrame(WEBSOCKET_OPCODE_CLOSE)).payload).toHaveLength(0);
    peer.write(encodeFrame(WEBSOCKET_OPCODE_CLOSE, Buffer.alloc(0)));
    peer.socket.end();
    expect(await closing).toBe(true);
    expect(client.closeCode).toBe(1005);
    expect(client.wasClean).toBe(true);
  });

  it('stops sending after its close frame, but still delivers messages until the answer', async () => {
    const { client, peer } = await connected();
    const closing = client.close(4000, 'leaving');
    await peer.nextFrame(WEBSOCKET_OPCODE_CLOSE);
    expect(client.push('too late')).toBe(false);
    peer.write(text('in flight'));
    peer.write(encodeFrame(WEBSOCKET_OPCODE_CLOSE, encodeClosePayload(4000)));
    peer.socket.end();
    expect(await closing).toBe(true);
    expect(client.closeCode).toBe(4000);
    expect(client.wasClean).toBe(true);
    expect(await client.recv()).toMatchObject({ data: 'in flight' });
    expect(await client.recv()).toBe(false);
  });
});
