import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { encodeClientFrame } from '../fuzz/client-frame.encoder.js';
import { SeededRandom } from '../fuzz/seeded-random.js';

const CONTINUATION = 0x0;
const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const RSV1 = 0b100;

/** The server's `package_max_length` in the fixture (its default). */
export const PACKAGE_MAX_LENGTH = 2 * 1024 * 1024;

/** The close codes a hostile frame may earn: protocol error, bad data, too big. */
export const HOSTILE_CLOSE_CODES: readonly number[] = [1002, 1007, 1009];

/** The fixed seed of the garbage cases; `ABUSE_SEED` overrides it. */
export const DEFAULT_ABUSE_SEED = 0xab05e;

/** Masked ping frames with 125-byte payloads back to back, about `bytes` long. */
export function pingBatch(bytes: number): Buffer {
  const rng = new SeededRandom(1);
  const one = encodeClientFrame(rng, frame(PING, Buffer.alloc(125, 0x70)));
  return Buffer.concat(Array.from({ length: Math.ceil(bytes / one.length) }, () => one));
}

/**
 * The start of a binary frame declaring `declared` payload bytes (64-bit length form), masked,
 * with its first `sent` payload bytes: a frame whose rest never comes.
 */
export function partialFrame(declared: number, sent: number): Buffer {
  const rng = new SeededRandom(2);
  const whole = encodeClientFrame(rng, {
    ...frame(BINARY, Buffer.alloc(sent, 0x61)),
    declaredLength: declared,
    lengthForm: 64,
  });
  return whole;
}

/**
 * A permessage-deflate payload (tail stripped) that inflates to `mebibytes` MiB of zeros: one
 * sync-flushed block of 1 MiB of zeros repeated, since each copy starts with a literal and
 * needs nothing before it. About 1 KB per MiB.
 */
export function deflateBomb(mebibytes: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1024 * 1024), {
    finishFlush: zlibConstants.Z_SYNC_FLUSH,
  });
  const stream = Buffer.concat(Array.from({ length: mebibytes }, () => block));
  return stream.subarray(0, stream.length - 4);
}

/** A compressed message as one frame, or as `fragments` frames (RSV1 on the first only). */
export function compressedMessage(opcode: number, deflated: Buffer, fragments = 1): Buffer {
  const rng = new SeededRandom(3);
  const size = Math.ceil(deflated.length / fragments);
  const frames: Buffer[] = [];
  for (let i = 0; i < fragments; i++) {
    const last = i === fragments - 1;
    frames.push(
      encodeClientFrame(rng, {
        fin: last,
        rsv: i === 0 ? RSV1 : 0,
        opcode: i === 0 ? opcode : CONTINUATION,
        payload: deflated.subarray(i * size, last ? deflated.length : (i + 1) * size),
        masked: true,
      }),
    );
  }
  return Buffer.concat(frames);
}

/** One hostile input for a fresh WebSocket connection, and the close code it must earn. */
export interface HostileCase {
  description: string;
  bytes: Buffer;
  /** The exact close code expected; undefined: any of `HOSTILE_CLOSE_CODES`, or a drop. */
  expectedCode?: number;
}

/**
 * The garbage and mutated-frame cases: fixed ones whose close code is exact (RFC 6455 section
 * 5.2, 5.5, 8.1), then `randomCount` connections of random bytes and `mutatedCount` of valid
 * frames with a few bits flipped, all from `seed`.
 */
export function hostileCases(
  seed: number,
  randomCount: number,
  mutatedCount: number,
): HostileCase[] {
  const rng = new SeededRandom(seed);
  const cases = fixedCases(rng);
  for (let i = 0; i < randomCount; i++) {
    const bytes = rng.bytes(rng.int(1, rng.chance(0.2) ? 4000 : 200));
    bytes[0] = avoidClose(bytes[0]);
    cases.push({ description: `random bytes #${i} (${bytes.length} bytes)`, bytes });
  }
  for (let i = 0; i < mutatedCount; i++) cases.push(mutatedCase(rng, i));
  return cases;
}

function fixedCases(rng: SeededRandom): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (description: string, expectedCode: number, ...frames: Buffer[]): void => {
    cases.push({ description, bytes: Buffer.concat(frames), expectedCode });
  };
  const encode = (spec: Parameters<typeof encodeClientFrame>[1]): Buffer =>
    encodeClientFrame(rng, spec);
  for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    add(`reserved opcode ${opcode}`, 1002, encode(frame(opcode, Buffer.from('x'))));
  }
  const invalidUtf8 = [
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0x61, 0xe2, 0x82],
    [0xff],
  ];
  for (const sequence of invalidUtf8) {
    add(
      `invalid UTF-8 ${Buffer.from(sequence).toString('hex')}`,
      1007,
      encode(frame(TEXT, Buffer.from(sequence))),
    );
  }
  add(
    'invalid UTF-8 in the second fragment of a text message',
    1007,
    encode({ ...frame(TEXT, Buffer.from('ok ')), fin: false }),
    encode(frame(CONTINUATION, Buffer.from([0xed, 0xbf, 0xbf]))),
  );
  add('64-bit length with its top bit set', 1002, lengthHeader(0x80, 0, 0));
  add('declared length past package_max_length', 1009, lengthHeader(0, 0, PACKAGE_MAX_LENGTH + 1));
  add('ping longer than 125 bytes', 1002, encode(frame(PING, Buffer.alloc(126))));
  add('close with a 1-byte payload', 1002, encode(frame(CLOSE, Buffer.from([0x03]))));
  add('close with code 1005 on the wire', 1002, encode(frame(CLOSE, Buffer.from([0x03, 0xed]))));
  add(
    'unmasked frame',
    1002,
    encodeClientFrame(rng, { ...frame(BINARY, Buffer.from('x')), masked: false }),
  );
  add(
    'RSV1 without a negotiated extension',
    1002,
    encode({ ...frame(BINARY, Buffer.from('x')), rsv: RSV1 }),
  );
  add('RSV2 and RSV3 set', 1002, encode({ ...frame(BINARY, Buffer.from('x')), rsv: 0b011 }));
  add('continuation without a message', 1002, encode(frame(CONTINUATION, Buffer.from('x'))));
  add('fragmented ping', 1002, encode({ ...frame(PING, Buffer.from('x')), fin: false }));
  add(
    'a new message inside a fragmented one',
    1002,
    encode({ ...frame(BINARY, Buffer.from('a')), fin: false }),
    encode(frame(TEXT, Buffer.from('b'))),
  );
  return cases;
}

/** A valid masked frame with one to three bits flipped (never into a close frame). */
function mutatedCase(rng: SeededRandom, index: number): HostileCase {
  const opcode = rng.pick([TEXT, BINARY, PING]);
  const size = opcode === PING ? rng.int(0, 125) : rng.int(0, rng.chance(0.3) ? 3000 : 125);
  const payload = opcode === TEXT ? Buffer.from('é'.repeat(size >> 1), 'utf8') : rng.bytes(size);
  const bytes = encodeClientFrame(rng, frame(opcode, payload));
  const flips: string[] = [];
  for (let n = rng.int(1, 3); n > 0; n--) {
    const at = rng.chance(0.5)
      ? rng.int(0, Math.min(5, bytes.length - 1))
      : rng.int(0, bytes.length - 1);
    const bit = rng.int(0, 7);
    bytes[at] ^= 1 << bit;
    flips.push(`${at}.${bit}`);
  }
  bytes[0] = avoidClose(bytes[0]);
  return {
    description: `mutated frame #${index} (opcode ${opcode}, ${payload.length} bytes, flips ${flips.join(' ')})`,
    bytes,
  };
}

/** A first header byte that is not a close frame (a valid close would earn an echoed code). */
function avoidClose(byte: number): number {
  return (byte & 0x0f) === CLOSE ? (byte & 0xf0) | 0x0b : byte;
}

/** A masked binary frame header with a 64-bit length, its two halves given, and its mask. */
function lengthHeader(topByte: number, high: number, low: number): Buffer {
  const head = Buffer.alloc(14);
  head[0] = 0x80 | BINARY;
  head[1] = 0x80 | 127;
  head.writeUInt32BE(high, 2);
  head[2] |= topByte;
  head.writeUInt32BE(low, 6);
  return head;
}

function frame(opcode: number, payload: Buffer): Parameters<typeof encodeClientFrame>[1] {
  return { fin: true, rsv: 0, opcode, payload, masked: true };
}

/** `ABUSE_SEED` (decimal or 0x hex), else the fixed default. */
export function abuseSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ABUSE_SEED;
  if (raw === undefined || raw.trim() === '') return DEFAULT_ABUSE_SEED;
  const value = Number(raw.trim());
  if (!Number.isFinite(value)) throw new Error(`ABUSE_SEED must be a number, got ${raw}`);
  return value >>> 0;
}
