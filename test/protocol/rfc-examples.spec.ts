import { describe, expect, it } from '@jest/globals';
import { FrameParser, type FrameParserSink } from '../../src/protocol/frame-parser.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';

function collect(expectMasked: boolean) {
  const events: Array<[string, unknown, unknown?]> = [];
  const sink: FrameParserSink = {
    onMessage: (opcode, data) => events.push(['message', opcode, data.toString()]),
    onPing: (p) => events.push(['ping', p.toString()]),
    onPong: (p) => events.push(['pong', p.toString()]),
    onClose: (code, reason) => events.push(['close', code, reason]),
    onError: (code, reason) => events.push(['error', code, reason]),
  };
  return { events, parser: new FrameParser(sink, { expectMasked }) };
}

describe('RFC 6455 section 5.7 examples', () => {
  it('parses a single-frame masked text message', () => {
    const { events, parser } = collect(true);
    parser.push(Buffer.from('818537fa213d7f9f4d5158', 'hex'));
    expect(events).toEqual([['message', 1, 'Hello']]);
  });

  it('encodes the single-frame unmasked text message byte for byte', () => {
    expect(encodeFrame(1, Buffer.from('Hello')).toString('hex')).toBe('810548656c6c6f');
  });
});
