import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { BroadcastEncoder } from '../../src/gateway/broadcast-encoder.js';
import type { WsConnection } from '../../src/gateway/ws-connection.js';
import { PerMessageDeflateCodec } from '../../src/protocol/permessage-deflate.codec.js';
import type { DeflateParams } from '../../src/protocol/permessage-deflate.negotiator.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import { decodeServerFrame, type ServerFrame } from '../e2e/support/frames.js';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const RSV1 = 0b100;

/** The part of WsConnection a BroadcastEncoder uses, recording what it is given. */
class FakeConnection {
  readonly encoded: Array<{ buffers: readonly Buffer[]; length: number }> = [];
  readonly framed: Array<{ opcode: number; data: Buffer; fin: boolean; compress: boolean }> = [];

  constructor(
    readonly codec: PerMessageDeflateCodec | null,
    private readonly accepts = true,
  ) {}

  sendEncoded(buffers: readonly Buffer[], length: number): boolean {
    this.encoded.push({ buffers, length });
    return this.accepts;
  }

  send(opcode: number, data: Buffer, fin: boolean, compress: boolean): boolean {
    this.framed.push({ opcode, data, fin, compress });
    return this.accepts;
  }

  get connection(): WsConnection {
    return this as unknown as WsConnection;
  }

  /** The one frame written with sendEncoded. */
  frame(): ServerFrame {
    expect(this.encoded).toHaveLength(1);
    const decoded = decodeServerFrame(Buffer.concat(this.encoded[0].buffers));
    if (decoded === null) throw new Error('incomplete frame');
    expect(decoded.size).toBe(this.encoded[0].length);
    return decoded.frame;
  }
}

function codec(params: Partial<DeflateParams> = {}): PerMessageDeflateCodec {
  return new PerMessageDeflateCodec(
    {
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
      ...params,
    },
    1024 * 1024,
  );
}

const PAYLOAD = Buffer.from('a broadcast message, repeated. '.repeat(50));

function inflate(payload: Buffer): Buffer {
  return inflateRawSync(Buffer.concat([payload, TAIL]), { finishFlush: 2 });
}

describe('BroadcastEncoder', () => {
  it('without COMPRESS, encodes one plain frame shared by every connection', () => {
    const encoder = new BroadcastEncoder(WEBSOCKET_OPCODE_TEXT, PAYLOAD, true, false);
    const peers = [
      new FakeConnection(null),
      new FakeConnection(codec({ serverNoContextTakeover: true })),
      new FakeConnection(codec()),
    ];
    for (const peer of peers) expect(encoder.deliver(peer.connection)).toBe(true);
    for (const peer of peers) {
      const frame = peer.frame();
      expect(frame.rsv).toBe(0);
      expect(frame.fin).toBe(true);
      expect(frame.opcode).toBe(WEBSOCKET_OPCODE_TEXT);
      expect(frame.payload.equals(PAYLOAD)).toBe(true);
      expect(peer.framed).toHaveLength(0);
    }
    expect(peers[1].encoded[0].buffers).toBe(peers[0].encoded[0].buffers);
    expect(peers[2].encoded[0].buffers).toBe(peers[0].encoded[0].buffers);
  });

  it('with COMPRESS: plain for peers without the extension, compressed once per window for stateless peers', () => {
    const encoder = new BroadcastEncoder(WEBSOCKET_OPCODE_BINARY, PAYLOAD, true, true);
    const plain = new FakeConnection(null);
    const stateless15a = new FakeConnection(codec({ serverNoContextTakeover: true }));
    const stateless15b = new FakeConnection(codec({ serverNoContextTakeover: true }));
    const stateless10 = new FakeConnection(
      codec({ serverNoContextTakeover: true, serverMaxWindowBits: 10 }),
    );
    for (const peer of [plain, stateless15a, stateless15b, stateless10]) {
      expect(encoder.deliver(peer.connection)).toBe(true);
    }
    expect(plain.frame().rsv).toBe(0);
    expect(plain.frame().payload.equals(PAYLOAD)).toBe(true);
    for (const peer of [stateless15a, stateless15b, stateless10]) {
      const frame = peer.frame();
      expect(frame.rsv).toBe(RSV1);
      expect(frame.opcode).toBe(WEBSOCKET_OPCODE_BINARY);
      expect(frame.payload.length).toBeLessThan(PAYLOAD.length);
      expect(inflate(frame.payload).equals(PAYLOAD)).toBe(true);
    }
    expect(stateless15b.encoded[0].buffers).toBe(stateless15a.encoded[0].buffers);
    expect(stateless10.encoded[0].buffers).not.toBe(stateless15a.encoded[0].buffers);
  });

  it('with COMPRESS: a peer with context takeover compresses with its own context', () => {
    const encoder = new BroadcastEncoder(WEBSOCKET_OPCODE_TEXT, PAYLOAD, true, true);
    const takeover = new FakeConnection(codec());
    expect(encoder.deliver(takeover.connection)).toBe(true);
    expect(takeover.encoded).toHaveLength(0);
    expect(takeover.framed).toEqual([
      { opcode: WEBSOCKET_OPCODE_TEXT, data: PAYLOAD, fin: true, compress: true },
    ]);
  });

  it('never compresses a fragment: a frame without FIN, or a continuation frame, goes plain', () => {
    for (const [opcode, fin] of [
      [WEBSOCKET_OPCODE_TEXT, false],
      [WEBSOCKET_OPCODE_CONTINUATION, true],
      [WEBSOCKET_OPCODE_CONTINUATION, false],
    ] as const) {
      const encoder = new BroadcastEncoder(opcode, PAYLOAD, fin, true);
      const stateless = new FakeConnection(codec({ serverNoContextTakeover: true }));
      const takeover = new FakeConnection(codec());
      encoder.deliver(stateless.connection);
      encoder.deliver(takeover.connection);
      for (const peer of [stateless, takeover]) {
        const frame = peer.frame();
        expect(frame.rsv).toBe(0);
        expect(frame.fin).toBe(fin);
        expect(frame.opcode).toBe(opcode);
        expect(frame.payload.equals(PAYLOAD)).toBe(true);
      }
    }
  });

  it('reports a connection that could not take the message', () => {
    const encoder = new BroadcastEncoder(WEBSOCKET_OPCODE_TEXT, PAYLOAD, true, true);
    expect(encoder.deliver(new FakeConnection(null, false).connection)).toBe(false);
    expect(
      encoder.deliver(
        new FakeConnection(codec({ serverNoContextTakeover: true }), false).connection,
      ),
    ).toBe(false);
    expect(encoder.deliver(new FakeConnection(codec(), false).connection)).toBe(false);
  });
});
