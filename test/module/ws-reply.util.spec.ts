import { describe, expect, it } from '@jest/globals';
import { of } from 'rxjs';
import { isReplyStream, pushReply, toReply } from '../../src/module/ws-reply.util.js';
import { Frame } from '../../src/protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import { RecordingWsServer } from './support/recording-ws-server.js';

describe('toReply', () => {
  it('sends nothing for undefined and null', () => {
    expect(toReply(undefined)).toBeNull();
    expect(toReply(null)).toBeNull();
  });

  it('sends a string as text', () => {
    expect(toReply('hi')).toEqual({ data: 'hi', opcode: WEBSOCKET_OPCODE_TEXT });
    expect(toReply('')).toEqual({ data: '', opcode: WEBSOCKET_OPCODE_TEXT });
  });

  it('sends a Buffer as binary', () => {
    const buffer = Buffer.from([1, 2, 3]);
    expect(toReply(buffer)).toEqual({ data: buffer, opcode: WEBSOCKET_OPCODE_BINARY });
  });

  it('sends a typed array as binary, the viewed bytes only', () => {
    const whole = new Uint8Array([0, 1, 2, 3, 4]);
    const reply = toReply(whole.subarray(1, 3));
    expect(reply?.opcode).toBe(WEBSOCKET_OPCODE_BINARY);
    expect([...(reply?.data as Buffer)]).toEqual([1, 2]);
  });

  it('sends a Frame as is, with its own opcode', () => {
    const frame = new Frame();
    frame.opcode = WEBSOCKET_OPCODE_PING;
    expect(toReply(frame)).toEqual({ data: frame, opcode: WEBSOCKET_OPCODE_PING });
  });

  it.each([
    [{ a: 1 }, '{"a":1}'],
    [[1, 'x'], '[1,"x"]'],
    [42, '42'],
    [0, '0'],
    [false, 'false'],
  ])('sends %p as JSON text', (value, json) => {
    expect(toReply(value)).toEqual({ data: json, opcode: WEBSOCKET_OPCODE_TEXT });
  });
});

describe('isReplyStream', () => {
  it('is true for an Observable only', () => {
    expect(isReplyStream(of(1))).toBe(true);
    expect(isReplyStream(Promise.resolve(1))).toBe(false);
    expect(isReplyStream({ subscribe: 1 })).toBe(false);
    expect(isReplyStream(null)).toBe(false);
  });
});

describe('pushReply', () => {
  it('pushes a value as toReply frames it, and nothing for undefined', () => {
    const server = new RecordingWsServer().open(3);
    pushReply(server, 3, { a: 1 });
    pushReply(server, 3, undefined);
    pushReply(server, 3, Buffer.from([7]));
    expect(server.pushes).toEqual([
      { fd: 3, data: '{"a":1}', opcode: WEBSOCKET_OPCODE_TEXT },
      { fd: 3, data: Buffer.from([7]), opcode: WEBSOCKET_OPCODE_BINARY },
    ]);
  });

  it('throws for a value that cannot be serialised, pushing nothing', () => {
    const server = new RecordingWsServer().open(3);
    expect(() => pushReply(server, 3, { big: 1n })).toThrow(TypeError);
    expect(server.pushes).toEqual([]);
  });
});
