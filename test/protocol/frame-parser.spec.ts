import { describe, expect, it } from '@jest/globals';
import {
  FrameParser,
  type FrameParserOptions,
  type FrameParserSink,
} from '../../src/protocol/frame-parser.js';
import { encodeClosePayload } from '../../src/protocol/close-payload.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import { mulberry32 } from '../support/mulberry32.js';

/** What the sink saw, with payloads as hex so events compare by value. */
type Event =
  | ['message', number, string, boolean]
  | ['ping', string]
  | ['pong', string]
  | ['close', number, string, string]
  | ['error', number];

interface Harness {
  events: Event[];
  parser: FrameParser;
  /** Payload buffers as delivered (not copied), for identity and size checks. */
  delivered: Buffer[];
}

function harness(
  options: FrameParserOptions,
  hooks: { afterEvent?: (event: Event, parser: FrameParser) => void; hex?: boolean } = {},
): Harness {
  const events: Event[] = [];
  const delivered: Buffer[] = [];
  const hex = (data: Buffer) =>
    hooks.hex === false ? `<${data.length} bytes>` : data.toString('hex');
  const self: { parser?: FrameParser } = {};
  const record = (event: Event) => {
    events.push(event);
    if (self.parser && hooks.afterEvent) hooks.afterEvent(event, self.parser);
  };
  const sink: FrameParserSink = {
    onMessage: (opcode, data, compressed) => {
      delivered.push(data);
      record(['message', opcode, hex(data), compressed]);
    },
    onPing: (payload) => {
      delivered.push(payload);
      record(['ping', hex(payload)]);
    },
    onPong: (payload) => {
      delivered.push(payload);
      record(['pong', hex(payload)]);
    },
    onClose: (code, reason, payload) => record(['close', code, reason, hex(payload)]),
    onError: (code) => record(['error', code]),
  };
  const parser = new FrameParser(sink, options);
  self.parser = parser;
  return { events, parser, delivered };
}

const SERVER: FrameParserOptions = { expectMasked: true };
const CLIENT: FrameParserOptions = { expectMasked: false };
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const TWO_MIB = 2 * 1024 * 1024;

function hexBytes(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

function text(value: string): string {
  return Buffer.from(value, 'utf8').toString('hex');
}

/** Feeds `stream` as the given chunks (fresh copies: the parser unmasks in place). */
function feed(options: FrameParserOptions, stream: Buffer, cuts: number[] = []): Harness {
  const h = harness(options);
  let start = 0;
  for (const cut of [...cuts, stream.length]) {
    h.parser.push(Buffer.from(stream.subarray(start, cut)));
    start = cut;
  }
  return h;
}

/** A frame for `options`' side: masked for a server parser, unmasked for a client parser. */
function frame(
  options: FrameParserOptions,
  opcode: number,
  payload: Buffer | string,
  extra: { fin?: boolean; rsv1?: boolean; rsv2?: boolean; rsv3?: boolean } = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return encodeFrame(opcode, data, { ...extra, ...(options.expectMasked ? { mask: MASK } : {}) });
}

/** A masked and an unmasked frame with the same content. */
const SIDES: Array<[string, FrameParserOptions]> = [
  ['server side (masked frames)', SERVER],
  ['client side (unmasked frames)', CLIENT],
];

describe('FrameParser: RFC 6455 section 5.7 examples', () => {
  it('a single-frame unmasked text message (client side)', () => {
    const bytes = hexBytes('81 05 48 65 6c 6c 6f');
    expect(encodeFrame(0x1, Buffer.from('Hello'))).toEqual(bytes);
    const { events, parser } = feed(CLIENT, bytes);
    expect(events).toEqual([['message', 0x1, text('Hello'), false]]);
    expect(parser.bufferedBytes).toBe(0);
    expect(parser.stopped).toBe(false);
  });

  it('a single-frame masked text message (server side)', () => {
    const bytes = hexBytes('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(encodeFrame(0x1, Buffer.from('Hello'), { mask: MASK })).toEqual(bytes);
    const { events } = feed(SERVER, bytes);
    expect(events).toEqual([['message', 0x1, text('Hello'), false]]);
  });

  it('a fragmented unmasked text message "Hel" + "lo"', () => {
    const first = hexBytes('01 03 48 65 6c');
    const second = hexBytes('80 02 6c 6f');
    const h = harness(CLIENT);
    h.parser.push(first);
    expect(h.events).toEqual([]);
    expect(h.parser.bufferedBytes).toBe(3);
    h.parser.push(second);
    expect(h.events).toEqual([['message', 0x1, text('Hello'), false]]);
    expect(h.parser.bufferedBytes).toBe(0);
  });

  it('an unmasked ping and a masked pong with "Hello"', () => {
    const ping = hexBytes('89 05 48 65 6c 6c 6f');
    expect(encodeFrame(0x9, Buffer.from('Hello'))).toEqual(ping);
    expect(feed(CLIENT, ping).events).toEqual([['ping', text('Hello')]]);

    const pong = hexBytes('8a 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(encodeFrame(0xa, Buffer.from('Hello'), { mask: MASK })).toEqual(pong);
    expect(feed(SERVER, pong).events).toEqual([['pong', text('Hello')]]);
  });

  it('a 256-byte unmasked binary message with a 16-bit length', () => {
    const payload = Buffer.alloc(256, 0xab);
    const bytes = Buffer.concat([hexBytes('82 7e 01 00'), payload]);
    expect(encodeFrame(0x2, payload)).toEqual(bytes);
    const { events } = feed(CLIENT, bytes);
    expect(events).toEqual([['message', 0x2, payload.toString('hex'), false]]);
  });

  it('a 64 KiB unmasked binary message with a 64-bit length', () => {
    const payload = Buffer.alloc(65536);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    const bytes = Buffer.concat([hexBytes('82 7f 00 00 00 00 00 01 00 00'), payload]);
    expect(encodeFrame(0x2, payload)).toEqual(bytes);
    const h = feed(CLIENT, bytes);
    expect(h.events).toEqual([['message', 0x2, payload.toString('hex'), false]]);
    // Split header and payload too.
    const split = feed(CLIENT, bytes, [3, 10, 1000]);
    expect(split.events).toEqual(h.events);
  });
});

describe('FrameParser: protocol violations', () => {
  /** Feeds `bytes`, expects exactly one error with `code`, then checks the parser is dead. */
  function expectViolation(options: FrameParserOptions, bytes: Buffer, code: number): Harness {
    const h = harness(options);
    expect(() => h.parser.push(Buffer.from(bytes))).not.toThrow();
    expect(h.events).toEqual([['error', code]]);
    expect(h.parser.stopped).toBe(true);
    expect(h.parser.bufferedBytes).toBe(0);
    // Later input is ignored, even a perfectly valid frame.
    expect(() => h.parser.push(frame(options, 0x1, 'after'))).not.toThrow();
    expect(() => h.parser.push(Buffer.from([0xff, 0xff, 0xff]))).not.toThrow();
    expect(h.events).toEqual([['error', code]]);
    expect(h.parser.bufferedBytes).toBe(0);
    return h;
  }

  it('an unmasked client frame on the server side: 1002', () => {
    expectViolation(SERVER, encodeFrame(0x1, Buffer.from('hi')), 1002);
    expectViolation(SERVER, encodeFrame(0x9, Buffer.alloc(0)), 1002);
  });

  it('a masked frame on the client side: 1002', () => {
    expectViolation(CLIENT, encodeFrame(0x1, Buffer.from('hi'), { mask: MASK }), 1002);
    expectViolation(CLIENT, encodeFrame(0x8, Buffer.alloc(0), { mask: MASK }), 1002);
  });

  it('is rejected from the first two bytes, before the rest of the frame', () => {
    expectViolation(SERVER, Buffer.from([0x81, 0x05]), 1002);
    expectViolation(CLIENT, Buffer.from([0x81, 0x85]), 1002);
  });

  it.each(SIDES)('RSV1 without allowRsv1: 1002 (%s)', (_name, options) => {
    expectViolation(options, frame(options, 0x1, 'hi', { rsv1: true }), 1002);
    expectViolation(options, frame(options, 0x2, 'hi', { rsv1: true }), 1002);
  });

  it.each(SIDES)('RSV2 or RSV3: 1002 even with allowRsv1 (%s)', (_name, options) => {
    const rsv = { ...options, allowRsv1: true };
    expectViolation(rsv, frame(options, 0x1, 'hi', { rsv2: true }), 1002);
    expectViolation(rsv, frame(options, 0x1, 'hi', { rsv3: true }), 1002);
    expectViolation(rsv, frame(options, 0x9, 'hi', { rsv2: true, rsv3: true }), 1002);
  });

  it('RSV1 on a control frame or a continuation frame: 1002 even with allowRsv1', () => {
    const rsv = { ...CLIENT, allowRsv1: true };
    expectViolation(rsv, frame(CLIENT, 0x9, 'x', { rsv1: true }), 1002);
    expectViolation(rsv, frame(CLIENT, 0x8, '', { rsv1: true }), 1002);
    expectViolation(
      rsv,
      Buffer.concat([
        frame(CLIENT, 0x1, 'a', { rsv1: true, fin: false }),
        frame(CLIENT, 0x0, 'b', { rsv1: true }),
      ]),
      1002,
    );
  });

  it.each([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf])('reserved opcode 0x%s: 1002', (opcode) => {
    expectViolation(SERVER, frame(SERVER, opcode, 'x'), 1002);
    expectViolation(CLIENT, frame(CLIENT, opcode, ''), 1002);
    // Also when not final, and from the header alone.
    expectViolation(CLIENT, Buffer.from([opcode, 0x00]), 1002);
  });

  it.each([0x8, 0x9, 0xa])('control frame 0x%s longer than 125 bytes: 1002', (opcode) => {
    expectViolation(SERVER, frame(SERVER, opcode, Buffer.alloc(126)), 1002);
    expectViolation(CLIENT, frame(CLIENT, opcode, Buffer.alloc(65536)), 1002);
    // Detected from the 7-bit length alone (126 and 127 are the extended-length markers).
    expectViolation(CLIENT, Buffer.from([0x80 | opcode, 126]), 1002);
    expectViolation(CLIENT, Buffer.from([0x80 | opcode, 127]), 1002);
  });

  it('accepts control frames of exactly 125 bytes', () => {
    const payload = Buffer.alloc(125, 0x61);
    expect(feed(SERVER, frame(SERVER, 0x9, payload)).events).toEqual([
      ['ping', payload.toString('hex')],
    ]);
  });

  it.each([0x8, 0x9, 0xa])('fragmented control frame 0x%s: 1002', (opcode) => {
    expectViolation(SERVER, frame(SERVER, opcode, 'x', { fin: false }), 1002);
    expectViolation(CLIENT, frame(CLIENT, opcode, '', { fin: false }), 1002);
  });

  it.each(SIDES)('continuation without a start: 1002 (%s)', (_name, options) => {
    expectViolation(options, frame(options, 0x0, 'x'), 1002);
    expectViolation(options, frame(options, 0x0, 'x', { fin: false }), 1002);
  });

  it('a message after a complete fragmented message delivers both, then continuation fails', () => {
    const h = feed(
      CLIENT,
      Buffer.concat([
        frame(CLIENT, 0x1, 'a', { fin: false }),
        frame(CLIENT, 0x0, 'b'),
        frame(CLIENT, 0x0, 'c'),
      ]),
    );
    expect(h.events).toEqual([
      ['message', 1, text('ab'), false],
      ['error', 1002],
    ]);
  });

  it.each(SIDES)('a new data frame inside a fragmented message: 1002 (%s)', (_name, options) => {
    for (const opcode of [0x1, 0x2]) {
      for (const fin of [true, false]) {
        expectViolation(
          options,
          Buffer.concat([
            frame(options, 0x2, 'a', { fin: false }),
            frame(options, opcode, 'b', { fin }),
          ]),
          1002,
        );
      }
    }
  });

  it('a 64-bit length with the top bit set: 1002', () => {
    expectViolation(CLIENT, hexBytes('82 7f 80 00 00 00 00 00 00 00'), 1002);
    expectViolation(CLIENT, hexBytes('82 7f ff ff ff ff ff ff ff ff'), 1002);
    expectViolation(SERVER, hexBytes('82 ff 80 00 00 00 00 00 00 05 01 02 03 04'), 1002);
    // Top bit clear but a huge length: too big rather than a protocol error.
    expectViolation(CLIENT, hexBytes('82 7f 7f ff ff ff ff ff ff ff'), 1009);
  });

  describe('message too big (1009), from the header before the payload', () => {
    it('default maxPayload of 2 MiB: a 64-bit header alone', () => {
      const header = hexBytes('82 7f 00 00 00 00 00 20 00 01'); // 2 MiB + 1
      expectViolation(CLIENT, header, 1009);
      const maskedHeader = hexBytes('82 ff 00 00 00 01 00 00 00 00'); // 4 GiB, no mask key yet
      expectViolation(SERVER, maskedHeader, 1009);
    });

    it('a custom maxPayload with 7- and 16-bit lengths', () => {
      expectViolation({ ...CLIENT, maxPayload: 10 }, Buffer.from([0x81, 11]), 1009);
      expectViolation({ ...SERVER, maxPayload: 10 }, Buffer.from([0x82, 0x80 | 11]), 1009);
      expectViolation({ ...CLIENT, maxPayload: 200 }, hexBytes('82 7e 01 2c'), 1009);
      // Exactly maxPayload is fine.
      const ok = feed({ ...CLIENT, maxPayload: 10 }, frame(CLIENT, 0x2, Buffer.alloc(10, 1)));
      expect(ok.events).toEqual([['message', 2, '01'.repeat(10), false]]);
    });

    it('the sum of fragments exceeding maxPayload fails at the header of the last fragment', () => {
      const options = { ...SERVER, maxPayload: 10 };
      const h = harness(options);
      h.parser.push(frame(options, 0x2, Buffer.alloc(4), { fin: false }));
      h.parser.push(frame(options, 0x0, Buffer.alloc(4), { fin: false }));
      expect(h.events).toEqual([]);
      expect(h.parser.bufferedBytes).toBe(8);
      // A control frame in between does not count towards the message.
      h.parser.push(frame(options, 0x9, Buffer.alloc(100)));
      expect(h.events).toEqual([['ping', '00'.repeat(100)]]);
      // 8 + 3 > 10: only the first two header bytes of the third fragment are needed.
      h.parser.push(Buffer.from([0x80, 0x80 | 3]));
      expect(h.events).toEqual([
        ['ping', '00'.repeat(100)],
        ['error', 1009],
      ]);
      expect(h.parser.stopped).toBe(true);
      expect(h.parser.bufferedBytes).toBe(0);
      h.parser.push(Buffer.from(MASK));
      expect(h.events).toHaveLength(2);
    });

    it('fragments adding up to exactly maxPayload are accepted', () => {
      const options = { ...CLIENT, maxPayload: 10 };
      const h = feed(
        options,
        Buffer.concat([
          frame(options, 0x1, 'abcd', { fin: false }),
          frame(options, 0x0, 'efg', { fin: false }),
          frame(options, 0x0, 'hij'),
        ]),
      );
      expect(h.events).toEqual([['message', 1, text('abcdefghij'), false]]);
    });
  });

  describe('invalid UTF-8 in text messages (1007)', () => {
    const invalid = [
      ['a lone continuation byte', '80'],
      ['an overlong 2-byte form', 'c0 af'],
      ['an overlong 3-byte form', 'e0 80 af'],
      ['a surrogate', 'ed a0 80'],
      ['a code point above U+10FFFF', 'f4 90 80 80'],
      ['a 0xFF byte', 'ff'],
      ['a truncated sequence at the end', 'e2 82'],
      ['a truncated sequence in the middle', 'e2 82 41'],
    ];

    it.each(invalid)('a single frame with %s', (_name, bytes) => {
      const payload = Buffer.concat([Buffer.from('ok'), hexBytes(bytes)]);
      expectViolation(SERVER, frame(SERVER, 0x1, payload), 1007);
      expectViolation(CLIENT, frame(CLIENT, 0x1, payload), 1007);
    });

    it.each(invalid)('a fragmented message with %s', (_name, bytes) => {
      const stream = Buffer.concat([
        frame(CLIENT, 0x1, 'ok', { fin: false }),
        frame(CLIENT, 0x0, hexBytes(bytes), { fin: false }),
        frame(CLIENT, 0x0, ''),
      ]);
      expectViolation(CLIENT, stream, 1007);
    });

    it('binary messages are not checked', () => {
      const h = feed(CLIENT, frame(CLIENT, 0x2, hexBytes('ff c0 ed a0 80')));
      expect(h.events).toEqual([['message', 2, 'ffc0eda080', false]]);
    });

    it('fails fast: an invalid first fragment fails before the final fragment arrives', () => {
      for (const bad of ['ff', 'c0 af', 'f0 80', 'ed a0', 'f4 90', 'e0 80']) {
        const h = harness(SERVER);
        h.parser.push(
          frame(SERVER, 0x1, Buffer.concat([Buffer.from('ab'), hexBytes(bad)]), { fin: false }),
        );
        expect(h.events).toEqual([['error', 1007]]);
        expect(h.parser.stopped).toBe(true);
      }
    });

    it('fails fast: a bad continuation fails before the final fragment', () => {
      const h = harness(CLIENT);
      h.parser.push(frame(CLIENT, 0x1, hexBytes('e2 82'), { fin: false }));
      expect(h.events).toEqual([]);
      h.parser.push(frame(CLIENT, 0x0, hexBytes('41'), { fin: false }));
      expect(h.events).toEqual([['error', 1007]]);
    });

    it('a code point split across fragments is accepted', () => {
      const euro = hexBytes('e2 82 ac');
      const smile = hexBytes('f0 9f 98 80');
      const h = feed(
        SERVER,
        Buffer.concat([
          frame(SERVER, 0x1, euro.subarray(0, 1), { fin: false }),
          frame(SERVER, 0x9, 'p'),
          frame(SERVER, 0x0, Buffer.concat([euro.subarray(1), smile.subarray(0, 2)]), {
            fin: false,
          }),
          frame(SERVER, 0x0, Buffer.alloc(0), { fin: false }),
          frame(SERVER, 0x0, smile.subarray(2)),
        ]),
      );
      expect(h.events).toEqual([
        ['ping', text('p')],
        ['message', 1, text('€😀'), false],
      ]);
    });

    it('a fragmented message ending inside a code point fails at the final fragment', () => {
      const h = harness(CLIENT);
      h.parser.push(frame(CLIENT, 0x1, hexBytes('41 f0 9f'), { fin: false }));
      expect(h.events).toEqual([]);
      h.parser.push(frame(CLIENT, 0x0, hexBytes('98')));
      expect(h.events).toEqual([['error', 1007]]);
    });

    it('fails fast: a large single text frame fails at its first invalid chunk', () => {
      for (const options of [SERVER, CLIENT]) {
        const payload = Buffer.alloc(100000, 0x61);
        payload[10] = 0xff;
        const bytes = frame(options, 0x1, payload);
        const h = harness(options);
        h.parser.push(Buffer.from(bytes.subarray(0, 100)));
        expect(h.events).toEqual([['error', 1007]]);
        expect(h.parser.stopped).toBe(true);
        h.parser.push(Buffer.from(bytes.subarray(100)));
        expect(h.events).toEqual([['error', 1007]]);
      }
    });

    it('fails fast: an invalid prefix at the end of the first chunk of a large frame', () => {
      const payload = Buffer.alloc(1000, 0x61);
      payload[48] = 0xf0;
      payload[49] = 0x80;
      const bytes = frame(SERVER, 0x1, payload);
      const h = harness(SERVER);
      h.parser.push(Buffer.from(bytes.subarray(0, 8 + 50)));
      expect(h.events).toEqual([['error', 1007]]);
    });

    it('a large single text frame ending inside a code point fails when complete', () => {
      const payload = Buffer.alloc(1000, 0x61);
      payload[999] = 0xe2;
      const bytes = frame(CLIENT, 0x1, payload);
      const h = harness(CLIENT);
      h.parser.push(Buffer.from(bytes.subarray(0, 500)));
      expect(h.events).toEqual([]);
      h.parser.push(Buffer.from(bytes.subarray(500)));
      expect(h.events).toEqual([['error', 1007]]);
    });

    it('a large valid text frame in chunks with code points across chunk borders', () => {
      const value = '€😀ab'.repeat(1000);
      const bytes = frame(SERVER, 0x1, value);
      const cuts: number[] = [];
      for (let at = 5; at < bytes.length; at += 7) cuts.push(at);
      expect(feed(SERVER, bytes, cuts).events).toEqual([['message', 1, text(value), false]]);
    });

    it('RSV1 (compressed) text is not checked here: it is delivered with compressed = true', () => {
      const options = { ...CLIENT, allowRsv1: true };
      const bad = hexBytes('ff fe fd');
      const h = feed(
        options,
        Buffer.concat([
          frame(options, 0x1, bad, { rsv1: true }),
          frame(options, 0x1, bad, { rsv1: true, fin: false }),
          frame(options, 0x0, bad),
          frame(options, 0x2, bad, { rsv1: true }),
          frame(options, 0x1, 'plain'),
        ]),
      );
      expect(h.events).toEqual([
        ['message', 1, 'fffefd', true],
        ['message', 1, 'fffefdfffefd', true],
        ['message', 2, 'fffefd', true],
        ['message', 1, text('plain'), false],
      ]);
      // In chunks too (the streaming path).
      const big = Buffer.alloc(5000, 0xff);
      const stream = Buffer.concat([
        frame(options, 0x1, big, { rsv1: true, fin: false }),
        frame(options, 0x0, big),
      ]);
      const cuts = [3, 100, 4000, 5010, 6000];
      expect(feed(options, stream, cuts).events).toEqual([
        ['message', 1, Buffer.concat([big, big]).toString('hex'), true],
      ]);
    });
  });

  describe('close frames', () => {
    it('a 1-byte close payload: 1002', () => {
      expectViolation(SERVER, frame(SERVER, 0x8, Buffer.from([0x03])), 1002);
      expectViolation(CLIENT, frame(CLIENT, 0x8, Buffer.from([0x03])), 1002);
    });

    it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])(
      'invalid close code %s: 1002',
      (code) => {
        expectViolation(SERVER, frame(SERVER, 0x8, encodeClosePayload(code, 'x')), 1002);
        expectViolation(CLIENT, frame(CLIENT, 0x8, encodeClosePayload(code)), 1002);
      },
    );

    const valid = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014];
    it.each([...valid, 3000, 3999, 4000, 4999])('valid close code %s is accepted', (code) => {
      for (const [options, reason] of [
        [SERVER, 'bye ✓'],
        [CLIENT, ''],
      ] as const) {
        const payload = encodeClosePayload(code, reason);
        const h = harness(options);
        h.parser.push(frame(options, 0x8, payload));
        expect(h.events).toEqual([['close', code, reason, payload.toString('hex')]]);
        expect(h.parser.stopped).toBe(true);
        expect(h.parser.bufferedBytes).toBe(0);
      }
    });

    it('a close reason that is not UTF-8: 1007', () => {
      const payload = Buffer.concat([encodeClosePayload(1000), hexBytes('61 ff')]);
      expectViolation(SERVER, frame(SERVER, 0x8, payload), 1007);
      const surrogate = Buffer.concat([encodeClosePayload(4000), hexBytes('ed a0 80')]);
      expectViolation(CLIENT, frame(CLIENT, 0x8, surrogate), 1007);
    });

    it('an empty close payload gives 1005 and an empty reason', () => {
      for (const options of [SERVER, CLIENT]) {
        const h = feed(options, frame(options, 0x8, Buffer.alloc(0)));
        expect(h.events).toEqual([['close', 1005, '', '']]);
        expect(h.parser.stopped).toBe(true);
      }
    });

    it('nothing after a close frame is parsed, even in the same chunk', () => {
      const h = feed(
        CLIENT,
        Buffer.concat([
          frame(CLIENT, 0x1, 'a'),
          frame(CLIENT, 0x8, encodeClosePayload(1000, 'done')),
          frame(CLIENT, 0x1, 'b'),
          Buffer.from([0xff, 0xff]),
        ]),
      );
      expect(h.events).toEqual([
        ['message', 1, text('a'), false],
        ['close', 1000, 'done', encodeClosePayload(1000, 'done').toString('hex')],
      ]);
      expect(h.parser.bufferedBytes).toBe(0);
    });

    it('a close frame in the middle of a fragmented message closes without the message', () => {
      const h = feed(
        SERVER,
        Buffer.concat([
          frame(SERVER, 0x1, 'a', { fin: false }),
          frame(SERVER, 0x8, encodeClosePayload(1001)),
          frame(SERVER, 0x0, 'b'),
        ]),
      );
      expect(h.events).toEqual([['close', 1001, '', '03e9']]);
      expect(h.parser.bufferedBytes).toBe(0);
    });
  });
});

describe('FrameParser: control frames inside a fragmented message', () => {
  it.each(SIDES)('are delivered in order, before the message (%s)', (_name, options) => {
    const stream = Buffer.concat([
      frame(options, 0x1, 'Hel', { fin: false }),
      frame(options, 0x9, 'ping-1'),
      frame(options, 0xa, 'pong-1'),
      frame(options, 0x0, '', { fin: false }),
      frame(options, 0x9, ''),
      frame(options, 0x0, 'lo'),
      frame(options, 0xa, 'pong-2'),
      frame(options, 0x2, Buffer.from([1, 2, 3])),
    ]);
    const expected: Event[] = [
      ['ping', text('ping-1')],
      ['pong', text('pong-1')],
      ['ping', ''],
      ['message', 1, text('Hello'), false],
      ['pong', text('pong-2')],
      ['message', 2, '010203', false],
    ];
    expect(feed(options, stream).events).toEqual(expected);
    const h = harness(options);
    // Frame by frame: each control frame is delivered as soon as it is complete.
    const parts = [
      frame(options, 0x1, 'Hel', { fin: false }),
      frame(options, 0x9, 'ping-1'),
      frame(options, 0xa, 'pong-1'),
      frame(options, 0x0, 'lo'),
    ];
    h.parser.push(parts[0]);
    expect(h.events).toEqual([]);
    h.parser.push(parts[1]);
    expect(h.events).toEqual([['ping', text('ping-1')]]);
    h.parser.push(parts[2]);
    expect(h.events).toEqual([
      ['ping', text('ping-1')],
      ['pong', text('pong-1')],
    ]);
    expect(h.parser.bufferedBytes).toBe(3);
    h.parser.push(parts[3]);
    expect(h.events).toEqual([
      ['ping', text('ping-1')],
      ['pong', text('pong-1')],
      ['message', 1, text('Hello'), false],
    ]);
  });
});

describe('FrameParser: every split of the byte stream', () => {
  const euroSmile = '€😀 ü';
  // Split inside the 4-byte code point.
  const euroSmileBytes = Buffer.from(euroSmile);
  const streams: Array<[string, FrameParserOptions, Buffer]> = [
    [
      'masked frames with fragments and control frames',
      SERVER,
      Buffer.concat([
        frame(SERVER, 0x1, 'Hello'),
        frame(SERVER, 0x2, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])),
        frame(SERVER, 0x1, euroSmileBytes.subarray(0, 5), { fin: false }),
        frame(SERVER, 0x9, 'ping'),
        frame(SERVER, 0x0, euroSmileBytes.subarray(5), { fin: false }),
        frame(SERVER, 0xa, ''),
        frame(SERVER, 0x0, ''),
        frame(SERVER, 0x1, ''),
        frame(SERVER, 0x2, Buffer.alloc(0)),
        frame(SERVER, 0x8, encodeClosePayload(1000, 'bye')),
      ]),
    ],
    [
      'unmasked frames with a 16-bit length and a code point split across fragments',
      CLIENT,
      Buffer.concat([
        frame(CLIENT, 0x1, Buffer.from('😀').subarray(0, 1), { fin: false }),
        frame(CLIENT, 0x0, Buffer.from('😀').subarray(1, 3), { fin: false }),
        frame(CLIENT, 0xa, 'x'),
        frame(CLIENT, 0x0, Buffer.concat([Buffer.from('😀').subarray(3), Buffer.from('!')])),
        frame(CLIENT, 0x2, Buffer.alloc(200, 0x5a)),
        frame(CLIENT, 0x1, 'é'.repeat(70)),
      ]),
    ],
    [
      'a masked 300-byte multibyte text frame between control frames',
      SERVER,
      Buffer.concat([
        frame(SERVER, 0x9, 'a'),
        frame(SERVER, 0x1, '€😀ü'.repeat(33)),
        frame(SERVER, 0xa, 'b'),
        frame(SERVER, 0x2, Buffer.alloc(130, 7), { fin: false }),
        frame(SERVER, 0x0, Buffer.alloc(3, 8)),
      ]),
    ],
    [
      'a stream ending in a protocol error',
      SERVER,
      Buffer.concat([
        frame(SERVER, 0x1, 'ok'),
        frame(SERVER, 0x1, 'é€', { fin: false }),
        frame(SERVER, 0x1, 'again'),
        frame(SERVER, 0x1, 'never'),
      ]),
    ],
    [
      'a stream ending in invalid UTF-8',
      CLIENT,
      Buffer.concat([
        frame(CLIENT, 0x2, Buffer.from([1])),
        frame(CLIENT, 0x1, Buffer.concat([Buffer.from('x'.repeat(40)), hexBytes('ed a0 80')])),
        frame(CLIENT, 0x1, 'never'),
      ]),
    ],
  ];

  it.each(streams)(
    '%s: two chunks at every index, and one byte at a time',
    (_n, options, bytes) => {
      const whole = feed(options, bytes);
      expect(whole.events.length).toBeGreaterThan(1);
      for (let i = 0; i <= bytes.length; i++) {
        const split = feed(options, bytes, [i]);
        expect({ i, events: split.events }).toEqual({ i, events: whole.events });
        expect(split.parser.stopped).toBe(whole.parser.stopped);
        expect(split.parser.bufferedBytes).toBe(whole.parser.bufferedBytes);
      }
      const cuts = Array.from({ length: bytes.length }, (_, i) => i + 1);
      const bytewise = feed(options, bytes, cuts);
      expect(bytewise.events).toEqual(whole.events);
      expect(bytewise.parser.stopped).toBe(whole.parser.stopped);
      // Three chunks, at every pair of indices.
      for (let i = 0; i <= bytes.length; i += 3) {
        for (let j = i; j <= bytes.length; j += 5) {
          expect(feed(options, bytes, [i, j]).events).toEqual(whole.events);
        }
      }
    },
  );

  it('the first stream gives the expected events', () => {
    expect(feed(streams[0][1], streams[0][2]).events).toEqual([
      ['message', 1, text('Hello'), false],
      ['message', 2, '00010203040506070809', false],
      ['ping', text('ping')],
      ['pong', ''],
      ['message', 1, text(euroSmile), false],
      ['message', 1, '', false],
      ['message', 2, '', false],
      ['close', 1000, 'bye', encodeClosePayload(1000, 'bye').toString('hex')],
    ]);
    expect(feed(streams[3][1], streams[3][2]).events).toEqual([
      ['message', 1, text('ok'), false],
      ['error', 1002],
    ]);
    expect(feed(streams[4][1], streams[4][2]).events).toEqual([
      ['message', 2, '01', false],
      ['error', 1007],
    ]);
  });
});

describe('FrameParser: randomized round trip', () => {
  const alphabet = ['a', 'Z', ' ', '0', '\n', 'é', 'ß', 'Ж', '€', '中', '\uffff', '😀', '𝄞'];

  function randomText(random: () => number, maxChars: number): string {
    const count = Math.floor(random() * (maxChars + 1));
    let out = '';
    for (let i = 0; i < count; i++) out += alphabet[Math.floor(random() * alphabet.length)];
    return out;
  }

  function randomBytes(random: () => number, length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
    return out;
  }

  function randomLength(random: () => number): number {
    const r = random();
    if (r < 0.1) return 0;
    if (r < 0.7) return Math.floor(random() * 126);
    if (r < 0.97) return 126 + Math.floor(random() * 2000);
    return 65536 + Math.floor(random() * 5000);
  }

  function run(seed: number, options: FrameParserOptions): void {
    const random = mulberry32(seed);
    const mask = () => (options.expectMasked ? { mask: randomBytes(random, 4) } : {});
    const frames: Buffer[] = [];
    const expected: Event[] = [];
    const control = () => {
      const opcode = random() < 0.5 ? 0x9 : 0xa;
      const payload = randomBytes(random, Math.floor(random() * 126));
      frames.push(encodeFrame(opcode, payload, mask()));
      expected.push([opcode === 0x9 ? 'ping' : 'pong', payload.toString('hex')]);
    };
    for (let m = 0; m < 150; m++) {
      if (random() < 0.2) control();
      const isText = random() < 0.5;
      const opcode = isText ? 0x1 : 0x2;
      const payload = isText
        ? Buffer.from(randomText(random, Math.floor(randomLength(random) / 3)))
        : randomBytes(random, randomLength(random));
      // Random fragmentation, at arbitrary byte offsets (also inside code points).
      const pieces = random() < 0.5 ? 1 : 2 + Math.floor(random() * 4);
      const cuts = Array.from({ length: pieces - 1 }, () =>
        Math.floor(random() * (payload.length + 1)),
      ).sort((a, b) => a - b);
      let start = 0;
      [...cuts, payload.length].forEach((cut, index) => {
        const last = index === pieces - 1;
        frames.push(
          encodeFrame(index === 0 ? opcode : 0x0, payload.subarray(start, cut), {
            fin: last,
            ...mask(),
          }),
        );
        start = cut;
        if (!last && random() < 0.3) control();
      });
      expected.push(['message', opcode, payload.toString('hex'), false]);
    }
    const closePayload = encodeClosePayload(1000, randomText(random, 20));
    frames.push(encodeFrame(0x8, closePayload, mask()));
    expected.push([
      'close',
      1000,
      closePayload.subarray(2).toString(),
      closePayload.toString('hex'),
    ]);
    const stream = Buffer.concat(frames);

    const h = harness(options);
    let at = 0;
    while (at < stream.length) {
      const r = random();
      const size =
        r < 0.3 ? 1 + Math.floor(random() * 8) : r < 0.9 ? 1 + Math.floor(random() * 600) : 70000;
      h.parser.push(Buffer.from(stream.subarray(at, at + size)));
      at += size;
    }
    expect(h.events).toHaveLength(expected.length);
    expect(h.events).toEqual(expected);
    expect(h.parser.stopped).toBe(true);
    expect(h.parser.bufferedBytes).toBe(0);
  }

  it.each([1, 2, 3, 0xc0ffee])('seed %s, server side (masked)', (seed) => run(seed, SERVER));
  it.each([4, 5, 6, 0xbadf00d])('seed %s, client side (unmasked)', (seed) => run(seed, CLIENT));
});

describe('FrameParser: payload lengths', () => {
  const lengths: Array<[number, number]> = [
    [0, 2],
    [125, 2],
    [126, 4],
    [127, 4],
    [65535, 4],
    [65536, 10],
    [TWO_MIB - 1, 10],
    [TWO_MIB, 10],
  ];

  it.each(lengths)('%s bytes (header %s bytes) are accepted by default', (length, header) => {
    for (const options of [SERVER, CLIENT]) {
      const payload = Buffer.alloc(length);
      for (let i = 0; i < length; i += 997) payload[i] = i & 0xff;
      payload.fill(0x42, Math.max(0, length - 3));
      const bytes = frame(options, 0x2, payload);
      expect(bytes.length).toBe(header + (options.expectMasked ? 4 : 0) + length);
      for (const cuts of [[], [1, header + 1, header + 5 + Math.floor(length / 2)]]) {
        const messages: Buffer[] = [];
        const parser = new FrameParser(
          {
            onMessage: (opcode, data) => {
              expect(opcode).toBe(2);
              messages.push(Buffer.from(data));
            },
            onPing: () => expect('ping').toBe('unexpected'),
            onPong: () => expect('pong').toBe('unexpected'),
            onClose: () => expect('close').toBe('unexpected'),
            onError: (code) => expect(code).toBe('unexpected'),
          },
          options,
        );
        let start = 0;
        for (const cut of [...cuts.filter((c) => c <= bytes.length), bytes.length]) {
          parser.push(Buffer.from(bytes.subarray(start, cut)));
          start = cut;
        }
        expect(messages).toHaveLength(1);
        expect(messages[0].length).toBe(length);
        expect(messages[0].equals(payload)).toBe(true);
        expect(parser.bufferedBytes).toBe(0);
      }
    }
  });

  it('2 MiB + 1 is too big (1009), from the header alone', () => {
    for (const options of [SERVER, CLIENT]) {
      const bytes = frame(options, 0x2, Buffer.alloc(TWO_MIB + 1));
      const h = harness(options, { hex: false });
      h.parser.push(Buffer.from(bytes.subarray(0, 10)));
      expect(h.events).toEqual([['error', 1009]]);
      h.parser.push(Buffer.from(bytes.subarray(10)));
      expect(h.events).toEqual([['error', 1009]]);
      // And when it arrives whole.
      const whole = harness(options, { hex: false });
      whole.parser.push(bytes);
      expect(whole.events).toEqual([['error', 1009]]);
    }
  });

  it('a 2 MiB text message in fragments is accepted; one more byte is not', () => {
    const half = Buffer.alloc(TWO_MIB / 2, 0x61);
    const ok = harness(SERVER, { hex: false });
    ok.parser.push(frame(SERVER, 0x1, half, { fin: false }));
    ok.parser.push(frame(SERVER, 0x0, half));
    expect(ok.events).toEqual([['message', 1, `<${TWO_MIB} bytes>`, false]]);
    const tooBig = harness(SERVER, { hex: false });
    tooBig.parser.push(frame(SERVER, 0x1, half, { fin: false }));
    tooBig.parser.push(frame(SERVER, 0x0, Buffer.from('b'), { fin: false }));
    tooBig.parser.push(frame(SERVER, 0x0, half).subarray(0, 10));
    expect(tooBig.events).toEqual([['error', 1009]]);
  });

  it('a length no Buffer can hold is too big (1009) even with an unlimited maxPayload', () => {
    for (const maxPayload of [Infinity, Number.MAX_SAFE_INTEGER, 2 ** 40]) {
      const h = harness({ ...CLIENT, maxPayload });
      // 2^40 bytes announced, then the first payload bytes arrive.
      expect(() => h.parser.push(hexBytes('82 7f 00 00 01 00 00 00 00 00'))).not.toThrow();
      expect(() => h.parser.push(Buffer.from('some payload'))).not.toThrow();
      expect(h.events).toEqual([['error', 1009]]);
      expect(h.parser.stopped).toBe(true);
    }
  });

  it('uses the extended lengths as the RFC requires', () => {
    expect(frame(CLIENT, 2, Buffer.alloc(125)).subarray(0, 2)).toEqual(hexBytes('82 7d'));
    expect(frame(CLIENT, 2, Buffer.alloc(126)).subarray(0, 4)).toEqual(hexBytes('82 7e 00 7e'));
    expect(frame(CLIENT, 2, Buffer.alloc(65535)).subarray(0, 4)).toEqual(hexBytes('82 7e ff ff'));
    expect(frame(CLIENT, 2, Buffer.alloc(65536)).subarray(0, 10)).toEqual(
      hexBytes('82 7f 00 00 00 00 00 01 00 00'),
    );
  });

  it('accepts a non-minimal length encoding', () => {
    // 5 bytes announced with a 16-bit and a 64-bit length.
    const h = feed(
      CLIENT,
      Buffer.concat([
        hexBytes('81 7e 00 05'),
        Buffer.from('Hello'),
        hexBytes('82 7f 00 00 00 00 00 00 00 01 ff'),
      ]),
    );
    expect(h.events).toEqual([
      ['message', 1, text('Hello'), false],
      ['message', 2, 'ff', false],
    ]);
  });
});

describe('FrameParser: bufferedBytes, stopped and stop()', () => {
  it('bufferedBytes counts header bytes, partial payloads and earlier fragments', () => {
    const h = harness(SERVER);
    expect(h.parser.bufferedBytes).toBe(0);
    expect(h.parser.stopped).toBe(false);
    const first = frame(SERVER, 0x1, 'abcdef', { fin: false }); // 2 + 4 + 6 bytes
    h.parser.push(Buffer.from(first.subarray(0, 1)));
    expect(h.parser.bufferedBytes).toBe(1);
    h.parser.push(Buffer.from(first.subarray(1, 5)));
    expect(h.parser.bufferedBytes).toBe(3); // 2 header bytes consumed, 3 of the mask waiting
    h.parser.push(Buffer.from(first.subarray(5, 9)));
    expect(h.parser.bufferedBytes).toBe(3); // mask read, 3 payload bytes
    h.parser.push(Buffer.from(first.subarray(9)));
    expect(h.parser.bufferedBytes).toBe(6); // the fragment waits for the rest
    const last = frame(SERVER, 0x0, 'gh');
    h.parser.push(Buffer.concat([last, Buffer.from([0x81])]));
    expect(h.events).toEqual([['message', 1, text('abcdefgh'), false]]);
    expect(h.parser.bufferedBytes).toBe(1);
  });

  it('ignores empty chunks', () => {
    const h = harness(CLIENT);
    h.parser.push(Buffer.alloc(0));
    expect(h.parser.bufferedBytes).toBe(0);
    h.parser.push(Buffer.from([0x81]));
    h.parser.push(Buffer.alloc(0));
    h.parser.push(Buffer.from([0x01]));
    h.parser.push(Buffer.alloc(0));
    h.parser.push(Buffer.from('!'));
    expect(h.events).toEqual([['message', 1, text('!'), false]]);
  });

  it('stop() drops everything buffered and ignores later input', () => {
    const h = harness(CLIENT);
    h.parser.push(frame(CLIENT, 0x2, Buffer.alloc(10), { fin: false }));
    h.parser.push(frame(CLIENT, 0x0, Buffer.alloc(1000)).subarray(0, 500));
    expect(h.parser.bufferedBytes).toBe(10 + 496);
    h.parser.stop();
    expect(h.parser.stopped).toBe(true);
    expect(h.parser.bufferedBytes).toBe(0);
    h.parser.push(frame(CLIENT, 0x1, 'x'));
    expect(h.parser.bufferedBytes).toBe(0);
    expect(h.events).toEqual([]);
    h.parser.stop();
    expect(h.parser.stopped).toBe(true);
  });

  it.each([
    ['onMessage of a single frame', frame(CLIENT, 0x1, 'a')],
    [
      'onMessage of a fragmented message',
      Buffer.concat([frame(CLIENT, 0x1, 'a', { fin: false }), frame(CLIENT, 0x0, 'b')]),
    ],
    ['onPing', frame(CLIENT, 0x9, 'p')],
    ['onPong', frame(CLIENT, 0xa, 'q')],
  ])('stop() from %s ends parsing of the same chunk', (_name, first) => {
    const h = harness(CLIENT, {
      afterEvent: (_event, parser) => parser.stop(),
    });
    h.parser.push(Buffer.concat([first, frame(CLIENT, 0x1, 'next'), frame(CLIENT, 0x9, 'x')]));
    expect(h.events).toHaveLength(1);
    expect(h.parser.stopped).toBe(true);
    expect(h.parser.bufferedBytes).toBe(0);
  });

  it('delivers views of the pushed chunk when a frame lies within it', () => {
    const chunk = frame(CLIENT, 0x2, Buffer.from([1, 2, 3]));
    const h = harness(CLIENT);
    h.parser.push(chunk);
    expect(h.delivered[0].buffer).toBe(chunk.buffer);
    expect(h.delivered[0].byteOffset).toBe(chunk.byteOffset + 2);
  });
});

describe('FrameParser: memory follows the bytes that arrived', () => {
  it('a declared 2 MiB - 1 frame with 15 bytes sent holds those bytes, not the declared length', () => {
    const header = Buffer.concat([
      Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 0x1f, 0xff, 0xff]), // masked, 64-bit length
      MASK,
    ]);
    const parsers: Harness[] = [];
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 200; i++) {
      const h = harness(SERVER);
      h.parser.push(Buffer.concat([header, Buffer.alloc(15, i)]));
      expect(h.parser.bufferedBytes).toBe(15);
      parsers.push(h);
    }
    // Reserving the declared length would hold 200 x 2 MiB = 400 MiB here.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    expect(parsers.every((h) => h.events.length === 0)).toBe(true);
  });

  it('a frame gathered from many chunks is delivered whole and unmasked', () => {
    const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i & 0xff));
    const stream = frame(SERVER, 0x2, payload);
    const cuts = Array.from({ length: 69 }, (_, i) => 14 + (i + 1) * 1000);
    const h = feed(SERVER, stream, cuts);
    expect(h.delivered).toHaveLength(1);
    expect(h.delivered[0].equals(payload)).toBe(true);
  });
});

describe('FrameParser: pause() and resume()', () => {
  it('pause() from a delivery holds the rest of the chunk until resume()', () => {
    const h = harness(CLIENT, { afterEvent: (_event, parser) => parser.pause() });
    h.parser.push(
      Buffer.concat([frame(CLIENT, 0x1, 'a'), frame(CLIENT, 0x1, 'b'), frame(CLIENT, 0x9, 'p')]),
    );
    expect(h.events).toEqual([['message', 1, text('a'), false]]);
    expect(h.parser.isPaused).toBe(true);
    expect(h.parser.bufferedBytes).toBe(3 + 3);
    h.parser.resume();
    expect(h.events).toHaveLength(2);
    h.parser.resume();
    expect(h.events).toEqual([
      ['message', 1, text('a'), false],
      ['message', 1, text('b'), false],
      ['ping', text('p')],
    ]);
  });

  it('bytes pushed while paused wait; resume() when not paused does nothing', () => {
    const h = harness(CLIENT);
    h.parser.resume();
    h.parser.pause();
    h.parser.push(frame(CLIENT, 0x2, Buffer.from([7])));
    expect(h.events).toEqual([]);
    h.parser.resume();
    expect(h.events).toEqual([['message', 2, '07', false]]);
    expect(h.parser.isPaused).toBe(false);
  });
});
