import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import type { PerMessageDeflateOptions } from 'ws';
import type { WsServer } from '../../src/gateway/ws-server.service.js';
import type { WsServerSettings } from '../../src/gateway/ws-server-options.interface.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../../src/protocol/frame-flag.constants.js';
import type { Frame } from '../../src/protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import { clientFrame, type ServerFrame } from './support/frames.js';
import { Harness, type TestClient } from './support/harness.js';
import type { RawClient } from './support/raw-client.js';
import { waitUntil } from './support/wait.js';

const harness = new Harness();
afterEach(() => harness.cleanup());

const KiB = 1024;
const MiB = 1024 * KiB;
const COMPRESSED = SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS;
/** `ServerFrame.rsv` holds RSV1-3 as 3 bits: RSV1 (0x40 of the first byte) is 0b100. */
const RSV1 = 0b100;
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A message compressed as RFC 7692 frames it (no context), for hand-made client frames. */
function deflate(data: Buffer | string): Buffer {
  const compressed = deflateRawSync(typeof data === 'string' ? Buffer.from(data) : data, {
    finishFlush: 2 /* Z_SYNC_FLUSH */,
  });
  return compressed.subarray(0, compressed.length - 4);
}

/** Inflates a compressed server message that does not depend on an earlier one. */
function inflate(payload: Buffer): Buffer {
  return inflateRawSync(Buffer.concat([payload, TAIL]), { finishFlush: 2 });
}

/** A server, what it received, and the fds that opened, in order. */
interface CompressionServer {
  server: WsServer;
  frames: Frame[];
  fds: number[];
  /** The `Sec-WebSocket-Extensions` request header of each open, by fd. */
  offers: Map<number, string | undefined>;
}

/**
 * A server with `websocket_compression` (unless overridden) that echoes every message with the
 * flags it came with: what arrived compressed goes back compressed.
 */
async function compressionServer(
  settings: WsServerSettings = {},
  echo = true,
): Promise<CompressionServer> {
  const frames: Frame[] = [];
  const fds: number[] = [];
  const offers = new Map<number, string | undefined>();
  const server = await harness.server(
    { settings: { websocket_compression: true, ...settings } },
    (ws) => {
      ws.on('open', (request) => {
        fds.push(request.fd);
        offers.set(request.fd, request.header['sec-websocket-extensions']);
      });
      ws.on('message', (frame) => {
        frames.push(frame);
        if (echo) ws.push(frame.fd, frame.payload, frame.opcode, frame.flags);
      });
    },
  );
  return { server, frames, fds, offers };
}

/** A raw client that completed a handshake offering `offer`; the 101's extension header. */
async function rawWithOffer(
  server: WsServer,
  offer: string | null,
): Promise<{ raw: RawClient; extensions: string | undefined }> {
  const raw = await harness.raw(server);
  const response = await raw.handshake('/', { 'Sec-WebSocket-Extensions': offer });
  return { raw, extensions: response.headers['sec-websocket-extensions'] };
}

/** A `ws` client with permessage-deflate, compressing every message (threshold 0) by default. */
function deflateClient(
  server: WsServer,
  options: PerMessageDeflateOptions | boolean = {},
): Promise<TestClient> {
  const perMessageDeflate = typeof options === 'boolean' ? options : { threshold: 0, ...options };
  return harness.open(server, '/', [], { perMessageDeflate });
}

/** The fd of the n-th connection to open (waits for its `open` event). */
async function fdOf(state: CompressionServer, index: number): Promise<number> {
  await waitUntil(() => state.fds.length > index, 3000, `connection #${index} to open`);
  return state.fds[index];
}

function isCompressed(frame: Frame): boolean {
  return (frame.flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS) !== 0;
}

async function readFrames(raw: RawClient, count: number): Promise<ServerFrame[]> {
  const frames: ServerFrame[] = [];
  for (let i = 0; i < count; i++) frames.push(await raw.readFrame());
  return frames;
}

describe('negotiation (raw sockets)', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['a plain offer', 'permessage-deflate', 'permessage-deflate'],
    [
      'server_no_context_takeover',
      'permessage-deflate; server_no_context_takeover',
      'permessage-deflate; server_no_context_takeover',
    ],
    [
      'client_no_context_takeover',
      'permessage-deflate; client_no_context_takeover',
      'permessage-deflate; client_no_context_takeover',
    ],
    [
      'server_max_window_bits=10',
      'permessage-deflate; server_max_window_bits=10',
      'permessage-deflate; server_max_window_bits=10',
    ],
    [
      'client_max_window_bits without a value',
      'permessage-deflate; client_max_window_bits',
      'permessage-deflate; client_max_window_bits=15',
    ],
    [
      'client_max_window_bits=10',
      'permessage-deflate; client_max_window_bits=10',
      'permessage-deflate; client_max_window_bits=10',
    ],
    [
      'an invalid first offer (unknown parameter), then a valid one',
      'permessage-deflate; foo=1, permessage-deflate; client_no_context_takeover',
      'permessage-deflate; client_no_context_takeover',
    ],
    [
      'server_max_window_bits=8 (zlib cannot compress with it): declined',
      'permessage-deflate; server_max_window_bits=8',
      undefined,
    ],
    ['an unknown extension only: nothing', 'x-webkit-deflate-frame', undefined],
  ];

  it.each(cases)('%s', async (_name, offer, expected) => {
    const { server } = await compressionServer();
    const { raw, extensions } = await rawWithOffer(server, offer);
    expect(extensions).toBe(expected);
    // The connection is usable either way.
    raw.write(clientFrame(WEBSOCKET_OPCODE_TEXT, 'still open'));
    const echo = await raw.readFrame();
    expect(echo.payload.toString()).toBe('still open');
    expect(echo.rsv).toBe(0);
  });

  it('answers the settings: server and client no context takeover, a smaller window', async () => {
    const { server } = await compressionServer({
      websocket_compression_server_no_context_takeover: true,
      websocket_compression_client_no_context_takeover: true,
      websocket_compression_server_max_window_bits: 12,
    });
    const { extensions } = await rawWithOffer(server, 'permessage-deflate');
    expect(extensions).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12',
    );
  });

  it('an RSV1 frame after a declined offer is a protocol error (1002)', async () => {
    const { server } = await compressionServer();
    const { raw, extensions } = await rawWithOffer(
      server,
      'permessage-deflate; server_max_window_bits=8',
    );
    expect(extensions).toBeUndefined();
    raw.write(clientFrame(WEBSOCKET_OPCODE_TEXT, deflate('hello'), { rsv1: true }));
    const close = await raw.readFrame();
    expect(close.closeCode).toBe(1002);
  });

  describe('with websocket_compression off', () => {
    it('puts no extension in the 101 and answers an RSV1 frame with 1002', async () => {
      const { server, frames } = await compressionServer({ websocket_compression: false });
      const { raw, extensions } = await rawWithOffer(server, 'permessage-deflate');
      expect(extensions).toBeUndefined();
      raw.write(clientFrame(WEBSOCKET_OPCODE_TEXT, deflate('hello'), { rsv1: true }));
      const close = await raw.readFrame();
      expect(close.opcode).toBe(0x8);
      expect(close.closeCode).toBe(1002);
      await raw.waitEnded();
      expect(frames).toHaveLength(0);
    });

    it('a ws client asking for permessage-deflate gets none, and messages still flow', async () => {
      const { server } = await compressionServer({ websocket_compression: false });
      const client = await deflateClient(server);
      expect(client.upgradeHeaders?.['sec-websocket-extensions']).toBeUndefined();
      await client.roundTrip();
    });
  });
});

describe('ws client with perMessageDeflate', () => {
  const variants: Array<[string, PerMessageDeflateOptions, string]> = [
    ['defaults', {}, 'permessage-deflate; client_max_window_bits=15'],
    [
      'serverNoContextTakeover',
      { serverNoContextTakeover: true },
      'permessage-deflate; server_no_context_takeover; client_max_window_bits=15',
    ],
    [
      'clientNoContextTakeover',
      { clientNoContextTakeover: true },
      'permessage-deflate; client_no_context_takeover; client_max_window_bits=15',
    ],
    [
      'serverMaxWindowBits: 10',
      { serverMaxWindowBits: 10 },
      'permessage-deflate; server_max_window_bits=10; client_max_window_bits=15',
    ],
    [
      'clientMaxWindowBits: 10',
      { clientMaxWindowBits: 10 },
      'permessage-deflate; client_max_window_bits=10',
    ],
  ];

  it.each(variants)(
    '%s: echoes text, binary and 1 MiB messages, compressed both ways',
    async (_name, options, expectedHeader) => {
      const state = await compressionServer();
      const client = await deflateClient(state.server, options);
      expect(client.upgradeHeaders?.['sec-websocket-extensions']).toBe(expectedHeader);
      const text = 'héllo, compressed world '.repeat(40);
      const binary = randomBytes(3000);
      const largeText = 'the quick brown fox jumps over the lazy dog\n'
        .repeat(24_000)
        .slice(0, MiB);
      const largeBinary = randomBytes(MiB);
      // Twice each, so context takeover (when kept) carries over from one message to the next.
      const sent: Array<string | Buffer> = [text, binary, largeText, largeBinary, text, binary];
      for (const message of sent) client.ws.send(message);
      for (const message of sent) {
        const received = await client.messages.next(10_000);
        if (typeof message === 'string') {
          expect(received.isBinary).toBe(false);
          expect(received.text).toBe(message);
        } else {
          expect(received.isBinary).toBe(true);
          expect(received.data.equals(message)).toBe(true);
        }
      }
      expect(state.frames).toHaveLength(sent.length);
      expect(state.frames.every(isCompressed)).toBe(true);
    },
    30_000,
  );

  it('push with SWOOLE_WEBSOCKET_FLAG_COMPRESS sends RSV1; without it, a plain frame', async () => {
    const state = await compressionServer();
    const { raw, extensions } = await rawWithOffer(state.server, 'permessage-deflate');
    expect(extensions).toBe('permessage-deflate');
    const fd = await fdOf(state, 0);
    const message = 'compress me '.repeat(100);
    expect(state.server.push(fd, message, WEBSOCKET_OPCODE_TEXT, COMPRESSED)).toBe(true);
    expect(state.server.push(fd, message)).toBe(true);
    // The raw bytes of the first frame, before decoding: its first byte has RSV1 (0x40).
    await waitUntil(() => raw.pending.length >= 2, 3000, 'the first frame');
    expect(raw.pending[0] & 0x40).toBe(0x40);
    const [compressed, plain] = await readFrames(raw, 2);
    expect(compressed.rsv).toBe(RSV1);
    expect(compressed.payload.length).toBeLessThan(message.length);
    expect(inflate(compressed.payload).toString()).toBe(message);
    expect(plain.rsv).toBe(0);
    expect(plain.payload.toString()).toBe(message);
  });

  it('push with COMPRESS to a peer without the extension sends a plain frame', async () => {
    const state = await compressionServer();
    const { raw, extensions } = await rawWithOffer(state.server, null);
    expect(extensions).toBeUndefined();
    const fd = await fdOf(state, 0);
    expect(state.server.push(fd, 'not compressed', WEBSOCKET_OPCODE_TEXT, COMPRESSED)).toBe(true);
    const frame = await raw.readFrame();
    expect(frame.rsv).toBe(0);
    expect(frame.payload.toString()).toBe('not compressed');
  });

  it('websocket_compression_threshold compresses large messages without the flag', async () => {
    const state = await compressionServer({ websocket_compression_threshold: 1024 });
    const { raw } = await rawWithOffer(state.server, 'permessage-deflate');
    const fd = await fdOf(state, 0);
    const large = Buffer.alloc(4096, 'a');
    state.server.push(fd, large, WEBSOCKET_OPCODE_BINARY);
    state.server.push(fd, 'small');
    state.server.push(fd, Buffer.alloc(1024, 'b'), WEBSOCKET_OPCODE_BINARY);
    const [first, second, third] = await readFrames(raw, 3);
    expect(first.rsv).toBe(RSV1);
    expect(inflate(first.payload).equals(large)).toBe(true);
    expect(second.rsv).toBe(0);
    expect(second.payload.toString()).toBe('small');
    expect(third.rsv).toBe(RSV1);
    // The same context compressed the first message: inflate both with one stream.
    expect(third.payload.length).toBeLessThan(1024);

    const client = await deflateClient(state.server, true);
    const clientFd = await fdOf(state, 1);
    state.server.push(clientFd, 'x'.repeat(5000));
    expect((await client.messages.next()).text).toBe('x'.repeat(5000));
  });

  it('keeps push order when compressed and uncompressed pushes are mixed', async () => {
    const state = await compressionServer();
    const { raw } = await rawWithOffer(
      state.server,
      'permessage-deflate; server_no_context_takeover',
    );
    const client = await deflateClient(state.server, true);
    const [rawFd, clientFd] = [await fdOf(state, 0), await fdOf(state, 1)];
    const big = 'b'.repeat(100 * KiB);
    for (const fd of [rawFd, clientFd]) {
      expect(state.server.push(fd, big, WEBSOCKET_OPCODE_TEXT, COMPRESSED)).toBe(true);
      expect(state.server.push(fd, 'small')).toBe(true);
    }
    const [first, second] = await readFrames(raw, 2);
    expect(first.rsv).toBe(RSV1);
    expect(inflate(first.payload).toString()).toBe(big);
    expect(second.rsv).toBe(0);
    expect(second.payload.toString()).toBe('small');
    expect((await client.messages.next()).text).toBe(big);
    expect((await client.messages.next()).text).toBe('small');

    // A longer random mix: sizes and flags vary, the order never does.
    const expected: string[] = [];
    for (let i = 0; i < 60; i++) {
      const text = `${i}:` + 'm'.repeat(i % 3 === 0 ? 20 * KiB : 10);
      expected.push(text);
      const flags = i % 2 === 0 ? COMPRESSED : SWOOLE_WEBSOCKET_FLAG_FIN;
      expect(state.server.push(clientFd, text, WEBSOCKET_OPCODE_TEXT, flags)).toBe(true);
    }
    for (const text of expected) expect((await client.messages.next()).text).toBe(text);
  });

  it('handles messages received compressed and uncompressed, in order', async () => {
    const state = await compressionServer();
    const client = await deflateClient(state.server, { threshold: 0 });
    const expected: Array<{ text: string; compressed: boolean }> = [];
    for (let i = 0; i < 40; i++) {
      const compress = i % 3 !== 1;
      const text = `${i}:` + 'z'.repeat(i % 4 === 0 ? 50 * KiB : 5);
      expected.push({ text, compressed: compress });
      client.ws.send(text, { compress });
    }
    // Control frames wait behind a message being inflated too.
    client.ws.ping('after-all');
    await waitUntil(() => state.frames.length === expected.length, 5000, 'all the messages');
    expect(state.frames.map((frame) => frame.data)).toEqual(expected.map((e) => e.text));
    expect(state.frames.map(isCompressed)).toEqual(expected.map((e) => e.compressed));
    for (const { text } of expected) expect((await client.messages.next()).text).toBe(text);
    expect((await client.pongs.next()).toString()).toBe('after-all');
  });

  it('a raw client mixing RSV1 and plain frames (with context takeover) is read in order', async () => {
    const state = await compressionServer({}, false);
    const { raw } = await rawWithOffer(
      state.server,
      'permessage-deflate; client_no_context_takeover',
    );
    const texts = ['one', 'two two two two', 'three', 'four four four'];
    texts.forEach((text, i) =>
      raw.write(
        i % 2 === 0
          ? clientFrame(WEBSOCKET_OPCODE_TEXT, deflate(text), { rsv1: true })
          : clientFrame(WEBSOCKET_OPCODE_TEXT, text),
      ),
    );
    await waitUntil(() => state.frames.length === texts.length, 3000, 'the messages');
    expect(state.frames.map((frame) => frame.data)).toEqual(texts);
    expect(state.frames.map(isCompressed)).toEqual([true, false, true, false]);
  });

  it('websocket_compression_server_max_window_bits 9: the ws client inflates with that window', async () => {
    const state = await compressionServer({ websocket_compression_server_max_window_bits: 9 });
    const client = await deflateClient(state.server, true);
    expect(client.upgradeHeaders?.['sec-websocket-extensions']).toBe(
      'permessage-deflate; server_max_window_bits=9; client_max_window_bits=15',
    );
    const fd = await fdOf(state, 0);
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i % 97} of a long text`).join('\n');
    state.server.push(fd, text, WEBSOCKET_OPCODE_TEXT, COMPRESSED);
    state.server.push(fd, text, WEBSOCKET_OPCODE_TEXT, COMPRESSED);
    expect((await client.messages.next()).text).toBe(text);
    expect((await client.messages.next()).text).toBe(text);
  });

  it('compressed pushes still being compressed count toward buffer_output_size', async () => {
    const state = await compressionServer({ buffer_output_size: 2 * MiB });
    const client = await deflateClient(state.server, true);
    const fd = await fdOf(state, 0);
    // Three fit in 2 MiB (each counts 512 KiB + a 10-byte header), a fourth does not.
    const chunk = randomBytes(512 * KiB);
    const accepted: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      accepted.push(state.server.push(fd, chunk, WEBSOCKET_OPCODE_BINARY, COMPRESSED));
    }
    // As with uncompressed pushes, the output buffer holds at most 2 MiB of pending messages.
    expect(accepted).toEqual([true, true, true, false, false, false]);
    for (let i = 0; i < 3; i++)
      expect((await client.messages.next()).data.equals(chunk)).toBe(true);
    // Once written, the buffer takes messages again.
    await waitUntil(() => state.server.push(fd, chunk, WEBSOCKET_OPCODE_BINARY, COMPRESSED));
    expect((await client.messages.next()).data.equals(chunk)).toBe(true);
  });

  it('a close right after a compressed push arrives after the message', async () => {
    const state = await compressionServer();
    const client = await deflateClient(state.server, true);
    const events: string[] = [];
    client.ws.on('message', (data: Buffer) => events.push(`message:${data.length}`));
    client.ws.on('close', (code: number) => events.push(`close:${code}`));
    const fd = await fdOf(state, 0);
    expect(state.server.push(fd, 'q'.repeat(MiB), WEBSOCKET_OPCODE_TEXT, COMPRESSED)).toBe(true);
    expect(state.server.disconnect(fd, 4000, 'done')).toBe(true);
    expect(await client.waitClose()).toEqual({ code: 4000, reason: 'done' });
    expect(events).toEqual([`message:${MiB}`, 'close:4000']);
  });

  it('broadcast with COMPRESS reaches peers with no extension, no context takeover and context takeover', async () => {
    const state = await compressionServer();
    const plain = await deflateClient(state.server, false);
    const stateless = await deflateClient(state.server, {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
    });
    const smallWindow = await deflateClient(state.server, {
      serverNoContextTakeover: true,
      serverMaxWindowBits: 10,
    });
    const takeover = await deflateClient(state.server, true);
    const rawPlain = await rawWithOffer(state.server, null);
    const rawStateless = await rawWithOffer(
      state.server,
      'permessage-deflate; server_no_context_takeover',
    );
    const clients = [plain, stateless, smallWindow, takeover];
    expect(plain.upgradeHeaders?.['sec-websocket-extensions']).toBeUndefined();
    await waitUntil(() => state.fds.length === 6, 3000, 'six connections');

    const messages = ['broadcast one '.repeat(300), 'broadcast two '.repeat(300), 'short'];
    for (const message of messages) {
      expect(state.server.broadcast(message, WEBSOCKET_OPCODE_TEXT, COMPRESSED)).toBe(6);
    }
    const binary = Buffer.alloc(10_000, 7);
    expect(state.server.broadcast(binary, WEBSOCKET_OPCODE_BINARY, COMPRESSED)).toBe(6);
    for (const client of clients) {
      for (const message of messages) expect((await client.messages.next()).text).toBe(message);
      const last = await client.messages.next();
      expect(last.isBinary).toBe(true);
      expect(last.data.equals(binary)).toBe(true);
    }
    const plainFrames = await readFrames(rawPlain.raw, 4);
    expect(plainFrames.map((frame) => frame.rsv)).toEqual([0, 0, 0, 0]);
    expect(plainFrames[0].payload.toString()).toBe(messages[0]);
    const compressedFrames = await readFrames(rawStateless.raw, 4);
    expect(compressedFrames.map((frame) => frame.rsv)).toEqual([RSV1, RSV1, RSV1, RSV1]);
    expect(compressedFrames.slice(0, 3).map((f) => inflate(f.payload).toString())).toEqual(
      messages,
    );
    expect(inflate(compressedFrames[3].payload).equals(binary)).toBe(true);
  });

  it('a fragmented broadcast with COMPRESS goes out uncompressed, whole for every peer', async () => {
    const state = await compressionServer();
    const stateless = await deflateClient(state.server, { serverNoContextTakeover: true });
    const takeover = await deflateClient(state.server, true);
    const raw = await rawWithOffer(state.server, 'permessage-deflate; server_no_context_takeover');
    await waitUntil(() => state.fds.length === 3, 3000, 'three connections');
    expect(
      state.server.broadcast('part one, ', WEBSOCKET_OPCODE_TEXT, SWOOLE_WEBSOCKET_FLAG_COMPRESS),
    ).toBe(3);
    expect(state.server.broadcast('part two', 0, COMPRESSED)).toBe(3);
    for (const client of [stateless, takeover]) {
      expect((await client.messages.next()).text).toBe('part one, part two');
    }
    const frames = await readFrames(raw.raw, 2);
    expect(frames.map((frame) => [frame.opcode, frame.fin, frame.rsv])).toEqual([
      [WEBSOCKET_OPCODE_TEXT, false, 0],
      [0, true, 0],
    ]);
  });

  it('a compression bomb (20 MiB of zeros) closes with 1009 quickly; the server keeps serving', async () => {
    const state = await compressionServer();
    const { raw } = await rawWithOffer(state.server, 'permessage-deflate');
    const bomb = deflate(Buffer.alloc(20 * MiB));
    expect(bomb.length).toBeLessThan(64 * KiB);
    const started = Date.now();
    raw.write(clientFrame(WEBSOCKET_OPCODE_BINARY, bomb, { rsv1: true }));
    const close = await raw.readFrame();
    expect(close.opcode).toBe(0x8);
    expect(close.closeCode).toBe(1009);
    expect(Date.now() - started).toBeLessThan(1000);
    await raw.waitEnded();
    expect(state.frames).toHaveLength(0);
    const client = await deflateClient(state.server, true);
    await client.roundTrip();
    await harness.expectServes(state.server);
  });

  it('corrupt compressed data closes with 1007', async () => {
    const state = await compressionServer();
    const { raw } = await rawWithOffer(state.server, 'permessage-deflate');
    // BFINAL=1 with the reserved block type 11: not DEFLATE.
    raw.write(
      clientFrame(WEBSOCKET_OPCODE_BINARY, Buffer.from([0xff, 0xff, 0xff]), { rsv1: true }),
    );
    const close = await raw.readFrame();
    expect(close.closeCode).toBe(1007);
    await raw.waitEnded();
    expect(state.frames).toHaveLength(0);
    await harness.expectServes(state.server);
  });

  it('invalid UTF-8 in a compressed text message closes with 1007', async () => {
    const state = await compressionServer();
    const { raw } = await rawWithOffer(state.server, 'permessage-deflate');
    raw.write(clientFrame(WEBSOCKET_OPCODE_TEXT, deflate('ok'), { rsv1: true }));
    expect(inflate((await raw.readFrame()).payload).toString()).toBe('ok');
    const invalid = Buffer.concat([Buffer.from('valid start '), Buffer.from([0xc3, 0x28])]);
    raw.write(clientFrame(WEBSOCKET_OPCODE_TEXT, deflate(invalid), { rsv1: true }));
    const close = await raw.readFrame();
    expect(close.closeCode).toBe(1007);
    await raw.waitEnded();
    expect(state.frames).toHaveLength(1);
  });
});

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>deflate</title></head>
<body><p id="status">idle</p></body></html>`;

describe('a browser with compression', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('negotiates permessage-deflate and echoes text both ways', async () => {
    const frames: Frame[] = [];
    const offers: Array<string | undefined> = [];
    const server = await harness.server({ settings: { websocket_compression: true } }, (ws) => {
      ws.on('request', (_request, response) => {
        response.header('Content-Type', 'text/html; charset=utf-8');
        response.end(PAGE);
      });
      ws.on('open', (request) => offers.push(request.header['sec-websocket-extensions']));
      ws.on('message', (frame) => {
        frames.push(frame);
        ws.push(frame.fd, frame.payload, frame.opcode, frame.flags);
      });
    });
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${server.port}/`);
      const long = 'compressible text from chromium; '.repeat(500);
      const result = await page.evaluate(
        async ({ url, texts }) => {
          const socket = new WebSocket(url);
          const received: string[] = [];
          await new Promise<void>((resolve, reject) => {
            socket.onopen = () => {
              for (const text of texts) socket.send(text);
            };
            socket.onerror = () => reject(new Error('WebSocket error'));
            socket.onmessage = (event: MessageEvent) => {
              received.push(String(event.data));
              if (received.length === texts.length) resolve();
            };
          });
          const extensions = socket.extensions;
          socket.close(1000);
          return { received, extensions };
        },
        { url: `ws://127.0.0.1:${server.port}/`, texts: ['hello', long] },
      );
      expect(result.received).toEqual(['hello', long]);
      expect(result.extensions).toMatch(/^permessage-deflate/);
      expect(offers).toHaveLength(1);
      expect(offers[0]).toMatch(/permessage-deflate/);
      expect(frames.map((frame) => frame.data)).toEqual(['hello', long]);
      // Chromium compresses what it sends once deflate is negotiated: RSV1 reached the server.
      expect(isCompressed(frames[1])).toBe(true);
    } finally {
      await page.close();
    }
  }, 60_000);
});
