import { describe, expect, it } from '@jest/globals';
import {
  MAX_CLOSE_REASON_BYTES,
  decodeClosePayload,
  encodeClosePayload,
  isSendableClose,
  truncateUtf8,
} from '../../src/protocol/close-payload.js';

const hex = (data: Buffer): string => data.toString('hex');

describe('encodeClosePayload', () => {
  it('is empty without a code', () => {
    expect(encodeClosePayload().length).toBe(0);
    expect(encodeClosePayload(undefined, 'ignored').length).toBe(0);
  });

  it('is the 2-byte code alone without a reason', () => {
    expect(hex(encodeClosePayload(1000))).toBe('03e8');
    expect(hex(encodeClosePayload(4999))).toBe('1387');
  });

  it('appends the reason as UTF-8', () => {
    expect(hex(encodeClosePayload(1001, 'bye'))).toBe('03e9627965');
    const payload = encodeClosePayload(4000, 'é€');
    expect(payload.length).toBe(2 + 2 + 3);
    expect(payload.readUInt16BE(0)).toBe(4000);
    expect(payload.subarray(2).toString('utf8')).toBe('é€');
  });

  it('writes any code asked for, valid or not (peers under test send invalid ones)', () => {
    expect(hex(encodeClosePayload(1005))).toBe('03ed');
    expect(hex(encodeClosePayload(999))).toBe('03e7');
  });
});

describe('decodeClosePayload', () => {
  it('reads nothing as 1005 and an empty reason', () => {
    expect(decodeClosePayload(Buffer.alloc(0))).toEqual({ code: 1005, reason: '' });
  });

  it('reads a code and a UTF-8 reason', () => {
    expect(decodeClosePayload(encodeClosePayload(4001, 'bye ✓'))).toEqual({
      code: 4001,
      reason: 'bye ✓',
    });
  });

  it.each([
    ['one byte', Buffer.from([0x03]), 1002],
    ['a reserved code', encodeClosePayload(1005), 1002],
    ['a code below 1000', encodeClosePayload(999), 1002],
    ['an unassigned code', encodeClosePayload(2000), 1002],
    ['a reason that is not UTF-8', Buffer.from([0x03, 0xe8, 0xff, 0xfe]), 1007],
  ])('refuses %s with the close code that answers it', (_name, payload, error) => {
    const decoded = decodeClosePayload(payload);
    expect('error' in decoded && decoded.error).toBe(error);
  });
});

describe('isSendableClose', () => {
  it('accepts no code, and valid codes with reasons up to 123 bytes', () => {
    expect(isSendableClose(1005, 'ignored')).toBe(true);
    expect(isSendableClose(1000, '')).toBe(true);
    expect(isSendableClose(4999, 'x'.repeat(MAX_CLOSE_REASON_BYTES))).toBe(true);
    expect(isSendableClose(1011, 'é'.repeat(61))).toBe(true);
  });

  it('refuses codes not valid on the wire and reasons over 123 bytes', () => {
    expect(isSendableClose(1006, '')).toBe(false);
    expect(isSendableClose(999, '')).toBe(false);
    expect(isSendableClose(1000, 'x'.repeat(124))).toBe(false);
    expect(isSendableClose(4000, 'é'.repeat(62))).toBe(false);
  });
});

describe('truncateUtf8', () => {
  it('keeps short text and cuts long text on a character boundary', () => {
    expect(truncateUtf8('short', 10)).toBe('short');
    expect(truncateUtf8('é'.repeat(100), 123)).toBe('é'.repeat(61));
    expect(truncateUtf8('a€', 3)).toBe('a');
  });
});
