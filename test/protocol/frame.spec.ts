import { describe, expect, it } from '@jest/globals';
import { CloseFrame, Frame } from '../../src/protocol/frame.js';
import { decodeFrame } from '../../src/protocol/frame-decoder.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
  SWOOLE_WEBSOCKET_FLAG_MASK,
  SWOOLE_WEBSOCKET_FLAG_RSV1,
  SWOOLE_WEBSOCKET_FLAG_RSV2,
  SWOOLE_WEBSOCKET_FLAG_RSV3,
} from '../../src/protocol/frame-flag.constants.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';

const hex = (b: Buffer) => b.toString('hex');

/** `Frame.pack` where the frame is valid: a Buffer, never false. */
function pack(...args: Parameters<typeof Frame.pack>): Buffer {
  const packed = Frame.pack(...args);
  if (packed === false) throw new Error('pack refused a valid frame');
  return packed;
}
const MASK = Buffer.from('37fa213d', 'hex');

function unpacked(data: Buffer): Frame {
  const frame = Frame.unpack(data);
  if (frame === false) throw new Error(`not a frame: ${hex(data)}`);
  return frame;
}

describe('Frame construction', () => {
  it('has the Swoole defaults', () => {
    const frame = new Frame();
    expect(frame.fd).toBe(0);
    expect(frame.opcode).toBe(WEBSOCKET_OPCODE_TEXT);
    expect(frame.flags).toBe(SWOOLE_WEBSOCKET_FLAG_FIN);
    expect(frame.finish).toBe(true);
    expect(frame.data).toBe('');
    expect(frame.payload.length).toBe(0);
  });

  it('gives an empty payload before anything is assigned', () => {
    const frame = new Frame();
    expect(Buffer.isBuffer(frame.payload)).toBe(true);
    expect(frame.payload.length).toBe(0);
    expect(frame.data).toBe('');
  });

  it('gives an empty Buffer as data for a non-text frame with nothing assigned', () => {
    const frame = new Frame();
    frame.opcode = WEBSOCKET_OPCODE_BINARY;
    expect(Buffer.isBuffer(frame.data)).toBe(true);
    expect((frame.data as Buffer).length).toBe(0);
  });

  it('builds a CloseFrame with the Swoole defaults', () => {
    const frame = new CloseFrame();
    expect(frame).toBeInstanceOf(Frame);
    expect(frame.opcode).toBe(WEBSOCKET_OPCODE_CLOSE);
    expect(frame.code).toBe(1000);
    expect(frame.reason).toBe('');
    expect(frame.fd).toBe(0);
    expect(frame.flags).toBe(SWOOLE_WEBSOCKET_FLAG_FIN);
    expect(frame.finish).toBe(true);
  });
});

describe('Frame data and payload', () => {
  it('returns assigned data as is and its bytes as payload', () => {
    const frame = new Frame();
    frame.data = 'héllo';
    expect(frame.data).toBe('héllo');
    expect(frame.payload.equals(Buffer.from('héllo', 'utf8'))).toBe(true);
    const bytes = Buffer.from([1, 2, 3]);
    frame.data = bytes;
    expect(frame.data).toBe(bytes);
    expect(frame.payload).toBe(bytes);
  });

  it('keeps an assigned Buffer as a Buffer even for a text frame', () => {
    const frame = new Frame();
    const bytes = Buffer.from('abc');
    frame.data = bytes;
    expect(frame.data).toBe(bytes);
  });

  it('replaces the payload when data is assigned again', () => {
    const frame = Frame.fromPayload(3, WEBSOCKET_OPCODE_TEXT, Buffer.from('old'));
    frame.data = 'new';
    expect(frame.payload.toString()).toBe('new');
    expect(frame.data).toBe('new');
  });

  it('fromPayload keeps the bytes and decodes text only when data is read', () => {
    const bytes = Buffer.from('Hello');
    const frame = Frame.fromPayload(7, WEBSOCKET_OPCODE_TEXT, bytes);
    expect(frame).not.toBeInstanceOf(CloseFrame);
    expect(frame.fd).toBe(7);
    expect(frame.opcode).toBe(WEBSOCKET_OPCODE_TEXT);
    expect(frame.flags).toBe(SWOOLE_WEBSOCKET_FLAG_FIN);
    expect(frame.finish).toBe(true);
    expect(frame.payload).toBe(bytes);
    expect(frame.data).toBe('Hello');
    expect(frame.payload).toBe(bytes);
  });

  it('fromPayload gives binary and control data as the Buffer itself', () => {
    const bytes = Buffer.from([0xff, 0x00]);
    expect(Frame.fromPayload(1, WEBSOCKET_OPCODE_BINARY, bytes).data).toBe(bytes);
    expect(Frame.fromPayload(1, WEBSOCKET_OPCODE_PING, bytes).data).toBe(bytes);
    expect(Frame.fromPayload(1, WEBSOCKET_OPCODE_CONTINUATION, bytes).data).toBe(bytes);
  });

  it('fromPayload derives finish from the flags and builds a CloseFrame for close', () => {
    const fragment = Frame.fromPayload(2, WEBSOCKET_OPCODE_BINARY, Buffer.alloc(1), 0);
    expect(fragment.finish).toBe(false);
    expect(fragment.flags).toBe(0);
    const close = Frame.fromPayload(2, WEBSOCKET_OPCODE_CLOSE, Buffer.alloc(0));
    expect(close).toBeInstanceOf(CloseFrame);
    expect(close.opcode).toBe(WEBSOCKET_OPCODE_CLOSE);
  });
});

describe('Frame.pack', () => {
  it('packs a string as a final text frame by default', () => {
    expect(hex(pack('Hello'))).toBe('810548656c6c6f');
  });

  it('packs a Buffer with the given opcode and flags', () => {
    expect(hex(pack(Buffer.from([1, 2]), WEBSOCKET_OPCODE_BINARY))).toBe('82020102');
    expect(hex(pack(Buffer.from([1, 2]), WEBSOCKET_OPCODE_BINARY, 0))).toBe('02020102');
    expect(hex(pack('', WEBSOCKET_OPCODE_PING))).toBe('8900');
    expect(hex(pack('x', WEBSOCKET_OPCODE_PONG))).toBe('8a0178');
  });

  it('packs a UTF-8 string as its bytes', () => {
    expect(hex(pack('é'))).toBe('8102c3a9');
  });

  it('accepts flags as a boolean', () => {
    expect(hex(pack('a', WEBSOCKET_OPCODE_TEXT, true))).toBe('810161');
    expect(hex(pack('a', WEBSOCKET_OPCODE_TEXT, false))).toBe('010161');
  });

  it('sets RSV2 and RSV3 from the flags, and RSV1 without compressing', () => {
    const flags = SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_RSV2;
    expect(hex(pack('a', WEBSOCKET_OPCODE_TEXT, flags))).toBe('a10161');
    expect(hex(pack('a', WEBSOCKET_OPCODE_TEXT, SWOOLE_WEBSOCKET_FLAG_RSV3))).toBe('110161');
    expect(hex(pack('a', WEBSOCKET_OPCODE_TEXT, SWOOLE_WEBSOCKET_FLAG_RSV1))).toBe('410161');
  });

  it('packs a Frame with its own opcode, flags and finish, ignoring the later arguments', () => {
    const frame = new Frame();
    frame.opcode = WEBSOCKET_OPCODE_BINARY;
    frame.data = Buffer.from([9]);
    expect(hex(pack(frame))).toBe('820109');
    expect(hex(pack(frame, WEBSOCKET_OPCODE_TEXT, 0))).toBe('820109');
    expect(hex(pack(frame, WEBSOCKET_OPCODE_PING, false))).toBe('820109');
  });

  it('packs a ping Frame built by hand', () => {
    const frame = new Frame();
    frame.opcode = WEBSOCKET_OPCODE_PING;
    frame.data = 'hi';
    expect(hex(pack(frame))).toBe('89026869');
  });

  it('clears FIN when finish is false, and sets it when finish is true', () => {
    const frame = new Frame();
    frame.data = 'a';
    frame.finish = false;
    expect(hex(pack(frame))).toBe('010161');
    frame.finish = true;
    frame.flags = 0;
    expect(hex(pack(frame))).toBe('810161');
  });

  it('compresses with the COMPRESS flag: RSV1 set, RFC 7692 bytes, unpack inflates', () => {
    const flags = SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS;
    const packed = pack('Hello', WEBSOCKET_OPCODE_TEXT, flags);
    expect(hex(packed)).toBe('c107f248cdc9c90700');
    const frame = unpacked(packed);
    expect(frame.data).toBe('Hello');
    expect(frame.flags).toBe(
      SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_RSV1 | SWOOLE_WEBSOCKET_FLAG_COMPRESS,
    );
  });

  it('compresses a large binary Frame object and reads it back', () => {
    const frame = new Frame();
    frame.opcode = WEBSOCKET_OPCODE_BINARY;
    frame.flags = SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS;
    const data = Buffer.alloc(10000, 'abc');
    frame.data = data;
    const packed = pack(frame);
    expect(packed.length).toBeLessThan(200);
    expect(packed[0]).toBe(0xc2);
    const back = unpacked(packed);
    expect(Buffer.isBuffer(back.data)).toBe(true);
    expect((back.data as Buffer).equals(data)).toBe(true);
  });

  it('does not compress control frames', () => {
    const flags = SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS;
    expect(hex(pack('Hello', WEBSOCKET_OPCODE_PING, flags))).toBe('890548656c6c6f');
  });

  it('masks with the MASK flag, leaving the caller buffer alone, and unpack reads it back', () => {
    const data = Buffer.from('masked payload');
    const copy = Buffer.from(data);
    const flags = SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_MASK;
    const packed = pack(data, WEBSOCKET_OPCODE_BINARY, flags);
    expect(data.equals(copy)).toBe(true);
    expect(packed[0]).toBe(0x82);
    expect(packed[1]).toBe(0x80 | data.length);
    expect(packed.length).toBe(2 + 4 + data.length);
    const frame = unpacked(packed);
    expect(frame.flags).toBe(flags);
    expect((frame.data as Buffer).equals(data)).toBe(true);
  });

  it('masks and compresses together', () => {
    const flags =
      SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_MASK | SWOOLE_WEBSOCKET_FLAG_COMPRESS;
    const packed = pack('Hello', WEBSOCKET_OPCODE_TEXT, flags);
    expect(packed[0]).toBe(0xc1);
    expect(packed[1]).toBe(0x87);
    const frame = unpacked(packed);
    expect(frame.data).toBe('Hello');
    expect(frame.flags).toBe(flags | SWOOLE_WEBSOCKET_FLAG_RSV1);
  });
});

describe('Frame.unpack', () => {
  it('inflates at most maxLength bytes: a compression bomb is refused', () => {
    const bomb = pack(Buffer.alloc(4 * 1024 * 1024), WEBSOCKET_OPCODE_BINARY, 1 | 2);
    expect(bomb.length).toBeLessThan(8 * 1024);
    expect(Frame.unpack(bomb)).toBe(false); // over the 2 MiB default
    expect(Frame.unpack(bomb, 1024 * 1024)).toBe(false);
    const fits = unpacked(pack(Buffer.alloc(1024 * 1024), WEBSOCKET_OPCODE_BINARY, 1 | 2));
    expect(fits.payload.length).toBe(1024 * 1024);
  });

  it('reads the RFC 6455 masked "Hello"', () => {
    const frame = unpacked(Buffer.from('818537fa213d7f9f4d5158', 'hex'));
    expect(frame).not.toBeInstanceOf(CloseFrame);
    expect(frame.fd).toBe(0);
    expect(frame.opcode).toBe(WEBSOCKET_OPCODE_TEXT);
    expect(frame.data).toBe('Hello');
    expect(frame.finish).toBe(true);
    expect(frame.flags).toBe(SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_MASK);
  });

  it('gives a string for text and a Buffer for binary', () => {
    expect(unpacked(pack('txt')).data).toBe('txt');
    const binary = unpacked(pack(Buffer.from('bin'), WEBSOCKET_OPCODE_BINARY));
    expect(Buffer.isBuffer(binary.data)).toBe(true);
    expect((binary.data as Buffer).toString()).toBe('bin');
    expect(binary.payload.toString()).toBe('bin');
  });

  it('reads a non-final fragment and RSV2/RSV3', () => {
    const frame = unpacked(Buffer.from('310161', 'hex'));
    expect(frame.finish).toBe(false);
    expect(frame.flags).toBe(SWOOLE_WEBSOCKET_FLAG_RSV2 | SWOOLE_WEBSOCKET_FLAG_RSV3);
    expect(frame.data).toBe('a');
  });

  it('returns false for incomplete input at every truncation', () => {
    const packed = pack('Hello, world', WEBSOCKET_OPCODE_TEXT, 33);
    for (let cut = 0; cut < packed.length; cut++) {
      expect(Frame.unpack(packed.subarray(0, cut))).toBe(false);
    }
    expect(Frame.unpack(packed)).not.toBe(false);
  });

  it.each([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf])(
    'returns false for reserved opcode %i',
    (op) => {
      expect(Frame.unpack(Buffer.from([0x80 | op, 0]))).toBe(false);
    },
  );

  it('returns false for garbage', () => {
    expect(Frame.unpack(Buffer.from('ffffffffffffffff', 'hex'))).toBe(false);
    expect(Frame.unpack(Buffer.from('GET / HTTP/1.1\r\n'))).toBe(false);
  });

  it('returns false for a compressed frame that does not inflate', () => {
    expect(Frame.unpack(encodeFrame(1, Buffer.from('ffffffff', 'hex'), { rsv1: true }))).toBe(
      false,
    );
  });

  it('returns a CloseFrame with code and reason for a close frame', () => {
    const frame = unpacked(Buffer.from('880503e8627965', 'hex'));
    expect(frame).toBeInstanceOf(CloseFrame);
    const close = frame as CloseFrame;
    expect(close.opcode).toBe(WEBSOCKET_OPCODE_CLOSE);
    expect(close.code).toBe(1000);
    expect(close.reason).toBe('bye');
    expect(close.flags).toBe(SWOOLE_WEBSOCKET_FLAG_FIN);
    expect(Buffer.isBuffer(close.data)).toBe(true);
    expect(hex(close.payload)).toBe('03e8627965');
  });

  it('reads a masked close frame', () => {
    const frame = unpacked(encodeFrame(8, Buffer.from('0fa0', 'hex'), { mask: MASK }));
    expect((frame as CloseFrame).code).toBe(4000);
    expect((frame as CloseFrame).reason).toBe('');
    expect(frame.flags).toBe(SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_MASK);
  });

  it('gives code 1005 for a close frame with an empty payload', () => {
    const frame = unpacked(Buffer.from('8800', 'hex')) as CloseFrame;
    expect(frame).toBeInstanceOf(CloseFrame);
    expect(frame.code).toBe(1005);
    expect(frame.reason).toBe('');
  });

  it('gives an empty reason when the reason is not UTF-8', () => {
    const frame = unpacked(Buffer.from('880403e8c328', 'hex')) as CloseFrame;
    expect(frame.code).toBe(1000);
    expect(frame.reason).toBe('');
  });
});

describe('round trips', () => {
  it.each([
    ['empty text', '', WEBSOCKET_OPCODE_TEXT],
    ['unicode text', 'grüße 👋', WEBSOCKET_OPCODE_TEXT],
    ['long text', 'x'.repeat(70000), WEBSOCKET_OPCODE_TEXT],
    ['binary', Buffer.from([0, 1, 2, 255]), WEBSOCKET_OPCODE_BINARY],
    ['ping', Buffer.from('p'), WEBSOCKET_OPCODE_PING],
    ['pong', Buffer.alloc(0), WEBSOCKET_OPCODE_PONG],
    ['continuation', Buffer.from('c'), WEBSOCKET_OPCODE_CONTINUATION],
  ])('%s', (_name, data, opcode) => {
    for (const flags of [
      SWOOLE_WEBSOCKET_FLAG_FIN,
      SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_MASK,
      0,
    ]) {
      // A control frame is always final.
      const expected = opcode >= WEBSOCKET_OPCODE_CLOSE ? flags | SWOOLE_WEBSOCKET_FLAG_FIN : flags;
      const frame = unpacked(pack(data, opcode, flags));
      expect(frame.opcode).toBe(opcode);
      expect(frame.flags).toBe(expected);
      expect(frame.finish).toBe((expected & SWOOLE_WEBSOCKET_FLAG_FIN) !== 0);
      if (typeof data === 'string') expect(frame.data).toBe(data);
      else expect(frame.payload.equals(data)).toBe(true);
      const repacked = pack(frame);
      if ((flags & SWOOLE_WEBSOCKET_FLAG_MASK) === 0) {
        expect(hex(repacked)).toBe(hex(pack(data, opcode, flags)));
      }
      const again = unpacked(repacked);
      expect(again.flags).toBe(expected);
      expect(again.payload.equals(frame.payload)).toBe(true);
    }
  });

  it('repacks an unpacked unmasked frame to the same bytes', () => {
    const bytes = Buffer.from('810548656c6c6f', 'hex');
    expect(hex(pack(unpacked(bytes)))).toBe('810548656c6c6f');
  });
});

describe('CloseFrame.pack', () => {
  it('carries the default code 1000', () => {
    expect(hex(pack(new CloseFrame()))).toBe('880203e8');
  });

  it('carries code and reason', () => {
    const frame = new CloseFrame();
    frame.code = 4001;
    frame.reason = 'bye';
    const packed = pack(frame, WEBSOCKET_OPCODE_TEXT, 0);
    expect(hex(packed)).toBe('88050fa1627965');
    const back = unpacked(packed) as CloseFrame;
    expect(back).toBeInstanceOf(CloseFrame);
    expect(back.code).toBe(4001);
    expect(back.reason).toBe('bye');
  });

  it('sends no payload for code 1005', () => {
    const frame = new CloseFrame();
    frame.code = 1005;
    frame.reason = 'ignored';
    expect(hex(pack(frame))).toBe('8800');
  });

  it('is always final and honours the MASK flag', () => {
    const frame = new CloseFrame();
    frame.finish = false;
    frame.flags = SWOOLE_WEBSOCKET_FLAG_MASK | SWOOLE_WEBSOCKET_FLAG_COMPRESS;
    frame.code = 1001;
    frame.reason = 'away';
    const packed = pack(frame);
    expect(packed[0]).toBe(0x88);
    expect(packed[1]).toBe(0x80 | 6);
    const decoded = decodeFrame(packed);
    expect(decoded?.masked).toBe(true);
    expect(hex(decoded!.payload)).toBe('03e9' + Buffer.from('away').toString('hex'));
    const back = unpacked(packed) as CloseFrame;
    expect(back.code).toBe(1001);
    expect(back.reason).toBe('away');
  });

  it('builds a received close frame with default flags and fd', () => {
    const received = CloseFrame.fromClosePayload(Buffer.from('03e9', 'hex'));
    expect(received.fd).toBe(0);
    expect(received.flags).toBe(SWOOLE_WEBSOCKET_FLAG_FIN);
    expect(received.finish).toBe(true);
    expect(received.code).toBe(1001);
  });

  it('round-trips a received close frame', () => {
    const received = CloseFrame.fromClosePayload(Buffer.from('03f3', 'hex'), 1, 42);
    expect(received.fd).toBe(42);
    expect(received.code).toBe(1011);
    expect(hex(pack(received))).toBe('880203f3');
  });
});

describe('Frame.pack edge cases', () => {
  it('refuses a CloseFrame whose reason makes it longer than 125 bytes', () => {
    const frame = new CloseFrame();
    frame.code = 4000;
    frame.reason = 'é'.repeat(62); // 124 bytes of UTF-8
    expect(Frame.pack(frame)).toBe(false);
    frame.reason = 'é'.repeat(61); // 122 bytes: fits
    expect((Frame.unpack(pack(frame)) as CloseFrame).reason).toBe('é'.repeat(61));
  });

  it('refuses a CloseFrame with a code not valid on the wire', () => {
    for (const code of [0, 999, 1004, 1006, 1015, 2999, 5000]) {
      const frame = new CloseFrame();
      frame.code = code;
      expect(Frame.pack(frame)).toBe(false);
    }
  });

  it('refuses a control payload over 125 bytes, with a string, a Buffer or a Frame', () => {
    for (const opcode of [WEBSOCKET_OPCODE_PING, WEBSOCKET_OPCODE_PONG]) {
      expect(Frame.pack('x'.repeat(126), opcode)).toBe(false);
      expect(Frame.pack(Buffer.alloc(126), opcode)).toBe(false);
      expect(hex(pack(Buffer.alloc(125), opcode)).slice(0, 4)).toBe(`8${opcode.toString(16)}7d`);
      const frame = new Frame();
      frame.opcode = opcode;
      frame.data = Buffer.alloc(200);
      expect(Frame.pack(frame)).toBe(false);
    }
    expect(Frame.pack(Buffer.alloc(126), WEBSOCKET_OPCODE_CLOSE)).toBe(false);
  });

  it('refuses a raw close payload that is not a valid close payload', () => {
    expect(Frame.pack(Buffer.from([3]), WEBSOCKET_OPCODE_CLOSE)).toBe(false);
    expect(Frame.pack(Buffer.from([0x03, 0xed]), WEBSOCKET_OPCODE_CLOSE)).toBe(false); // 1005
    expect(Frame.pack(Buffer.from([0x03, 0xe8, 0xff]), WEBSOCKET_OPCODE_CLOSE)).toBe(false);
    expect(hex(pack(Buffer.alloc(0), WEBSOCKET_OPCODE_CLOSE))).toBe('8800');
    expect(hex(pack(Buffer.from([0x0f, 0xa1]), WEBSOCKET_OPCODE_CLOSE))).toBe('88020fa1');
  });

  it('makes every control frame final and uncompressed, whatever the flags say', () => {
    for (const opcode of [WEBSOCKET_OPCODE_PING, WEBSOCKET_OPCODE_PONG]) {
      const packed = pack('p', opcode, SWOOLE_WEBSOCKET_FLAG_COMPRESS | SWOOLE_WEBSOCKET_FLAG_RSV1);
      expect(packed[0]).toBe(0x80 | opcode);
      expect(pack('p', opcode, false)[0]).toBe(0x80 | opcode);
      const frame = new Frame();
      frame.opcode = opcode;
      frame.finish = false;
      expect(pack(frame)[0]).toBe(0x80 | opcode);
    }
  });

  it('refuses opcodes that are not one of the six defined ones', () => {
    for (const opcode of [-1, 3, 4, 7, 0x0b, 0x0f, 16, 256, 1.5, Number.NaN]) {
      expect(Frame.pack('x', opcode)).toBe(false);
      const frame = new Frame();
      frame.opcode = opcode;
      expect(Frame.pack(frame)).toBe(false);
    }
  });

  it('refuses data that is neither a string, a Buffer nor a Frame', () => {
    expect(Frame.pack(42 as unknown as string)).toBe(false);
    expect(Frame.pack(null as unknown as string)).toBe(false);
  });

  it('never sets RSV1 on a continuation frame, even with the COMPRESS flag', () => {
    const packed = pack('tail', 0x0, 1 | 2);
    expect(packed[0] & 0x40).toBe(0);
    expect(packed.subarray(2).toString()).toBe('tail');
  });
});
