import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  WEBSOCKET_GUID,
  computeAcceptKey,
  isValidClientKey,
} from '../../src/protocol/accept-key.js';

describe('computeAcceptKey', () => {
  it('uses the RFC 6455 GUID', () => {
    expect(WEBSOCKET_GUID).toBe('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
  });

  it('answers the RFC 6455 section 1.3 example', () => {
    expect(computeAcceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('answers the widely published x3JJHMbDL1EzLkh9GBhXDw== example', () => {
    expect(computeAcceptKey('x3JJHMbDL1EzLkh9GBhXDw==')).toBe('HSmrc0sMlYUkAGmm5OPpG2HaGWk=');
  });
});

describe('isValidClientKey', () => {
  it('accepts the RFC example and random 16-byte keys', () => {
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe(true);
    for (let i = 0; i < 50; i++) {
      expect(isValidClientKey(randomBytes(16).toString('base64'))).toBe(true);
    }
    expect(isValidClientKey(Buffer.alloc(16, 0xff).toString('base64'))).toBe(true);
    expect(isValidClientKey(Buffer.alloc(16, 0xfb).toString('base64'))).toBe(true);
  });

  it('rejects base64 of 15 or 17 bytes', () => {
    expect(isValidClientKey(randomBytes(15).toString('base64'))).toBe(false);
    expect(isValidClientKey(randomBytes(17).toString('base64'))).toBe(false);
    expect(isValidClientKey(randomBytes(32).toString('base64'))).toBe(false);
    expect(isValidClientKey('')).toBe(false);
  });

  it('rejects characters outside the base64 alphabet', () => {
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25jZQ-=')).toBe(false);
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25j_Q==')).toBe(false);
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25j ZQ==')).toBe(false);
    expect(isValidClientKey('dGhlIHNhbXBsZSBub2-jZQ==')).toBe(false);
    expect(isValidClientKey(' dGhlIHNhbXBsZSBub25jZQ==')).toBe(false);
  });

  it('rejects wrong padding and non-canonical last characters', () => {
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25jZQ')).toBe(false);
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25jZQ=')).toBe(false);
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25jZQ===')).toBe(false);
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25jZQA=')).toBe(false);
    // 'R' carries bits beyond the 16th byte: not a canonical encoding of 16 bytes.
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25jZR==')).toBe(false);
    expect(isValidClientKey('dGhlIHNhbXBsZSBub25jZQ==\n')).toBe(false);
  });
});
