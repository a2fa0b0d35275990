import { describe, expect, it } from '@jest/globals';
import { decodeFrame } from '../../src/protocol/frame-decoder.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';

const MASK = Buffer.from('37fa213d', 'hex');

describe('decodeFrame', () => {
  it('reads the RFC 6455 unmasked "Hello"', () => {
    const data = Buffer.from('810548656c6c6f', 'hex');
    expect(decodeFrame(data)).toEqual({
      fin: true,
      rsv1: false,
      rsv2: false,
      rsv3: false,
      opcode: 1,
      masked: false,
      payload: Buffer.from('Hello'),
      length: 7,
    });
  });

  it('reads and unmasks the RFC 6455 masked "Hello"', () => {
    const data = Buffer.from('818537fa213d7f9f4d5158', 'hex');
    const copy = Buffer.from(data);
    const frame = decodeFrame(data);
    expect(frame?.masked).toBe(true);
    expect(frame?.payload.toString()).toBe('Hello');
    expect(frame?.length).toBe(11);
    expect(data.equals(copy)).toBe(true);
  });

  it('reads FIN, RSV bits and opcode', () => {
    const frame = decodeFrame(Buffer.from('7a00', 'hex'));
    expect(frame).toMatchObject({ fin: false, rsv1: true, rsv2: true, rsv3: true, opcode: 0xa });
    expect(frame?.payload.length).toBe(0);
    expect(decodeFrame(Buffer.from('4000', 'hex'))).toMatchObject({
      fin: false,
      rsv1: true,
      rsv2: false,
      rsv3: false,
      opcode: 0,
    });
  });

  it('reads 16-bit and 64-bit lengths', () => {
    for (const size of [125, 126, 65535, 65536]) {
      const payload = Buffer.alloc(size, size & 0xff);
      const frame = decodeFrame(encodeFrame(2, payload, { mask: MASK }));
      expect(frame?.payload.equals(payload)).toBe(true);
    }
  });

  it('reads one frame and reports the bytes it used when more follow', () => {
    const data = Buffer.concat([Buffer.from('810548656c6c6f', 'hex'), Buffer.from('8a00', 'hex')]);
    const frame = decodeFrame(data);
    expect(frame?.payload.toString()).toBe('Hello');
    expect(frame?.length).toBe(7);
    expect(decodeFrame(data.subarray(frame?.length))?.opcode).toBe(0xa);
  });

  it('returns a payload that is a copy, not a view of the input', () => {
    const data = Buffer.from('810548656c6c6f', 'hex');
    const frame = decodeFrame(data);
    frame!.payload[0] = 0;
    expect(data.toString('hex')).toBe('810548656c6c6f');
  });

  it.each([
    ['unmasked 7-bit', encodeFrame(1, Buffer.from('Hello'))],
    ['masked 7-bit', encodeFrame(1, Buffer.from('Hello'), { mask: MASK })],
    ['masked empty', encodeFrame(9, Buffer.alloc(0), { mask: MASK })],
    ['16-bit', encodeFrame(2, Buffer.alloc(300, 1))],
    ['masked 16-bit', encodeFrame(2, Buffer.alloc(300, 1), { mask: MASK })],
    ['64-bit', encodeFrame(2, Buffer.alloc(65536, 1))],
  ])('returns null at every truncation of a %s frame', (_name, frame) => {
    const copy = Buffer.from(frame);
    const cuts = new Set<number>();
    for (let cut = 0; cut < Math.min(frame.length, 320); cut++) cuts.add(cut);
    for (let cut = Math.max(0, frame.length - 5); cut < frame.length; cut++) cuts.add(cut);
    for (const cut of cuts) expect(decodeFrame(frame.subarray(0, cut))).toBeNull();
    expect(decodeFrame(frame)?.length).toBe(frame.length);
    expect(frame.equals(copy)).toBe(true);
  });

  it('returns null for a 64-bit length too large for a JavaScript number', () => {
    const header = Buffer.from('827f0020000000000000', 'hex');
    expect(decodeFrame(Buffer.concat([header, Buffer.alloc(16)]))).toBeNull();
    const justBelow = Buffer.from('827f001fffffffffffff', 'hex');
    expect(decodeFrame(justBelow)).toBeNull();
  });
});
