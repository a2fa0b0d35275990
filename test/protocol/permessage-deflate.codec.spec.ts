import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import {
  type InflateFailure,
  PerMessageDeflateCodec,
} from '../../src/protocol/permessage-deflate.codec.js';
import type { DeflateParams } from '../../src/protocol/permessage-deflate.negotiator.js';
import { ZlibConcurrencyLimiter } from '../../src/protocol/zlib-concurrency.limiter.js';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const MiB = 1024 * 1024;

const DEFAULTS: DeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

function codec(params: Partial<DeflateParams> = {}, maxLength = 16 * MiB): PerMessageDeflateCodec {
  return new PerMessageDeflateCodec({ ...DEFAULTS, ...params }, maxLength);
}

function compress(sender: PerMessageDeflateCodec, data: Buffer): Promise<Buffer> {
  return new Promise((resolve) => sender.compress(data, resolve));
}

type Inflated = { ok: true; data: Buffer } | { ok: false; failure: InflateFailure };

function decompress(receiver: PerMessageDeflateCodec, data: Buffer): Promise<Inflated> {
  return new Promise((resolve) =>
    receiver.decompress(data, (failure, result) =>
      resolve(failure ? { ok: false, failure } : { ok: true, data: result! }),
    ),
  );
}

async function inflated(receiver: PerMessageDeflateCodec, data: Buffer): Promise<Buffer> {
  const result = await decompress(receiver, data);
  if (!result.ok) throw new Error(`inflate failed: ${JSON.stringify(result.failure)}`);
  return result.data;
}

/** Inflates the way any RFC 7692 peer would: append the tail and inflate raw. */
function zlibInflate(data: Buffer, windowBits = 15): Buffer {
  return inflateRawSync(Buffer.concat([data, TAIL]), { finishFlush: 2, windowBits });
}

function messages(): Array<[string, Buffer]> {
  return [
    ['text', Buffer.from('Hello, permessage-deflate! '.repeat(40))],
    ['json', Buffer.from(JSON.stringify({ event: 'chat', data: { text: 'hi', n: [1, 2, 3] } }))],
    ['binary', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256))],
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x42])],
    ['64 KiB', Buffer.alloc(64 * 1024, 'abcdefgh')],
    ['random', randomBytes(20_000)],
    ['empty again', Buffer.alloc(0)],
    ['text again', Buffer.from('Hello, permessage-deflate! '.repeat(40))],
    ['1 MiB random', randomBytes(MiB)],
    ['64 KiB random', randomBytes(64 * 1024)],
    ['last', Buffer.from('bye')],
  ];
}

describe('PerMessageDeflateCodec', () => {
  describe.each([
    ['context takeover', {}],
    ['server_no_context_takeover', { serverNoContextTakeover: true }],
    ['client_no_context_takeover', { clientNoContextTakeover: true }],
    ['no context takeover', { serverNoContextTakeover: true, clientNoContextTakeover: true }],
    ['a 9-bit window', { serverMaxWindowBits: 9, clientMaxWindowBits: 9 }],
    ['a 12-bit window', { serverMaxWindowBits: 12 }],
  ])('with %s', (_name, params: Partial<DeflateParams>) => {
    it('round trips many messages through a peer codec, in order', async () => {
      const sender = codec(params);
      const receiver = codec(params);
      for (const [, data] of messages()) {
        const compressed = await compress(sender, data);
        expect((await inflated(receiver, compressed)).equals(data)).toBe(true);
      }
    });

    it('round trips messages sent without waiting', async () => {
      const sender = codec(params);
      const receiver = codec(params);
      const all = messages().map(([, data]) => data);
      const compressed = await Promise.all(all.map((data) => compress(sender, data)));
      const results = await Promise.all(compressed.map((data) => inflated(receiver, data)));
      results.forEach((data, i) => expect(data.equals(all[i])).toBe(true));
    });

    it('never ends a message with 00 00 ff ff and interoperates with plain zlib', async () => {
      const sender = codec(params);
      const window = params.serverMaxWindowBits ?? 15;
      const all = messages().map(([, data]) => data);
      const history: Buffer[] = [];
      for (const data of all) {
        const compressed = await compress(sender, data);
        expect(compressed.length).toBeGreaterThan(0);
        expect(compressed.subarray(-4).equals(TAIL)).toBe(false);
        if (params.serverNoContextTakeover) {
          // Each message stands alone.
          expect(zlibInflate(compressed, window).equals(data)).toBe(true);
        }
        history.push(compressed, TAIL);
      }
      // With or without context takeover, the whole conversation is one valid raw DEFLATE stream
      // whose back references never reach further than the agreed window.
      const out = inflateRawSync(Buffer.concat(history), { finishFlush: 2, windowBits: window });
      expect(out.equals(Buffer.concat(all))).toBe(true);
    });
  });

  it('compresses "Hello" as RFC 7692 section 7.2.3.1 shows', async () => {
    expect((await compress(codec(), Buffer.from('Hello'))).toString('hex')).toBe('f248cdc9c90700');
  });

  it('compresses an empty message to a single 00 byte, again and again', async () => {
    const sender = codec();
    const receiver = codec();
    for (const text of ['', 'x', '', '', 'xx', '']) {
      const compressed = await compress(sender, Buffer.from(text));
      if (text === '') expect(compressed.toString('hex')).toBe('00');
      expect((await inflated(receiver, compressed)).toString()).toBe(text);
    }
  });

  it('compresses a repeated message smaller with context takeover', async () => {
    const sender = codec();
    const data = Buffer.from(randomBytes(600).toString('base64'));
    const first = await compress(sender, data);
    const second = await compress(sender, data);
    expect(second.length).toBeLessThan(first.length / 4);
    // A peer that kept its context reads both.
    const receiver = codec();
    expect((await inflated(receiver, first)).equals(data)).toBe(true);
    expect((await inflated(receiver, second)).equals(data)).toBe(true);
  });

  it('compresses a repeated message the same with server_no_context_takeover', async () => {
    const sender = codec({ serverNoContextTakeover: true });
    expect(sender.stateless).toBe(true);
    expect(codec().stateless).toBe(false);
    const data = Buffer.from(randomBytes(600).toString('base64'));
    const first = await compress(sender, data);
    const second = await compress(sender, data);
    expect(second.equals(first)).toBe(true);
    expect(sender.holdsContexts).toBe(false);
    // Each stands alone: a fresh peer reads the second one.
    expect((await inflated(codec(), second)).equals(data)).toBe(true);
  });

  it('reads the RFC 7692 section 7.2.3 examples', async () => {
    const receiver = codec();
    // 7.2.3.1: one message; 7.2.3.2: the same message again, referring to the first.
    expect((await inflated(receiver, Buffer.from('f248cdc9c90700', 'hex'))).toString()).toBe(
      'Hello',
    );
    expect((await inflated(receiver, Buffer.from('f200110000', 'hex'))).toString()).toBe('Hello');
    // 7.2.3.3: a stored block; 7.2.3.6: an empty message.
    expect((await inflated(codec(), Buffer.from('000500faff48656c6c6f00', 'hex'))).toString()).toBe(
      'Hello',
    );
    expect(await inflated(codec(), Buffer.from('00', 'hex'))).toEqual(Buffer.alloc(0));
  });

  it('reads messages compressed by zlib.deflateRawSync (BFINAL set), one after another', async () => {
    // RFC 7692 section 7.2.3.4: a block with BFINAL set ends the DEFLATE stream; the next message
    // starts a new one.
    const receiver = codec();
    for (const text of ['first message', 'second', '', 'third '.repeat(100), 'fourth']) {
      const data = Buffer.from(text);
      expect((await inflated(receiver, deflateRawSync(data))).toString()).toBe(text);
    }
    // ... and a flushed message after them still reads.
    const flushed = await compress(codec(), Buffer.from('flushed'));
    expect((await inflated(receiver, flushed)).toString()).toBe('flushed');
    expect(
      (await inflated(receiver, Buffer.from('f348cdc9c90700', 'hex'))).toString(), // 7.2.3.4
    ).toBe('Hello');
  });

  it('fails a compressed bomb with 1009 and stays usable with a fresh context', async () => {
    const receiver = codec({}, 2 * MiB);
    const sender = codec();
    // Some context first, so that the failure provably drops it.
    const before = await compress(sender, Buffer.from('context before the bomb'));
    expect((await inflated(receiver, before)).toString()).toBe('context before the bomb');

    const bomb = deflateRawSync(Buffer.alloc(10 * MiB), { finishFlush: 2 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const result = await decompress(receiver, bomb);
    expect(result).toEqual({ ok: false, failure: { code: 1009, reason: expect.any(String) } });
    expect(receiver.holdsContexts).toBe(false);

    // A peer starting over (fresh context) is understood again.
    const after = await compress(codec(), Buffer.from('after the bomb'));
    expect((await inflated(receiver, after)).toString()).toBe('after the bomb');
  });

  it('accepts a message of exactly maxLength and fails one byte more', async () => {
    const data = randomBytes(1000);
    const compressed = await compress(codec(), data);
    expect((await inflated(codec({}, 1000), compressed)).equals(data)).toBe(true);
    const result = await decompress(codec({}, 999), compressed);
    expect(result.ok || result.failure.code).toBe(1009);
  });

  it.each([
    ['an invalid block type', Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02, 0x03])],
    ['a bad stored length', Buffer.from('000500fbff48656c6c6f', 'hex')],
    [
      'a distance too far back',
      deflateRawSync(Buffer.from('hello, hello'), {
        dictionary: Buffer.from('hello, hello'),
        finishFlush: 2,
      }),
    ],
  ])('fails corrupt data (%s) with 1007 and stays usable', async (_name, data) => {
    const receiver = codec();
    const result = await decompress(receiver, data);
    expect(result).toEqual({ ok: false, failure: { code: 1007, reason: expect.any(String) } });
    expect(receiver.holdsContexts).toBe(false);
    const next = await compress(codec(), Buffer.from('next'));
    expect((await inflated(receiver, next)).toString()).toBe('next');
  });

  it('keeps the order of many concurrent calls in both directions', async () => {
    const sender = codec();
    const receiver = codec();
    const all = Array.from({ length: 300 }, (_, i) =>
      i % 7 === 0 ? randomBytes(2000 + i) : Buffer.from(`message ${i} `.repeat(i % 50)),
    );
    const order: number[] = [];
    const compressed = await Promise.all(
      all.map(
        (data, i) =>
          new Promise<Buffer>((resolve) =>
            sender.compress(data, (out) => {
              order.push(i);
              resolve(out);
            }),
          ),
      ),
    );
    expect(order).toEqual(all.map((_, i) => i));
    order.length = 0;
    const results = await Promise.all(
      compressed.map(
        (data, i) =>
          new Promise<Buffer>((resolve, reject) =>
            receiver.decompress(data, (failure, out) => {
              order.push(i);
              if (failure) reject(new Error(failure.reason));
              else resolve(out!);
            }),
          ),
      ),
    );
    expect(order).toEqual(all.map((_, i) => i));
    results.forEach((data, i) => expect(data.equals(all[i])).toBe(true));
  });

  it('shares one limiter across connections', async () => {
    const limiter = new ZlibConcurrencyLimiter(1);
    const codecs = Array.from(
      { length: 5 },
      () => new PerMessageDeflateCodec(DEFAULTS, MiB, limiter),
    );
    const data = randomBytes(10_000);
    const pending = codecs.map((c) => compress(c, data));
    expect(limiter.queued).toBe(4);
    const outputs = await Promise.all(pending);
    for (const out of outputs) expect(zlibInflate(out).equals(data)).toBe(true);
    expect(limiter.queued).toBe(0);
  });

  it('holds contexts only while they are in use', async () => {
    const c = codec();
    expect(c.holdsContexts).toBe(false);
    await compress(c, Buffer.from('a'));
    expect(c.holdsContexts).toBe(true);
  });

  it('drops the inflater after each message with client_no_context_takeover', async () => {
    const receiver = codec({ clientNoContextTakeover: true });
    const sender = codec({ serverNoContextTakeover: true });
    for (const text of ['one', 'two', 'three']) {
      const compressed = await compress(sender, Buffer.from(text));
      expect((await inflated(receiver, compressed)).toString()).toBe(text);
      expect(receiver.holdsContexts).toBe(false);
    }
    // With context takeover the inflater is kept.
    const keeping = codec();
    await inflated(keeping, await compress(codec(), Buffer.from('kept')));
    expect(keeping.holdsContexts).toBe(true);
  });

  it('release() frees the contexts and later calls do not throw', async () => {
    const c = codec();
    await compress(c, Buffer.from('a'));
    await inflated(c, await compress(codec(), Buffer.from('b')));
    expect(c.holdsContexts).toBe(true);
    c.release();
    expect(c.holdsContexts).toBe(false);
    expect(await compress(c, Buffer.from('later'))).toEqual(Buffer.alloc(0));
    const result = await decompress(c, Buffer.from('f248cdc9c90700', 'hex'));
    expect(result).toEqual({ ok: false, failure: { code: 1007, reason: 'connection closed' } });
    expect(c.holdsContexts).toBe(false);
    expect(() => c.release()).not.toThrow();
  });

  it.each([
    ['context takeover', {}],
    ['no context takeover', { serverNoContextTakeover: true, clientNoContextTakeover: true }],
  ])('finishes jobs that were running or queued when released (%s)', async (_name, params) => {
    const c = codec(params);
    const big = randomBytes(2 * MiB);
    const compressedBig = deflateRawSync(Buffer.alloc(MiB, 'x'), { finishFlush: 2 });
    const deflates = [compress(c, big), compress(c, Buffer.from('queued'))];
    const inflates = [decompress(c, compressedBig), decompress(c, compressedBig)];
    c.release();
    await Promise.all(deflates);
    for (const result of await Promise.all(inflates)) {
      // Whatever was inflated before the release is not handed out as a message.
      expect(result).toEqual({ ok: false, failure: { code: 1007, reason: 'connection closed' } });
    }
    expect(c.holdsContexts).toBe(false);
  });

  it('does not overflow the stack finishing a long queue after release', async () => {
    const c = codec();
    let done = 0;
    for (let i = 0; i < 20_000; i++) c.compress(Buffer.from('x'), () => done++);
    for (let i = 0; i < 20_000; i++) c.decompress(Buffer.from('00', 'hex'), () => done++);
    c.release();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(done).toBe(40_000);
  });
});
