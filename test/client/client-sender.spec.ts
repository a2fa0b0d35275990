import { describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import { createClientDeflateCodec } from '../../src/client/client-deflate.codec.js';
import {
  ClientSender,
  type SenderOptions,
  outgoingFrameOf,
  toBytes,
} from '../../src/client/client-sender.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../../src/protocol/frame-flag.constants.js';
import { FrameParser } from '../../src/protocol/frame-parser.js';
import { Frame } from '../../src/protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import { PerMessageDeflateCodec } from '../../src/protocol/permessage-deflate.codec.js';
import type { DeflateParams } from '../../src/protocol/permessage-deflate.negotiator.js';
import { waitUntil } from '../e2e/support/wait.js';

const AGREED: DeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};
const FIN = SWOOLE_WEBSOCKET_FLAG_FIN;

/** What the sender uses of a socket: writes are kept, `end` is recorded. */
class FakeSocket {
  writable = true;
  writableLength = 0;
  ended = false;
  readonly written: Buffer[] = [];

  write(data: Buffer): boolean {
    this.written.push(data);
    return true;
  }
  cork(): void {}
  uncork(): void {}
  end(): void {
    this.ended = true;
  }
}

/** A frame as a server reads it. */
interface Received {
  opcode: number;
  data: Buffer;
  compressed?: boolean;
  code?: number;
  reason?: string;
}

/** Parses what was written the way a server does: every frame must be masked. */
function framesOf(written: Buffer[]): Received[] {
  const frames: Received[] = [];
  const parser = new FrameParser(
    {
      onMessage: (opcode, data, compressed) => frames.push({ opcode, data, compressed }),
      onPing: (data) => frames.push({ opcode: WEBSOCKET_OPCODE_PING, data }),
      onPong: (data) => frames.push({ opcode: WEBSOCKET_OPCODE_PONG, data }),
      onClose: (code, reason, data) =>
        frames.push({ opcode: WEBSOCKET_OPCODE_CLOSE, data, code, reason }),
      onError: (code, reason) => {
        throw new Error(`the client wrote an invalid stream: ${code} ${reason}`);
      },
    },
    { expectMasked: true, allowRsv1: true },
  );
  parser.push(Buffer.concat(written));
  return frames;
}

function setup(options: Partial<SenderOptions> = {}): { socket: FakeSocket; sender: ClientSender } {
  const socket = new FakeSocket();
  const sender = new ClientSender(socket as unknown as Socket, {
    codec: null,
    compresses: false,
    maxOutputBuffer: 1 << 20,
    ...options,
  });
  return { socket, sender };
}

function text(payload: string, flags = FIN): { payload: string; opcode: number; flags: number } {
  return { payload, opcode: WEBSOCKET_OPCODE_TEXT, flags };
}

describe('ClientSender', () => {
  it('sends text, binary, ping and pong frames, masked', () => {
    const { socket, sender } = setup();
    expect(sender.send(text('hi'))).toBe(true);
    expect(
      sender.send({ payload: Buffer.from([1]), opcode: WEBSOCKET_OPCODE_BINARY, flags: FIN }),
    ).toBe(true);
    expect(sender.send({ payload: 'p', opcode: WEBSOCKET_OPCODE_PING, flags: FIN })).toBe(true);
    sender.pong(Buffer.from('q'));
    expect(framesOf(socket.written).map((frame) => [frame.opcode, frame.data.toString()])).toEqual([
      [WEBSOCKET_OPCODE_TEXT, 'hi'],
      [WEBSOCKET_OPCODE_BINARY, '\u0001'],
      [WEBSOCKET_OPCODE_PING, 'p'],
      [WEBSOCKET_OPCODE_PONG, 'q'],
    ]);
  });

  it('refuses, sending nothing, what would break the stream', () => {
    const { socket, sender } = setup();
    const refused = [
      { payload: 'x'.repeat(126), opcode: WEBSOCKET_OPCODE_PING, flags: FIN },
      { payload: 'x', opcode: WEBSOCKET_OPCODE_CLOSE, flags: FIN },
      { payload: 'x', opcode: 0x3, flags: FIN },
      { payload: 'x', opcode: WEBSOCKET_OPCODE_CONTINUATION, flags: FIN },
      { payload: Buffer.from([0xff]), opcode: WEBSOCKET_OPCODE_TEXT, flags: FIN },
    ];
    for (const frame of refused) expect(sender.send(frame)).toBe(false);
    expect(sender.control(WEBSOCKET_OPCODE_PING, Buffer.alloc(126))).toBe(false);
    expect(socket.written).toEqual([]);
  });

  it('sends a fragmented message, and no new message inside it', () => {
    const { socket, sender } = setup();
    expect(sender.send(text('ab', 0))).toBe(true);
    expect(sender.send(text('new'))).toBe(false);
    expect(sender.send({ payload: 'cd', opcode: WEBSOCKET_OPCODE_CONTINUATION, flags: FIN })).toBe(
      true,
    );
    const frames = framesOf(socket.written);
    expect(frames).toEqual([
      { opcode: WEBSOCKET_OPCODE_TEXT, data: Buffer.from('abcd'), compressed: false },
    ]);
  });

  it('refuses a frame that would take the output buffer past maxOutputBuffer', () => {
    const { socket, sender } = setup({ maxOutputBuffer: 10 });
    socket.writableLength = 8;
    expect(sender.bufferedAmount).toBe(8);
    expect(sender.send(text('abc'))).toBe(false);
    expect(sender.send(text('ab'))).toBe(true);
  });

  it('compresses on request, keeping frames pushed meanwhile behind it', async () => {
    const codec = createClientDeflateCodec(AGREED, 1 << 20);
    const { socket, sender } = setup({ codec, compresses: true });
    expect(sender.send(text('squeeze me', FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS))).toBe(true);
    expect(sender.send(text('plain'))).toBe(true);
    expect(socket.written).toEqual([]); // the plain frame waits for the compressed one
    sender.endWhenWritten();
    await waitUntil(() => socket.ended, 5000, 'the compressed frame to be written');
    const [compressed, plain] = framesOf(socket.written);
    expect(compressed.compressed).toBe(true);
    expect(plain).toEqual({
      opcode: WEBSOCKET_OPCODE_TEXT,
      data: Buffer.from('plain'),
      compressed: false,
    });
    const server = new PerMessageDeflateCodec(AGREED, 1 << 20);
    const inflated = await new Promise<Buffer>((resolve, reject) =>
      server.decompress(compressed.data, (failure, data) =>
        failure ? reject(new Error(failure.reason)) : resolve(data as Buffer),
      ),
    );
    expect(inflated.toString()).toBe('squeeze me');
    server.release();
    codec.release();
  });

  it('does not compress when the agreement does not let the client', () => {
    const { socket, sender } = setup({ compresses: false });
    sender.send(text('as is', FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS));
    expect(framesOf(socket.written)[0].compressed).toBe(false);
  });

  it('sends a close frame with a code, or without one, and ends once written', () => {
    const { socket, sender } = setup();
    sender.close(1000, 'bye');
    sender.close(undefined, '');
    sender.endWhenWritten();
    expect(socket.ended).toBe(true);
    // The parser stops at the first close frame: read them one by one.
    const first = framesOf([socket.written[0]]);
    const second = framesOf([socket.written[1]]);
    expect([first[0].code, first[0].reason]).toEqual([1000, 'bye']);
    expect([second[0].code, second[0].data.length]).toEqual([1005, 0]);
  });
});

describe('outgoingFrameOf', () => {
  it('takes the arguments for a string or a Buffer', () => {
    expect(outgoingFrameOf('a', WEBSOCKET_OPCODE_TEXT, 0)).toEqual({
      payload: 'a',
      opcode: WEBSOCKET_OPCODE_TEXT,
      flags: 0,
    });
    const bytes = Buffer.from([1]);
    expect(outgoingFrameOf(bytes, WEBSOCKET_OPCODE_BINARY, FIN)?.payload).toBe(bytes);
  });

  it('takes opcode and flags from a Frame, FIN from its finish', () => {
    const frame = new Frame();
    frame.data = 'part';
    frame.opcode = WEBSOCKET_OPCODE_BINARY;
    frame.finish = false;
    expect(outgoingFrameOf(frame, WEBSOCKET_OPCODE_TEXT, FIN)).toEqual({
      payload: Buffer.from('part'),
      opcode: WEBSOCKET_OPCODE_BINARY,
      flags: 0,
    });
    frame.finish = true;
    frame.flags = SWOOLE_WEBSOCKET_FLAG_COMPRESS;
    expect(outgoingFrameOf(frame, WEBSOCKET_OPCODE_TEXT, 0)?.flags).toBe(
      SWOOLE_WEBSOCKET_FLAG_COMPRESS | FIN,
    );
  });

  it('is null for anything else', () => {
    expect(outgoingFrameOf(42 as unknown as string, WEBSOCKET_OPCODE_TEXT, FIN)).toBeNull();
  });
});

describe('toBytes', () => {
  it('encodes a string as UTF-8 and passes a Buffer through', () => {
    expect(toBytes('é')).toEqual(Buffer.from([0xc3, 0xa9]));
    const bytes = Buffer.from([9]);
    expect(toBytes(bytes)).toBe(bytes);
  });
});
