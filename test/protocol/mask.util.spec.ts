import { describe, expect, it, jest } from '@jest/globals';
import { applyMask, applyMaskAt } from '../../src/protocol/mask.util.js';
import { mulberry32 } from '../support/mulberry32.js';

function naiveMask(data: Uint8Array, mask: Uint8Array, maskOffset = 0): Buffer {
  const out = Buffer.from(data);
  for (let i = 0; i < out.length; i++) out[i] ^= mask[(maskOffset + i) % 4];
  return out;
}

function randomBytes(random: () => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

describe('applyMask', () => {
  it('masks "Hello" as in RFC 6455 section 5.7', () => {
    const data = Buffer.from('Hello');
    applyMask(data, MASK);
    expect(data.toString('hex')).toBe('7f9f4d5158');
    applyMask(data, MASK);
    expect(data.toString()).toBe('Hello');
  });

  it('equals a byte loop for every length 0..200, alignment and mask offset', () => {
    const random = mulberry32(42);
    const backing = new ArrayBuffer(512);
    for (let length = 0; length <= 200; length++) {
      for (let align = 0; align < 4; align++) {
        for (let maskOffset = 0; maskOffset < 6; maskOffset++) {
          const mask = randomBytes(random, 4);
          const data = new Uint8Array(backing, 8 + align, length);
          data.set(randomBytes(random, length));
          // Guard bytes around the data must not change.
          const before = Buffer.from(new Uint8Array(backing, 0, 8 + align));
          const after = Buffer.from(new Uint8Array(backing, 8 + align + length, 16));
          const expected = naiveMask(data, mask, maskOffset);
          applyMask(data, mask, maskOffset);
          expect({ length, align, maskOffset, data: Buffer.from(data).toString('hex') }).toEqual({
            length,
            align,
            maskOffset,
            data: expected.toString('hex'),
          });
          expect(Buffer.from(new Uint8Array(backing, 0, 8 + align))).toEqual(before);
          expect(Buffer.from(new Uint8Array(backing, 8 + align + length, 16))).toEqual(after);
        }
      }
    }
  });

  it('defaults maskOffset to 0', () => {
    const data = Buffer.alloc(100, 0);
    applyMask(data, MASK);
    expect(data).toEqual(naiveMask(Buffer.alloc(100, 0), MASK, 0));
  });

  it('unmasks a payload chunk by chunk with maskOffset', () => {
    const random = mulberry32(7);
    const payload = randomBytes(random, 5000);
    const masked = naiveMask(payload, MASK);
    for (const cuts of [[1], [3, 70], [33, 34, 35, 100, 4097], [2500]]) {
      const copy = Buffer.from(masked);
      let start = 0;
      for (const cut of [...cuts, copy.length]) {
        applyMask(copy.subarray(start, cut), MASK, start);
        start = cut;
      }
      expect(copy.equals(payload)).toBe(true);
    }
  });

  it('works on a mask that is a view at an odd offset and on large offsets', () => {
    const holder = Buffer.from([9, 0x37, 0xfa, 0x21, 0x3d, 9]);
    const mask = holder.subarray(1, 5);
    const data = Buffer.alloc(77, 0x55);
    applyMask(data, mask, 2 ** 31 + 1);
    expect(data).toEqual(naiveMask(Buffer.alloc(77, 0x55), MASK, 1));
  });

  it('leaves empty data alone', () => {
    const data = Buffer.alloc(0);
    expect(() => applyMask(data, MASK, 3)).not.toThrow();
    expect(data.length).toBe(0);
  });

  it('builds the word in big-endian order on a big-endian host', async () => {
    // Simulate a big-endian host: the module reads os.endianness() when it loads. On this
    // (little-endian) machine, a big-endian word lands byte-reversed in memory, which shows the
    // word was built for the other byte order.
    let bigEndian: typeof applyMask | undefined;
    await jest.isolateModulesAsync(async () => {
      jest.unstable_mockModule('node:os', () => ({ endianness: () => 'BE' }));
      ({ applyMask: bigEndian } = await import('../../src/protocol/mask.util.js'));
    });
    expect(bigEndian).toBeDefined();
    const data = new Uint8Array(new ArrayBuffer(64));
    bigEndian!(data, MASK);
    const native = (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE') as string;
    const reversed = Buffer.from(MASK).reverse();
    const expected = native === 'BE' ? MASK : reversed;
    for (let i = 0; i < 64; i += 4) {
      expect(Buffer.from(data.subarray(i, i + 4))).toEqual(expected);
    }
  });
});

describe('applyMaskAt', () => {
  it('equals applyMask on the same range, for lengths 0..100, alignments and key positions', () => {
    const random = mulberry32(7);
    for (let length = 0; length <= 100; length++) {
      for (let offset = 0; offset < 5; offset++) {
        for (let maskStart = 0; maskStart < 3; maskStart++) {
          const keyHolder = randomBytes(random, maskStart + 4);
          const data = randomBytes(random, offset + length + 3);
          const expected = Buffer.from(data);
          applyMask(
            expected.subarray(offset, offset + length),
            keyHolder.subarray(maskStart, maskStart + 4),
          );
          applyMaskAt(data, offset, length, keyHolder, maskStart);
          expect(data.equals(expected)).toBe(true);
        }
      }
    }
  });

  it('can take its key from the buffer it masks, just ahead of the range', () => {
    const frame = Buffer.concat([MASK, Buffer.from('Hello')]);
    applyMaskAt(frame, 4, 5, frame, 0);
    expect(frame.toString('hex')).toBe('37fa213d7f9f4d5158');
  });
});
