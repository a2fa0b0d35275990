import { randomBytes } from 'node:crypto';
import { describe, expect, it, jest } from '@jest/globals';
import { deflateMessage, inflateMessage } from '../../src/protocol/permessage-deflate.util.js';

const TAIL = '0000ffff';

describe('deflateMessage', () => {
  it('compresses "Hello" as RFC 7692 section 7.2.3.1 shows', () => {
    expect(deflateMessage(Buffer.from('Hello')).toString('hex')).toBe('f248cdc9c90700');
  });

  it('compresses an empty message to a single 00 byte (RFC 7692 section 7.2.3.6)', () => {
    expect(deflateMessage(Buffer.alloc(0)).toString('hex')).toBe('00');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['text', Buffer.from('Hello, permessage-deflate! '.repeat(50))],
    ['random', randomBytes(5000)],
    ['zeros', Buffer.alloc(100000)],
  ])('never ends with 00 00 ff ff and inflates back (%s)', (_name, data) => {
    const compressed = deflateMessage(data);
    expect(compressed.subarray(-4).toString('hex')).not.toBe(TAIL);
    expect(inflateMessage(compressed).equals(data)).toBe(true);
  });

  it('leaves its input alone', () => {
    const data = Buffer.from('unchanged');
    deflateMessage(data);
    expect(data.toString()).toBe('unchanged');
  });
});

describe('inflateMessage', () => {
  it('inflates the RFC 7692 "Hello"', () => {
    expect(inflateMessage(Buffer.from('f248cdc9c90700', 'hex')).toString()).toBe('Hello');
  });

  it('inflates the RFC 7692 section 7.2.3.3 message sent in a stored block', () => {
    expect(inflateMessage(Buffer.from('000500faff48656c6c6f00', 'hex')).toString()).toBe('Hello');
  });

  it('enforces maxLength', () => {
    const data = Buffer.alloc(10000, 'a');
    const compressed = deflateMessage(data);
    expect(inflateMessage(compressed, 10000).length).toBe(10000);
    expect(() => inflateMessage(compressed, 9999)).toThrow();
    expect(() => inflateMessage(compressed, 100)).toThrow(/larger than 100 bytes/);
  });

  it('throws on corrupt data', () => {
    expect(() => inflateMessage(Buffer.from('ffffffff', 'hex'))).toThrow();
  });
});

describe('deflateMessage when zlib output lacks the flush tail', () => {
  it('returns the output whole', async () => {
    jest.resetModules();
    const raw = Buffer.from('0102', 'hex');
    jest.unstable_mockModule('node:zlib', () => ({
      deflateRawSync: () => raw,
      inflateRawSync: () => Buffer.alloc(0),
    }));
    const util = await import('../../src/protocol/permessage-deflate.util.js');
    expect(util.deflateMessage(Buffer.from('x'))).toBe(raw);
    const tail = Buffer.from('aa0000ffff', 'hex');
    jest.unstable_mockModule('node:zlib', () => ({
      deflateRawSync: () => tail,
      inflateRawSync: () => Buffer.alloc(0),
    }));
    jest.resetModules();
    const again = await import('../../src/protocol/permessage-deflate.util.js');
    expect(again.deflateMessage(Buffer.from('x')).toString('hex')).toBe('aa');
  });
});
