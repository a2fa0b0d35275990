import { describe, expect, it } from '@jest/globals';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
  WebSocketOpcode,
  isControlOpcode,
  isKnownOpcode,
} from '../../src/protocol/opcode.constants.js';

describe('opcode constants', () => {
  it('have the Swoole values', () => {
    expect(WEBSOCKET_OPCODE_CONTINUATION).toBe(0);
    expect(WEBSOCKET_OPCODE_TEXT).toBe(1);
    expect(WEBSOCKET_OPCODE_BINARY).toBe(2);
    expect(WEBSOCKET_OPCODE_CLOSE).toBe(8);
    expect(WEBSOCKET_OPCODE_PING).toBe(9);
    expect(WEBSOCKET_OPCODE_PONG).toBe(0xa);
  });

  it('are mirrored by the WebSocketOpcode enum', () => {
    expect(WebSocketOpcode.Continuation).toBe(0);
    expect(WebSocketOpcode.Text).toBe(1);
    expect(WebSocketOpcode.Binary).toBe(2);
    expect(WebSocketOpcode.Close).toBe(8);
    expect(WebSocketOpcode.Ping).toBe(9);
    expect(WebSocketOpcode.Pong).toBe(10);
    const numeric = Object.values(WebSocketOpcode).filter((v) => typeof v === 'number');
    expect(numeric).toEqual([0, 1, 2, 8, 9, 10]);
  });
});

describe('isControlOpcode', () => {
  it.each([
    [0x0, false],
    [0x1, false],
    [0x2, false],
    [0x3, false],
    [0x7, false],
    [0x8, true],
    [0x9, true],
    [0xa, true],
    [0xb, true],
    [0xf, true],
  ])('opcode %i -> %s', (opcode, expected) => {
    expect(isControlOpcode(opcode)).toBe(expected);
  });
});

describe('isKnownOpcode', () => {
  const known = new Set([0, 1, 2, 8, 9, 10]);
  it.each(Array.from({ length: 16 }, (_, i) => i))('opcode %i', (opcode) => {
    expect(isKnownOpcode(opcode)).toBe(known.has(opcode));
  });

  it('rejects values that are not 4-bit opcodes', () => {
    expect(isKnownOpcode(-1)).toBe(false);
    expect(isKnownOpcode(1.5)).toBe(false);
    expect(isKnownOpcode(16)).toBe(false);
    expect(isKnownOpcode(Number.NaN)).toBe(false);
  });
});
