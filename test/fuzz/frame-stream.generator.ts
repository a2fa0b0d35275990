import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { closePayload, type ClientFrameSpec, encodeClientFrame } from './client-frame.encoder.js';
import type { ExpectedMessage, FrameEnding, FuzzCase, FuzzProfile } from './fuzz-case.js';
import { renderHandshake, validHandshake } from './handshake.generator.js';
import type { SeededRandom } from './seeded-random.js';
import { chunkWrites } from './write-chunker.js';

const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;
const RSV1 = 0b100;

/** A frame of the stream and what it completes: a message, a ping, or the close. */
interface StreamFrame {
  spec: ClientFrameSpec;
  /** Set on the last frame of a data message. */
  message?: ExpectedMessage;
  ping?: Buffer;
  /** Raw bytes to send instead of encoding `spec` (inserted garbage). */
  raw?: Buffer;
}

/**
 * After a stream lost its framing, these bytes make the server fail it promptly rather than
 * wait for a payload that never comes: enough to fill any payload the limit allows, then
 * 0xFF headers (RSV2/RSV3 set: 1002), or invalid UTF-8 (1007) if a text frame swallows them.
 */
function desyncTrailer(profile: FuzzProfile): Buffer {
  return Buffer.alloc(profile.maxPayload + 64, 0xff);
}

function randomText(rng: SeededRandom, bytes: number): Buffer {
  const alphabet = ['a', 'Z', '0', ' ', 'é', 'ß', '€', '中', '😀', '\u0000', '\n'];
  const parts: string[] = [];
  for (let size = 0; size < bytes;) {
    const part = rng.pick(alphabet);
    parts.push(part);
    size += Buffer.byteLength(part);
  }
  return Buffer.from(parts.join(''), 'utf8');
}

function payloadSize(rng: SeededRandom, profile: FuzzProfile): number {
  const roll = rng.next();
  if (roll < 0.6) return rng.int(0, 125);
  if (roll < 0.9) return rng.int(126, 4000);
  if (roll < 0.98) return rng.int(4001, 20_000);
  return rng.int(0x10000, Math.max(0x10000, profile.maxPayload));
}

/** Compresses a message as permessage-deflate does (sync flush, tail stripped). */
export function deflateMessage(data: Buffer): Buffer {
  const out = deflateRawSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/** Splits a message into frames, with control frames between them sometimes. */
function messageFrames(
  rng: SeededRandom,
  opcode: number,
  data: Buffer,
  compress: boolean,
): StreamFrame[] {
  const wire = compress ? deflateMessage(data) : data;
  const pieces = rng.chance(0.3) ? rng.int(2, 6) : 1;
  const frames: StreamFrame[] = [];
  let from = 0;
  for (let i = 0; i < pieces; i++) {
    const to = i === pieces - 1 ? wire.length : rng.int(from, wire.length);
    frames.push({
      spec: {
        fin: i === pieces - 1,
        rsv: compress && i === 0 ? RSV1 : 0,
        opcode: i === 0 ? opcode : 0,
        payload: wire.subarray(from, to),
        masked: true,
        lengthForm: rng.chance(0.05) ? rng.pick([16, 64] as const) : undefined,
      },
    });
    from = to;
    if (i < pieces - 1 && rng.chance(0.3)) frames.push(controlFrame(rng));
  }
  frames[frames.length - 1].message = { opcode, data };
  return frames;
}

function controlFrame(rng: SeededRandom): StreamFrame {
  const payload = rng.bytes(rng.int(0, 125));
  if (rng.chance(0.6))
    return { spec: { fin: true, rsv: 0, opcode: PING, payload, masked: true }, ping: payload };
  return { spec: { fin: true, rsv: 0, opcode: PONG, payload, masked: true } };
}

/** A violation that fails the connection at a known frame, with the close codes allowed. */
type Violation = (
  rng: SeededRandom,
  frames: StreamFrame[],
  at: number,
  profile: FuzzProfile,
) => { codes: number[]; what: string };

const VIOLATIONS: Record<string, Violation> = {
  'rsv2-rsv3': (rng, frames, at) => {
    frames[at].spec.rsv |= rng.pick([0b010, 0b001, 0b011]);
    return { codes: [1002], what: 'RSV2/RSV3 set' };
  },
  'rsv1-misuse': (rng, frames, at, profile) => {
    if (!profile.compression || rng.chance(0.5)) {
      frames.splice(at, 0, {
        spec: {
          fin: true,
          rsv: RSV1,
          opcode: rng.pick([PING, PONG]),
          payload: rng.bytes(3),
          masked: true,
        },
      });
      return { codes: [1002], what: 'RSV1 on a control frame' };
    }
    frames.splice(at, 0, {
      spec: { fin: false, rsv: 0, opcode: BINARY, payload: rng.bytes(4), masked: true },
    });
    frames.splice(at + 1, 0, {
      spec: { fin: true, rsv: RSV1, opcode: 0, payload: rng.bytes(4), masked: true },
    });
    return { codes: [1002], what: 'RSV1 on a continuation' };
  },
  'rsv1-without-extension': (rng, frames, at, profile) => {
    if (profile.compression) {
      // First byte: a deflate block of the reserved type 3, which no inflater accepts.
      const payload = Buffer.concat([
        Buffer.from([rng.pick([0x06, 0x07])]),
        rng.bytes(rng.int(0, 40)),
      ]);
      frames.splice(at, 0, {
        spec: { fin: true, rsv: RSV1, opcode: BINARY, payload, masked: true },
      });
      return { codes: [1007], what: 'invalid compressed data' };
    }
    frames.splice(at, 0, {
      spec: {
        fin: true,
        rsv: RSV1,
        opcode: rng.pick([TEXT, BINARY]),
        payload: rng.bytes(5),
        masked: true,
      },
    });
    return { codes: [1002], what: 'RSV1 without permessage-deflate' };
  },
  'reserved-opcode': (rng, frames, at) => {
    frames.splice(at, 0, {
      spec: {
        fin: true,
        rsv: 0,
        opcode: rng.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]),
        payload: rng.bytes(rng.int(0, 20)),
        masked: true,
      },
    });
    return { codes: [1002], what: 'reserved opcode' };
  },
  unmasked: (_rng, frames, at) => {
    frames[at].spec.masked = false;
    return { codes: [1002], what: 'unmasked frame' };
  },
  'huge-length': (rng, frames, at, profile) => {
    const spec: ClientFrameSpec = {
      fin: true,
      rsv: 0,
      opcode: rng.pick([TEXT, BINARY]),
      payload: rng.bytes(rng.int(0, 64)),
      masked: true,
    };
    const roll = rng.int(0, 2);
    if (roll === 0) {
      spec.declaredLength = rng.int(profile.maxPayload + 1, 2 ** 40);
      frames.splice(at, 0, { spec });
      return { codes: [1009], what: 'declared length over package_max_length' };
    }
    if (roll === 1) {
      spec.opcode = rng.pick([PING, PONG, CLOSE]);
      spec.declaredLength = rng.int(126, 70_000);
      frames.splice(at, 0, { spec });
      return { codes: [1002], what: 'control frame longer than 125' };
    }
    // The top bit of a 64-bit length set.
    frames.splice(at, 0, {
      spec,
      raw: Buffer.concat([
        Buffer.from([0x82, 0xff, 0x80 | rng.int(0, 127)]),
        rng.bytes(7),
        rng.bytes(4),
      ]),
    });
    return { codes: [1002], what: '64-bit length with the top bit set' };
  },
  'invalid-utf8': (rng, frames, at, profile) => {
    const good = randomText(rng, rng.int(0, 30));
    const bad = Buffer.concat([
      good,
      Buffer.from(
        rng.pick([
          [0xff],
          [0xc0, 0x80],
          [0xed, 0xa0, 0x80],
          [0xf4, 0x90, 0x80, 0x80],
          [0xe2, 0x82],
        ]),
      ),
      randomText(rng, rng.int(0, 5)),
    ]);
    const compress = profile.compression && rng.chance(0.4);
    const inserted = messageFrames(rng, TEXT, bad, compress);
    for (const frame of inserted) {
      delete frame.message;
      delete frame.ping;
    }
    // Control frames inside the fragments would come before the fault: drop them.
    frames.splice(at, 0, ...inserted.filter((frame) => frame.spec.opcode < 8));
    return {
      codes: [1007],
      what: `invalid UTF-8 in a ${compress ? 'compressed ' : ''}text message`,
    };
  },
  'bad-close': (rng, frames, at) => {
    const roll = rng.int(0, 3);
    let payload: Buffer;
    let codes = [1002];
    if (roll === 0) payload = Buffer.from([rng.int(0, 255)]);
    else if (roll === 1)
      payload = closePayload(
        rng.pick([0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]),
      );
    else {
      payload = closePayload(
        1000,
        Buffer.from([
          0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80,
        ]),
      );
      codes = [1007];
    }
    frames.splice(at, 0, { spec: { fin: true, rsv: 0, opcode: CLOSE, payload, masked: true } });
    return { codes, what: 'invalid close frame' };
  },
  'fragmented-control': (rng, frames, at) => {
    frames.splice(at, 0, {
      spec: {
        fin: false,
        rsv: 0,
        opcode: rng.pick([PING, PONG, CLOSE]),
        payload: rng.bytes(2),
        masked: true,
      },
    });
    return { codes: [1002], what: 'fragmented control frame' };
  },
  'stray-continuation': (rng, frames, at) => {
    // Only where no fragmented message is open: before a message's first frame.
    frames.splice(at, 0, {
      spec: { fin: rng.chance(0.5), rsv: 0, opcode: 0, payload: rng.bytes(3), masked: true },
    });
    return { codes: [1002], what: 'continuation without a message' };
  },
  'data-inside-fragments': (rng, frames, at) => {
    frames.splice(at, 0, {
      spec: { fin: false, rsv: 0, opcode: BINARY, payload: rng.bytes(3), masked: true },
    });
    frames.splice(at + 1, 0, {
      spec: {
        fin: true,
        rsv: 0,
        opcode: rng.pick([TEXT, BINARY]),
        payload: Buffer.from('x'),
        masked: true,
      },
    });
    return { codes: [1002], what: 'new data frame inside a fragmented message' };
  },
};

/** Index of frames that start a message or stand alone (a violation may go before them). */
function boundaries(frames: StreamFrame[]): number[] {
  const out: number[] = [];
  let open = false;
  frames.forEach((frame, i) => {
    if (!open) out.push(i);
    if (frame.spec.opcode !== 0 && frame.spec.opcode < 8) open = !frame.spec.fin;
    else if (frame.spec.opcode === 0) open = !frame.spec.fin;
  });
  out.push(frames.length);
  return out;
}

/** What was sent whole and valid before frame `at`. */
function before(frames: StreamFrame[], at: number): { echoes: ExpectedMessage[]; pings: Buffer[] } {
  const echoes: ExpectedMessage[] = [];
  const pings: Buffer[] = [];
  for (const frame of frames.slice(0, at)) {
    if (frame.message) echoes.push(frame.message);
    if (frame.ping) pings.push(frame.ping);
  }
  return { echoes, pings };
}

/** A frame case: a valid handshake, then a valid stream with at most one kind of fault. */
export function generateFrameCase(
  rng: SeededRandom,
  profile: FuzzProfile,
  index: number,
): FuzzCase {
  const compressed = profile.compression && rng.chance(0.7);
  const handshake = renderHandshake(validHandshake(rng, profile, compressed));
  const description: string[] = [compressed ? 'deflate' : 'plain'];
  const frames: StreamFrame[] = [];
  const messages = rng.int(0, 6);
  for (let i = 0; i < messages; i++) {
    if (rng.chance(0.3)) frames.push(controlFrame(rng));
    const opcode = rng.chance(0.5) ? TEXT : BINARY;
    const size = payloadSize(rng, profile);
    const data = opcode === TEXT ? randomText(rng, size) : rng.bytes(size);
    frames.push(...messageFrames(rng, opcode, data, compressed && rng.chance(0.7)));
  }
  const closeCode = rng.pick([1000, 1001, 1003, 1011, 3000, 4000, 4999, undefined]);
  const reason = rng.chance(0.3)
    ? randomText(rng, rng.int(0, 40)).subarray(0, 100)
    : Buffer.alloc(0);
  const reasonOk = Buffer.from(reason.toString('utf8'), 'utf8').subarray(0, 120);
  frames.push({
    spec: {
      fin: true,
      rsv: 0,
      opcode: CLOSE,
      payload: closePayload(
        closeCode,
        closeCode === undefined ? undefined : validUtf8Prefix(reasonOk),
      ),
      masked: true,
    },
  });

  let ending: FrameEnding = { kind: 'close-echo', code: closeCode };
  let cut = frames.length;
  let tail: Buffer = Buffer.alloc(0);
  let endAfterWrites = false;
  const roll = rng.next();
  if (roll < 0.55) {
    const name = rng.pick(Object.keys(VIOLATIONS));
    const starts = boundaries(frames);
    const at = rng.pick(starts.slice(0, -1).length > 0 ? starts.slice(0, -1) : [0]);
    const violation = VIOLATIONS[name](rng, frames, at, { ...profile, compression: compressed });
    description.push(`violation:${name}@${at}`);
    ending = { kind: 'violation', codes: violation.codes, what: violation.what };
    cut = at;
  } else if (roll < 0.78) {
    const at = rng.int(0, frames.length - 1);
    cut = at;
    const kind = rng.int(0, 2);
    if (kind === 0) {
      const raw = encodeClientFrame(rng, frames[at].spec);
      const bit = rng.int(0, 15);
      raw[bit >> 3] ^= 0x80 >> (bit & 7);
      frames[at].raw = raw;
      description.push(`bitflip:${bit}@${at}`);
    } else if (kind === 1) {
      const spec = frames[at].spec;
      spec.declaredLength = Math.max(0, spec.payload.length + rng.pick([-3, -1, 1, 2, 200, -200]));
      description.push(`wrong-length:${spec.declaredLength - spec.payload.length}@${at}`);
    } else {
      frames.splice(at, 0, { spec: frames[at].spec, raw: rng.bytes(rng.int(1, 40)) });
      description.push(`garbage@${at}`);
    }
    ending = { kind: 'desync' };
    tail = desyncTrailer(profile);
  } else if (roll < 0.84) {
    // Truncated: the stream stops inside or between frames, before the close.
    endAfterWrites = rng.chance(0.6);
    ending = { kind: 'stall', halfClosed: endAfterWrites };
    description.push(`truncated${endAfterWrites ? '+fin' : ''}`);
    cut = frames.length - 1;
  }
  const encoded = frames.map((frame) => frame.raw ?? encodeClientFrame(rng, frame.spec));
  let stream: Buffer = Buffer.concat([...encoded, tail]);
  if (ending.kind === 'stall') {
    const upTo = encoded.slice(0, cut).reduce((sum, b) => sum + b.length, 0);
    stream = stream.subarray(0, rng.int(Math.max(0, upTo - 30), upTo));
    // Whatever was cut is unknown to the server: only what came whole counts.
    const whole: StreamFrame[] = [];
    let size = 0;
    for (let i = 0; i < frames.length && size + encoded[i].length <= stream.length; i++) {
      whole.push(frames[i]);
      size += encoded[i].length;
    }
    cut = whole.length;
  }
  const { echoes, pings } = before(frames, cut);
  description.push(`messages:${echoes.length}`);
  return {
    index,
    kind: 'frames',
    description,
    writes: chunkWrites(rng, Buffer.concat([handshake, stream]), description),
    endAfterWrites,
    frames: { echoes, pings, ending, compressed },
  };
}

function validUtf8Prefix(bytes: Buffer): Buffer {
  for (let end = bytes.length; end >= 0; end--) {
    const piece = bytes.subarray(0, end);
    if (Buffer.from(piece.toString('utf8'), 'utf8').equals(piece)) return piece;
  }
  return Buffer.alloc(0);
}
