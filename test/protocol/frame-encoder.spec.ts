import { describe, expect, it } from '@jest/globals';
import {
  SMALL_FRAME_LIMIT,
  encodeClientFrame,
  encodeFrame,
  encodeFrameHeader,
  encodeServerFrame,
  encodeServerFrameInto,
  frameHeaderSize,
  randomMask,
  writeFrameHeader,
} from '../../src/protocol/frame-encoder.js';
import { decodeFrame } from '../../src/protocol/frame-decoder.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const MASK = Buffer.from('37fa213d', 'hex');
const MIB2 = 2 * 1024 * 1024;

describe('RFC 6455 section 5.7 examples', () => {
  it('encodes a single-frame unmasked text message', () => {
    expect(hex(encodeFrame(1, Buffer.from('Hello')))).toBe('810548656c6c6f');
  });

  it('encodes a single-frame masked text message', () => {
    expect(hex(encodeFrame(1, Buffer.from('Hello'), { mask: MASK }))).toBe(
      '818537fa213d7f9f4d5158',
    );
  });

  it('encodes a fragmented unmasked text message', () => {
    expect(hex(encodeFrame(1, Buffer.from('Hel'), { fin: false }))).toBe('010348656c');
    expect(hex(encodeFrame(0, Buffer.from('lo')))).toBe('80026c6f');
  });

  it('encodes unmasked ping and masked pong', () => {
    expect(hex(encodeFrame(9, Buffer.from('Hello')))).toBe('890548656c6c6f');
    expect(hex(encodeFrame(0xa, Buffer.from('Hello'), { mask: MASK }))).toBe(
      '8a8537fa213d7f9f4d5158',
    );
  });

  it('encodes a 256-byte binary message with a 16-bit length', () => {
    const payload = Buffer.alloc(256, 0xab);
    const frame = encodeFrame(2, payload);
    expect(hex(frame.subarray(0, 4))).toBe('827e0100');
    expect(frame.length).toBe(4 + 256);
    expect(frame.subarray(4).equals(payload)).toBe(true);
  });

  it('encodes a 64 KiB binary message with a 64-bit length', () => {
    const payload = Buffer.alloc(65536, 0xcd);
    const frame = encodeFrame(2, payload);
    expect(hex(frame.subarray(0, 10))).toBe('827f0000000000010000');
    expect(frame.length).toBe(10 + 65536);
    expect(frame.subarray(10).equals(payload)).toBe(true);
  });
});

describe('length encoding boundaries', () => {
  it.each([
    [0, '8200'],
    [1, '8201'],
    [125, '827d'],
    [126, '827e007e'],
    [127, '827e007f'],
    [65535, '827effff'],
    [65536, '827f0000000000010000'],
    [MIB2 - 1, '827f00000000001fffff'],
    [MIB2, '827f0000000000200000'],
    [MIB2 + 1, '827f0000000000200001'],
  ])('payload of %i bytes', (length, header) => {
    const payload = Buffer.alloc(length, 7);
    const frame = encodeFrame(2, payload);
    const headerLength = header.length / 2;
    expect(hex(frame.subarray(0, headerLength))).toBe(header);
    expect(frame.length).toBe(headerLength + length);
    expect(frameHeaderSize(length, false)).toBe(headerLength);
    expect(frameHeaderSize(length, true)).toBe(headerLength + 4);
    expect(hex(encodeFrameHeader(2, length))).toBe(header);
    const decoded = decodeFrame(frame);
    expect(decoded?.payload.length).toBe(length);
    expect(decoded?.length).toBe(frame.length);
  });

  it('sets the mask bit with every length form', () => {
    expect(hex(encodeFrameHeader(2, 125, { mask: MASK }))).toBe('82fd37fa213d');
    expect(hex(encodeFrameHeader(2, 126, { mask: MASK }))).toBe('82fe007e37fa213d');
    expect(hex(encodeFrameHeader(2, 65536, { mask: MASK }))).toBe('82ff000000000001000037fa213d');
  });

  it('writes the high word of lengths of 4 GiB and more', () => {
    const header = encodeFrameHeader(2, 0x1_0000_0002);
    expect(hex(header)).toBe('827f0000000100000002');
  });
});

describe('writeFrameHeader', () => {
  it('writes FIN, RSV bits and opcode', () => {
    const target = Buffer.alloc(4);
    expect(writeFrameHeader(target, 1, 1, 3, { fin: false, rsv1: true })).toBe(3);
    expect(hex(target)).toBe('00410300');
    expect(hex(encodeFrameHeader(1, 0, { rsv2: true }))).toBe('a100');
    expect(hex(encodeFrameHeader(1, 0, { rsv3: true }))).toBe('9100');
    expect(hex(encodeFrameHeader(1, 0, { rsv1: true, rsv2: true, rsv3: true }))).toBe('f100');
    expect(hex(encodeFrameHeader(0, 0, { fin: false }))).toBe('0000');
  });

  it('writes a final unmasked header without options', () => {
    const target = Buffer.alloc(2);
    expect(writeFrameHeader(target, 0, 2, 5)).toBe(2);
    expect(hex(target)).toBe('8205');
  });

  it('keeps only the low 4 bits of the opcode', () => {
    expect(hex(encodeFrameHeader(0x1a, 0))).toBe('8a00');
  });

  it('returns the offset just past a masked header', () => {
    const target = Buffer.alloc(20);
    expect(writeFrameHeader(target, 2, 2, 300, { mask: MASK })).toBe(2 + 2 + 2 + 4);
    expect(hex(target.subarray(2, 10))).toBe('82fe012c37fa213d');
  });
});

describe('encodeFrame', () => {
  it('never modifies the caller payload when masking', () => {
    for (const size of [5, 40, 1000]) {
      const payload = Buffer.alloc(size, 0x61);
      const copy = Buffer.from(payload);
      const frame = encodeFrame(1, payload, { mask: MASK });
      expect(payload.equals(copy)).toBe(true);
      const decoded = decodeFrame(frame);
      expect(decoded?.masked).toBe(true);
      expect(decoded?.payload.equals(copy)).toBe(true);
    }
  });

  it('accepts a Uint8Array payload', () => {
    expect(hex(encodeFrame(2, new Uint8Array([1, 2, 3])))).toBe('8203010203');
  });
});

describe('encodeServerFrame', () => {
  it('returns one buffer for payloads up to the small frame limit', () => {
    expect(SMALL_FRAME_LIMIT).toBe(1024);
    const small = encodeServerFrame(1, Buffer.from('Hello'));
    expect(small).toHaveLength(1);
    expect(hex(small[0])).toBe('810548656c6c6f');
    const limit = Buffer.alloc(SMALL_FRAME_LIMIT, 1);
    const atLimit = encodeServerFrame(2, limit);
    expect(atLimit).toHaveLength(1);
    expect(atLimit[0].length).toBe(4 + SMALL_FRAME_LIMIT);
    expect(atLimit[0]).not.toBe(limit);
  });

  it('returns the header and the same payload buffer, not a copy, for large payloads', () => {
    const payload = Buffer.alloc(SMALL_FRAME_LIMIT + 1, 2);
    const parts = encodeServerFrame(2, payload);
    expect(parts).toHaveLength(2);
    expect(hex(parts[0])).toBe('827e0401');
    expect(parts[1]).toBe(payload);
    const big = Buffer.alloc(70000, 3);
    const bigParts = encodeServerFrame(2, big, { fin: false, rsv1: true });
    expect(hex(bigParts[0])).toBe('427f0000000000011170');
    expect(bigParts[1]).toBe(big);
  });

  it('passes header options to small frames', () => {
    expect(hex(encodeServerFrame(1, Buffer.from('a'), { fin: false, rsv1: true })[0])).toBe(
      '410161',
    );
  });
});

describe('encodeClientFrame', () => {
  it('masks with a random key and leaves the payload alone', () => {
    const payload = Buffer.from('Hello, client');
    const copy = Buffer.from(payload);
    const frame = encodeClientFrame(1, payload);
    expect(payload.equals(copy)).toBe(true);
    expect(frame[0]).toBe(0x81);
    expect(frame[1]).toBe(0x80 | payload.length);
    const decoded = decodeFrame(frame);
    expect(decoded?.masked).toBe(true);
    expect(decoded?.payload.toString()).toBe('Hello, client');
  });

  it('keeps header options other than the mask', () => {
    const frame = encodeClientFrame(2, Buffer.from([1]), { fin: false, rsv1: true });
    expect(frame[0]).toBe(0x42);
    expect(frame[1]).toBe(0x81);
  });
});

describe('encodeClientFrame and encodeServerFrame across lengths', () => {
  it.each([0, 1, 3, 4, 5, 31, 32, 63, 64, 65, 125, 126, 1000, 1024, 1025, 65535, 65536, 70001])(
    'round-trips a payload of %i bytes',
    (length) => {
      const payload = Buffer.alloc(length);
      for (let i = 0; i < length; i++) payload[i] = (i * 31 + 7) & 0xff;
      const copy = Buffer.from(payload);
      const client = encodeClientFrame(2, payload);
      expect(payload.equals(copy)).toBe(true);
      const headerSize = frameHeaderSize(length, true);
      expect(client.length).toBe(headerSize + length);
      const key = client.subarray(headerSize - 4, headerSize);
      // The same key through the general encoder gives the same bytes, header included.
      expect(hex(encodeFrame(2, payload, { mask: key }))).toBe(hex(client));
      const decoded = decodeFrame(client);
      expect(decoded?.masked).toBe(true);
      expect(Buffer.from(decoded?.payload ?? []).equals(payload)).toBe(true);
      const server = Buffer.concat(encodeServerFrame(2, payload, { rsv1: true }));
      expect(hex(server)).toBe(hex(encodeFrame(2, payload, { rsv1: true })));
    },
  );
});

describe('randomMask', () => {
  it('gives 4 bytes that vary', () => {
    const masks = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const mask = randomMask();
      expect(mask.length).toBe(4);
      masks.add(hex(mask));
    }
    // 4000 draws cross at least one pool refill (2048 keys per pool).
    expect(masks.size).toBeGreaterThan(3990);
  });
});

describe('encodeServerFrameInto', () => {
  it('writes the same bytes as encodeFrame, at an offset, for Buffers and strings', () => {
    const target = Buffer.alloc(400, 0xee);
    let at = 3;
    at = encodeServerFrameInto(target, at, 0x2, Buffer.from([1, 2, 3]), 3);
    at = encodeServerFrameInto(target, at, 0x1, 'héllo', Buffer.byteLength('héllo'), {
      fin: false,
    });
    const long = Buffer.alloc(200, 7);
    at = encodeServerFrameInto(target, at, 0x2, long, long.length);
    const expected = Buffer.concat([
      encodeFrame(0x2, Buffer.from([1, 2, 3])),
      encodeFrame(0x1, Buffer.from('héllo'), { fin: false }),
      encodeFrame(0x2, long),
    ]);
    expect(target.subarray(3, at).equals(expected)).toBe(true);
    expect(target[2]).toBe(0xee);
    expect(target[at]).toBe(0xee);
  });
});
