/**
 * Protocol-layer benchmark: our FrameParser and frame encoder against ws's Receiver and
 * Sender.frame, in the same process, on the same inputs, in interleaved samples.
 *
 *   npm run bench:protocol
 *
 * BENCH_ONLY=parse or BENCH_ONLY=encode runs one half. Prints markdown tables (median of the
 * samples) ready to paste into docs/BENCHMARKS.md.
 */
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import {
  encodeClientFrame,
  encodeFrame,
  encodeFrameHeader,
  encodeServerFrame,
  encodeServerFrameInto,
  SMALL_FRAME_LIMIT,
  randomMask,
} from '../src/protocol/frame-encoder.js';
import { FrameParser, type FrameParserSink } from '../src/protocol/frame-parser.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_TEXT,
} from '../src/protocol/opcode.constants.js';

// ---------------------------------------------------------------------------------------------
// ws, typed as far as we use it. Its lib/*.js files are not in its package "exports" map (so
// 'ws/lib/receiver.js' cannot be imported), but the CommonJS entry re-exports both classes.
// ---------------------------------------------------------------------------------------------

interface WsReceiverOptions {
  isServer: boolean;
  maxPayload: number;
}

interface WsReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  /** Writable's internal write: what `write()` ends up calling, minus the stream bookkeeping. */
  _write(chunk: Buffer, encoding: string, callback: (error?: Error | null) => void): void;
}

interface WsFrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  /** true: ws must not mask the caller's buffer in place (it copies, as ours always does). */
  readOnly: boolean;
  rsv1: boolean;
}

interface WsModule {
  Receiver: new (options: WsReceiverOptions) => WsReceiver;
  Sender: { frame(data: Buffer, options: WsFrameOptions): Buffer[] };
}

const ws = createRequire(import.meta.url)('ws') as WsModule;

// ---------------------------------------------------------------------------------------------
// Settings: about 30 s in all on a 2-core machine.
// ---------------------------------------------------------------------------------------------

/** Timed work per sample; passes are repeated until a sample has at least this much. */
const SAMPLE_MS = 100;
/** Samples per implementation and case, interleaved (ours, ws, ws, ours, ...). */
const REPETITIONS = 5;
/** Size of the concatenated-frames input of one parsing pass. */
const PARSE_INPUT_BYTES = 4 * 1024 * 1024;
/** Same limit for both parsers, well above the largest frame. */
const MAX_PAYLOAD = 1024 * 1024;

const PAYLOAD_SIZES = [
  { label: '16 B', bytes: 16 },
  { label: '1 KiB', bytes: 1024 },
  { label: '64 KiB', bytes: 64 * 1024 },
];

/** How the byte stream reaches the parser: socket-sized slices, or one frame per chunk. */
const CHUNKINGS = [
  { label: '16 KiB chunks', bytes: 16 * 1024 },
  { label: '64 KiB chunks', bytes: 64 * 1024 },
  { label: 'whole frames', bytes: 0 },
];

const KINDS = [
  { label: 'binary', opcode: WEBSOCKET_OPCODE_BINARY },
  { label: 'text', opcode: WEBSOCKET_OPCODE_TEXT },
];

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

/** One timed unit of work; building it (copying input, creating parsers) is not timed. */
interface Pass {
  /** Does the work and returns how many operations (frames) it completed. */
  run(): number;
}

interface Contender {
  name: 'ours' | 'ws';
  prepare(): Pass;
}

interface Case {
  label: string;
  /** Bytes per operation, for MB/s (wire bytes when parsing, payload bytes when encoding). */
  bytesPerOp: number;
  /** Operations one pass must report: checks that both sides did all the work. */
  opsPerPass: number;
  ours: Contender;
  ws: Contender;
}

interface Result {
  label: string;
  bytesPerOp: number;
  ours: number;
  ws: number;
}

/** Runs passes until SAMPLE_MS of timed work, and returns operations per second. */
function sample(testCase: Case, contender: Contender, minMs: number): number {
  const minNs = BigInt(Math.round(minMs * 1e6));
  let elapsed = 0n;
  let ops = 0;
  do {
    const pass = contender.prepare();
    const start = process.hrtime.bigint();
    const done = pass.run();
    elapsed += process.hrtime.bigint() - start;
    if (done !== testCase.opsPerPass) {
      throw new Error(`${contender.name} ${testCase.label}: ${done} of ${testCase.opsPerPass}`);
    }
    ops += done;
  } while (elapsed < minNs);
  return ops / (Number(elapsed) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Warm-up, then interleaved samples. The order flips every repetition so neither side always
 * runs right after the other's garbage (GC pauses land in whoever runs next).
 */
function measure(testCase: Case): Result {
  sample(testCase, testCase.ours, SAMPLE_MS / 2);
  sample(testCase, testCase.ws, SAMPLE_MS / 2);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < REPETITIONS; r++) {
    if (r % 2 === 0) {
      ours.push(sample(testCase, testCase.ours, SAMPLE_MS));
      theirs.push(sample(testCase, testCase.ws, SAMPLE_MS));
    } else {
      theirs.push(sample(testCase, testCase.ws, SAMPLE_MS));
      ours.push(sample(testCase, testCase.ours, SAMPLE_MS));
    }
  }
  const result = {
    label: testCase.label,
    bytesPerOp: testCase.bytesPerOp,
    ours: median(ours),
    ws: median(theirs),
  };
  process.stderr.write(`  ${result.label}: ours/ws ${(result.ours / result.ws).toFixed(2)}\n`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** Valid UTF-8 of exactly `bytes` bytes: ASCII with a 2-byte "é" now and then, like chat text. */
function textPayload(bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let i = 0;
  while (i < bytes) {
    if (i % 16 === 14 && i + 1 < bytes) {
      out[i++] = 0xc3;
      out[i++] = 0xa9;
    } else {
      out[i] = 0x61 + (i % 26);
      i++;
    }
  }
  return out;
}

function payloadFor(opcode: number, bytes: number): Buffer {
  return opcode === WEBSOCKET_OPCODE_TEXT
    ? textPayload(bytes)
    : randomFillSync(Buffer.allocUnsafe(bytes));
}

/** Many masked client frames of one payload, each with its own random key, back to back. */
function clientStream(opcode: number, payload: Buffer): { stream: Buffer; frames: number } {
  const frameBytes = encodeFrame(opcode, payload, { mask: randomMask() }).length;
  const frames = Math.max(1, Math.floor(PARSE_INPUT_BYTES / frameBytes));
  const list: Buffer[] = [];
  for (let i = 0; i < frames; i++) list.push(encodeFrame(opcode, payload, { mask: randomMask() }));
  return { stream: Buffer.concat(list), frames };
}

/** Views of `buffer` in slices of `size` bytes (the last may be shorter). */
function slices(buffer: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += size) out.push(buffer.subarray(at, at + size));
  return out;
}

/**
 * A private copy of the stream, cut into chunks: both parsers unmask in place, so every pass
 * needs bytes nobody has unmasked yet. The copy is made outside the timed region.
 */
function freshChunks(stream: Buffer, chunkBytes: number): Buffer[] {
  return slices(Buffer.from(stream), chunkBytes);
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** Counts messages and otherwise does nothing, so the parser itself is what gets timed. */
class CountingSink implements FrameParserSink {
  messages = 0;
  onMessage(): void {
    this.messages++;
  }
  onPing(): void {}
  onPong(): void {}
  onClose(): void {}
  onError(code: number, reason: string): void {
    throw new Error(`FrameParser error ${code}: ${reason}`);
  }
}

function failOnError(error?: Error | null): void {
  if (error) throw error;
}

function oursParser(stream: Buffer, chunkBytes: number): Contender {
  return {
    name: 'ours',
    prepare() {
      const chunks = freshChunks(stream, chunkBytes);
      const sink = new CountingSink();
      const parser = new FrameParser(sink, { expectMasked: true, maxPayload: MAX_PAYLOAD });
      return {
        run() {
          for (const chunk of chunks) parser.push(chunk);
          return sink.messages;
        },
      };
    },
  };
}

function wsReceiver(stream: Buffer, chunkBytes: number): Contender {
  return {
    name: 'ws',
    prepare() {
      const chunks = freshChunks(stream, chunkBytes);
      const receiver = new ws.Receiver({ isServer: true, maxPayload: MAX_PAYLOAD });
      let messages = 0;
      receiver.on('message', () => {
        messages++;
      });
      return {
        run() {
          for (const chunk of chunks) receiver._write(chunk, 'buffer', failOnError);
          return messages;
        },
      };
    },
  };
}

/** Both parsers must hand back the original payload, with the right type, for every frame. */
function checkParsers(stream: Buffer, frames: number, opcode: number, payload: Buffer): void {
  let seen = 0;
  const sink: FrameParserSink = {
    onMessage(gotOpcode, data) {
      if (gotOpcode !== opcode || !data.equals(payload)) throw new Error('ours: wrong message');
      seen++;
    },
    onPing() {},
    onPong() {},
    onClose() {},
    onError(code, reason) {
      throw new Error(`ours: error ${code} ${reason}`);
    },
  };
  const parser = new FrameParser(sink, { expectMasked: true, maxPayload: MAX_PAYLOAD });
  for (const chunk of freshChunks(stream, 1000)) parser.push(chunk);
  const receiver = new ws.Receiver({ isServer: true, maxPayload: MAX_PAYLOAD });
  receiver.on('message', (data, isBinary) => {
    const binary = opcode === WEBSOCKET_OPCODE_BINARY;
    if (isBinary !== binary || !data.equals(payload)) throw new Error('ws: wrong message');
    seen++;
  });
  for (const chunk of freshChunks(stream, 1000)) receiver._write(chunk, 'buffer', failOnError);
  if (seen !== 2 * frames) throw new Error(`check: ${seen} messages, expected ${2 * frames}`);
}

function parseCases(): Case[] {
  const cases: Case[] = [];
  for (const size of PAYLOAD_SIZES) {
    for (const kind of KINDS) {
      const payload = payloadFor(kind.opcode, size.bytes);
      const { stream, frames } = clientStream(kind.opcode, payload);
      checkParsers(stream, frames, kind.opcode, payload);
      const frameBytes = stream.length / frames;
      for (const chunking of CHUNKINGS) {
        const chunkBytes = chunking.bytes || frameBytes;
        cases.push({
          label: `${size.label} ${kind.label}, ${chunking.label}`,
          bytesPerOp: frameBytes,
          opsPerPass: frames,
          ours: oursParser(stream, chunkBytes),
          ws: wsReceiver(stream, chunkBytes),
        });
      }
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/** Keeps the encoders' output observable so the calls cannot be optimised away. */
let outputBytes = 0;

/** Enough calls per pass to dwarf timer overhead, few enough to stay far below SAMPLE_MS. */
function callsPerPass(payloadBytes: number): number {
  return Math.min(65536, Math.max(64, Math.floor((4 * 1024 * 1024) / payloadBytes)));
}

function sumLengths(buffers: Buffer[]): number {
  let total = 0;
  for (const buffer of buffers) total += buffer.length;
  return total;
}

/** A contender that calls `encode` `calls` times per pass on the same payload. */
function encoder(name: Contender['name'], calls: number, encode: () => number): Contender {
  return {
    name,
    prepare() {
      return {
        run() {
          for (let i = 0; i < calls; i++) outputBytes += encode();
          return calls;
        },
      };
    },
  };
}

function encodeCases(): Case[] {
  const cases: Case[] = [];
  const opcode = WEBSOCKET_OPCODE_BINARY;
  for (const size of PAYLOAD_SIZES) {
    const payload = randomFillSync(Buffer.allocUnsafe(size.bytes));
    const calls = callsPerPass(size.bytes);
    const server = { fin: true, opcode, mask: false, readOnly: false, rsv1: false };
    const client = { fin: true, opcode, mask: true, readOnly: true, rsv1: false };
    const ourOptions = { fin: true };
    const wsServer = encoder('ws', calls, () => sumLengths(ws.Sender.frame(payload, server)));
    // Like with like: a fresh header plus the caller's payload, nothing copied, as ws returns.
    cases.push({
      label: `${size.label} server, header + payload`,
      bytesPerOp: size.bytes,
      opsPerPass: calls,
      ours: encoder('ours', calls, () =>
        sumLengths([encodeFrameHeader(opcode, payload.length, ourOptions), payload]),
      ),
      ws: wsServer,
    });
    // What the runtime sends: up to SMALL_FRAME_LIMIT ours copies the payload behind the header
    // (one buffer, one write); ws still returns two buffers.
    cases.push({
      label: `${size.label} server, encodeServerFrame`,
      bytesPerOp: size.bytes,
      opsPerPass: calls,
      ours: encoder('ours', calls, () =>
        sumLengths(encodeServerFrame(opcode, payload, ourOptions)),
      ),
      ws: wsServer,
    });
    // What the runtime does for the small frames after the first of a turn: written into the
    // turn's slab (from Node's buffer pool), one write for all of them, no allocation per frame.
    const slab = Buffer.allocUnsafe(Math.max(4095, (size.bytes + 14) * 4));
    let slabAt = 0;
    if (size.bytes <= SMALL_FRAME_LIMIT)
      cases.push({
        label: `${size.label} server, into a batch`,
        bytesPerOp: size.bytes,
        opsPerPass: calls,
        ours: encoder('ours', calls, () => {
          if (slab.length - slabAt < size.bytes + 14) slabAt = 0;
          const end = encodeServerFrameInto(slab, slabAt, opcode, payload, size.bytes, ourOptions);
          const written = end - slabAt;
          slabAt = end;
          return written;
        }),
        ws: wsServer,
      });
    cases.push({
      label: `${size.label} client (masked)`,
      bytesPerOp: size.bytes,
      opsPerPass: calls,
      ours: encoder('ours', calls, () => encodeClientFrame(opcode, payload, ourOptions).length),
      ws: encoder('ws', calls, () => sumLengths(ws.Sender.frame(payload, client))),
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function formatOps(opsPerSec: number): string {
  if (opsPerSec >= 1e6) return `${(opsPerSec / 1e6).toFixed(2)} M`;
  if (opsPerSec >= 1e3) return `${(opsPerSec / 1e3).toFixed(1)} k`;
  return opsPerSec.toFixed(0);
}

function formatMBps(opsPerSec: number, bytesPerOp: number): string {
  return ((opsPerSec * bytesPerOp) / 1e6).toFixed(0);
}

function table(title: string, bytesNote: string, results: Result[]): string {
  const lines = [
    `### ${title}`,
    '',
    `MB/s = 10^6 ${bytesNote} per second. Median of ${REPETITIONS} interleaved samples.`,
    '',
    '| Case | ours ops/s | ws ops/s | ours MB/s | ws MB/s | ours/ws |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.label} | ${formatOps(r.ours)} | ${formatOps(r.ws)} | ` +
        `${formatMBps(r.ours, r.bytesPerOp)} | ${formatMBps(r.ws, r.bytesPerOp)} | ` +
        `${(r.ours / r.ws).toFixed(2)}x |`,
    );
  }
  return lines.join('\n');
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `Node ${process.version}, ${cpus().length} CPUs (${cpu}), ${new Date().toISOString()}`;
}

/** BENCH_ONLY=parse or BENCH_ONLY=encode runs one half; anything else runs both. */
const ONLY = process.env.BENCH_ONLY;

function main(): void {
  const started = Date.now();
  process.stderr.write(`${machine()}\n`);
  console.log(`## Protocol benchmark\n\n${machine()}\n`);
  if (ONLY !== 'encode') {
    process.stderr.write('parsing:\n');
    const parsed = parseCases().map(measure);
    console.log(table('Parsing (masked client frames)', 'wire bytes (header + payload)', parsed));
    console.log('');
  }
  if (ONLY !== 'parse') {
    process.stderr.write('encoding:\n');
    const encoded = encodeCases().map(measure);
    console.log(table('Encoding', 'payload bytes', encoded));
  }
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s, ${outputBytes} bytes encoded)`);
}

main();
