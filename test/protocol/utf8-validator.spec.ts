import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from '@jest/globals';
import { Utf8Validator, isValidUtf8 } from '../../src/protocol/utf8-validator.js';
import { mulberry32 } from '../support/mulberry32.js';

function hexBytes(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** Continuation bytes covering every narrowed second-byte range (E0, ED, F0, F4). */
const CONTINUATIONS = [0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf];

/**
 * Reference: whether `data` can still become valid UTF-8, i.e. it is valid or becomes valid
 * with at most 3 more continuation bytes.
 */
function isValidPrefixReference(data: Buffer): boolean {
  if (isUtf8(data)) return true;
  for (const a of CONTINUATIONS) {
    if (isUtf8(Buffer.concat([data, Buffer.from([a])]))) return true;
    for (const b of CONTINUATIONS) {
      if (isUtf8(Buffer.concat([data, Buffer.from([a, b])]))) return true;
      for (const c of CONTINUATIONS) {
        if (isUtf8(Buffer.concat([data, Buffer.from([a, b, c])]))) return true;
      }
    }
  }
  return false;
}

/** Feeds `pieces`; returns the index of the first piece that fails, 'end' or 'ok'. */
function validate(pieces: Buffer[], validator = new Utf8Validator()): number | 'end' | 'ok' {
  for (let i = 0; i < pieces.length; i++) {
    if (!validator.write(pieces[i])) return i;
  }
  return validator.end() ? 'ok' : 'end';
}

/** What `validate` must return, computed from the reference. */
function expectedResult(pieces: Buffer[]): number | 'end' | 'ok' {
  let sofar = Buffer.alloc(0);
  for (let i = 0; i < pieces.length; i++) {
    sofar = Buffer.concat([sofar, pieces[i]]);
    if (!isValidPrefixReference(sofar)) return i;
  }
  return isUtf8(sofar) ? 'ok' : 'end';
}

function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, data.length]) {
    out.push(data.subarray(start, cut));
    start = cut;
  }
  return out;
}

const VALID = [
  'a',
  'Hello',
  'é',
  '€',
  '😀',
  '中文 text',
  '\u0080\u07ff\u0800\ud7ff\ue000\uffff\u{10000}\u{10ffff}',
  'a€😀ß𝄞z'.repeat(5),
];

const INVALID: Array<[string, string]> = [
  ['a lone continuation byte', '80'],
  ['a continuation byte after ASCII', '41 bf'],
  ['C0 (overlong lead)', 'c0 80'],
  ['C1 (overlong lead)', 'c1 bf'],
  ['an overlong 3-byte slash', 'e0 80 af'],
  ['an overlong 3-byte U+07FF', 'e0 9f bf'],
  ['an overlong 4-byte U+FFFF', 'f0 8f bf bf'],
  ['a high surrogate', 'ed a0 80'],
  ['a low surrogate', 'ed bf bf'],
  ['U+110000', 'f4 90 80 80'],
  ['F5', 'f5 80 80 80'],
  ['FF', 'ff'],
  ['FE', 'fe'],
  ['a 2-byte lead then ASCII', 'c3 41'],
  ['a 3-byte lead cut by ASCII', 'e2 82 41'],
  ['a 4-byte lead cut by a lead', 'f0 9f c3 a9'],
  ['a truncated 2-byte sequence', 'c3'],
  ['a truncated 3-byte sequence', 'e2 82'],
  ['a truncated 4-byte sequence', 'f0 9f 98'],
  ['too many continuations', 'e2 82 ac ac'],
];

describe('Utf8Validator', () => {
  it.each(VALID)('accepts %j at every split into two and three pieces', (value) => {
    const data = Buffer.from(value);
    for (let i = 0; i <= data.length; i++) {
      expect({ i, result: validate(splitAt(data, [i])) }).toEqual({ i, result: 'ok' });
      for (let j = i; j <= data.length; j++) {
        expect(validate(splitAt(data, [i, j]))).toBe('ok');
      }
    }
    const bytewise = splitAt(
      data,
      Array.from({ length: data.length }, (_, i) => i),
    );
    expect(validate(bytewise)).toBe('ok');
  });

  it.each(INVALID)('rejects %s at every split, as soon as possible', (_name, bytes) => {
    for (const prefix of ['', 'ok ', 'é']) {
      const data = Buffer.concat([Buffer.from(prefix), hexBytes(bytes)]);
      expect(isUtf8(data)).toBe(false);
      for (let i = 0; i <= data.length; i++) {
        const pieces = splitAt(data, [i]);
        expect({ i, result: validate(pieces) }).toEqual({ i, result: expectedResult(pieces) });
        expect(validate(pieces)).not.toBe('ok');
      }
      const bytewise = splitAt(
        data,
        Array.from({ length: data.length }, (_, i) => i + 1),
      );
      expect(validate(bytewise)).toEqual(expectedResult(bytewise));
    }
  });

  it.each([
    ['F0 80', 'f0 80'],
    ['F0 8F', 'f0 8f'],
    ['E0 80', 'e0 80'],
    ['E0 9F', 'e0 9f'],
    ['ED A0', 'ed a0'],
    ['ED BF', 'ed bf'],
    ['F4 90', 'f4 90'],
    ['F4 BF', 'f4 bf'],
    ['C2 41', 'c2 41'],
    ['F0 90 41', 'f0 90 41'],
  ])('fails an impossible prefix %s at once, without waiting for more', (_name, bytes) => {
    const data = hexBytes(bytes);
    expect(new Utf8Validator().write(data)).toBe(false);
    expect(new Utf8Validator().write(Buffer.concat([Buffer.from('abc'), data]))).toBe(false);
    // Also when the sequence arrives one byte at a time.
    const validator = new Utf8Validator();
    const results = [...data].map((byte) => validator.write(Buffer.from([byte])));
    expect(results[results.length - 1]).toBe(false);
    expect(results.slice(0, -1).every(Boolean)).toBe(true);
  });

  it.each([
    ['C2', 'c2'],
    ['E0 A0', 'e0 a0'],
    ['ED 9F', 'ed 9f'],
    ['F0 90', 'f0 90'],
    ['F0 90 80', 'f0 90 80'],
    ['F4 8F BF', 'f4 8f bf'],
  ])('accepts a possible prefix %s until end()', (_name, bytes) => {
    const validator = new Utf8Validator();
    expect(validator.write(hexBytes(bytes))).toBe(true);
    expect(validator.end()).toBe(false);
    // end() resets: the next message starts clean.
    expect(validator.write(Buffer.from('x'))).toBe(true);
    expect(validator.end()).toBe(true);
  });

  it('reset() forgets a partial code point', () => {
    const validator = new Utf8Validator();
    expect(validator.write(hexBytes('e2 82'))).toBe(true);
    validator.reset();
    expect(validator.write(Buffer.from('abc'))).toBe(true);
    expect(validator.end()).toBe(true);
    // Without the reset the same input fails.
    const other = new Utf8Validator();
    expect(other.write(hexBytes('e2 82'))).toBe(true);
    expect(other.write(Buffer.from('abc'))).toBe(false);
  });

  it('accepts empty pieces anywhere, also inside a code point', () => {
    const validator = new Utf8Validator();
    const empty = Buffer.alloc(0);
    expect(validator.write(empty)).toBe(true);
    expect(validator.write(hexBytes('f0'))).toBe(true);
    expect(validator.write(empty)).toBe(true);
    expect(validator.write(hexBytes('9f 98'))).toBe(true);
    expect(validator.write(empty)).toBe(true);
    expect(validator.write(hexBytes('80 41'))).toBe(true);
    expect(validator.end()).toBe(true);
    expect(new Utf8Validator().end()).toBe(true);
  });

  it('completes a pending code point and checks the rest of the same piece', () => {
    const validator = new Utf8Validator();
    expect(validator.write(hexBytes('e2'))).toBe(true);
    expect(validator.write(hexBytes('82 ac ff'))).toBe(false);
    const second = new Utf8Validator();
    expect(second.write(hexBytes('e2'))).toBe(true);
    expect(second.write(hexBytes('82 ac e2 82'))).toBe(true);
    expect(second.write(hexBytes('ac'))).toBe(true);
    expect(second.end()).toBe(true);
  });

  it('matches the reference on random byte strings split at random points', () => {
    const random = mulberry32(0x5eed);
    const interesting = [
      0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1,
      0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
    ];
    const leads = [0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4];
    let valid = 0;
    for (let run = 0; run < 3000; run++) {
      const bytes: number[] = [];
      const length = 1 + Math.floor(random() * 12);
      while (bytes.length < length) {
        const kind = random();
        if (kind < 0.5) {
          // Mostly well-formed pieces, so that valid results are common too.
          const text = ['a', 'é', '€', '😀', '\u{10ffff}', '\ud7ff'][Math.floor(random() * 6)];
          bytes.push(...Buffer.from(text));
        } else if (kind < 0.75) {
          bytes.push(leads[Math.floor(random() * leads.length)]);
          bytes.push(CONTINUATIONS[Math.floor(random() * CONTINUATIONS.length)]);
        } else {
          bytes.push(interesting[Math.floor(random() * interesting.length)]);
        }
      }
      const data = Buffer.from(bytes);
      const cuts = Array.from({ length: Math.floor(random() * 5) }, () =>
        Math.floor(random() * (data.length + 1)),
      ).sort((a, b) => a - b);
      const pieces = splitAt(data, cuts);
      const expected = expectedResult(pieces);
      if (expected === 'ok') valid++;
      expect({ data: data.toString('hex'), cuts, result: validate(pieces) }).toEqual({
        data: data.toString('hex'),
        cuts,
        result: expected,
      });
    }
    // The generator exercises both outcomes.
    expect(valid).toBeGreaterThan(300);
    expect(valid).toBeLessThan(2700);
  });

  it('handles large pieces with the native check', () => {
    const big = Buffer.from('a€😀'.repeat(10000));
    const validator = new Utf8Validator();
    expect(validator.write(big.subarray(0, 50001))).toBe(true);
    expect(validator.write(big.subarray(50001))).toBe(true);
    expect(validator.end()).toBe(true);
    const bad = Buffer.from(big);
    bad[40000] = 0xff;
    expect(new Utf8Validator().write(bad.subarray(0, 50001))).toBe(false);
  });
});

describe('isValidUtf8', () => {
  it.each(VALID)('accepts %j', (value) => {
    expect(isValidUtf8(Buffer.from(value))).toBe(true);
  });

  it.each(INVALID)('rejects %s', (_name, bytes) => {
    expect(isValidUtf8(hexBytes(bytes))).toBe(false);
  });

  it('accepts an empty buffer', () => {
    expect(isValidUtf8(new Uint8Array(0))).toBe(true);
  });
});
