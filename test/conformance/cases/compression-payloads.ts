/**
 * Payloads for the compression cases: deterministic (a seeded generator), in the five kinds of
 * Autobahn's 12.1-12.5 data files (JSON, a bitmap, prose, HTML, already-compressed binary),
 * generated rather than shipped. Text payloads are valid UTF-8 of exactly the asked length.
 */

/** A payload kind: its name, opcode and generator. */
export interface PayloadKind {
  name: string;
  /** 0x1 text or 0x2 binary. */
  opcode: number;
  /** `length` bytes; `seed` varies the content between messages. */
  make(length: number, seed: number): Buffer;
}

/** mulberry32: a small seeded generator, so every run sends the same bytes. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Text of exactly `length` UTF-8 bytes from pieces, never cutting a character. */
function textOf(length: number, seed: number, piece: (next: () => number) => string): Buffer {
  const next = generator(seed);
  const out = Buffer.alloc(length, 0x20);
  let at = 0;
  while (at < length) {
    const bytes = Buffer.from(piece(next), 'utf8');
    if (at + bytes.length > length) break;
    bytes.copy(out, at);
    at += bytes.length;
  }
  return out;
}

const pick = <T>(next: () => number, items: readonly T[]): T =>
  items[Math.floor(next() * items.length)];

const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'theta', 'kappa'];

/** JSON records (compressible ASCII text), like Autobahn's 12.1 data file. */
export const JSON_TEXT: PayloadKind = {
  name: 'JSON text',
  opcode: 0x1,
  make: (length, seed) =>
    textOf(
      length,
      seed,
      (next) =>
        JSON.stringify({
          id: Math.floor(next() * 100000),
          name: `${pick(next, NAMES)}-${Math.floor(next() * 100)}`,
          tags: [pick(next, NAMES), pick(next, NAMES)],
          score: Math.round(next() * 1000) / 1000,
          active: next() > 0.5,
        }) + ',',
    ),
};

/** A greyscale bitmap with gradients and noise (compressible binary), like 12.2's. */
export const BITMAP_BINARY: PayloadKind = {
  name: 'bitmap binary',
  opcode: 0x2,
  make: (length, seed) => {
    const next = generator(seed);
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) {
      const x = i & 511;
      const y = i >> 9;
      out[i] = ((x * y) >> 6) + (x >> 2) + (next() < 0.05 ? Math.floor(next() * 16) : 0);
    }
    return out;
  },
};

const WORDS = [
  'Habe',
  'nun,',
  'ach!',
  'Philosophie,',
  'Juristerei',
  'und',
  'Medizin,',
  'durchaus',
  'studiert,',
  'mit',
  'heißem',
  'Bemühn.',
  'Da',
  'steh',
  'ich',
  'nun,',
  'ich',
  'armer',
  'Tor!',
  'Und',
  'bin',
  'so',
  'klug',
  'als',
  'wie',
  'zuvor;',
  'Größe',
  'Übermut',
  'Ärger',
  'Straße',
  '—',
  '«Zitat»',
  'naïve',
  'café',
  '€',
  '😀',
];

/** Prose with multi-byte characters (text, moderately compressible), like 12.3's Faust. */
export const PROSE_TEXT: PayloadKind = {
  name: 'UTF-8 prose',
  opcode: 0x1,
  make: (length, seed) =>
    textOf(length, seed, (next) => pick(next, WORDS) + (next() < 0.1 ? '\n' : ' ')),
};

const TAGS = ['div', 'span', 'p', 'a', 'li', 'td', 'section'];

/** HTML markup (text, very compressible), like 12.4's HTML file. */
export const HTML_TEXT: PayloadKind = {
  name: 'HTML text',
  opcode: 0x1,
  make: (length, seed) =>
    textOf(length, seed, (next) => {
      const tag = pick(next, TAGS);
      const id = Math.floor(next() * 1000);
      return `<${tag} class="item item-${id % 7}" id="n${id}">${pick(next, NAMES)} ${pick(next, WORDS)}</${tag}>\n`;
    }),
};

/** Random bytes (incompressible: deflate makes them larger), like 12.5's PDF. */
export const RANDOM_BINARY: PayloadKind = {
  name: 'random binary',
  opcode: 0x2,
  make: (length, seed) => {
    const next = generator(seed);
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
    return out;
  },
};

/**
 * Distances a window probe repeats data at: each one lies more than 64 bytes beyond a window of
 * 2^8 ... 2^14 bytes and within zlib's reach with the next larger window (zlib refers at most
 * 2^bits - 262 bytes back), so a server compressing with a larger window than agreed refers
 * beyond the agreed one.
 */
const PROBE_DISTANCES = [330, 600, 1200, 2400, 4800, 9600, 19200];

/**
 * Random blocks, each followed by a copy of itself, at every probe distance (76200 bytes,
 * binary): compressible only by back-references of exactly those distances.
 */
export function windowProbe(seed: number): Buffer {
  const parts: Buffer[] = [];
  PROBE_DISTANCES.forEach((distance, i) => {
    const block = RANDOM_BINARY.make(distance, seed * 31 + i);
    parts.push(block, block);
  });
  return Buffer.concat(parts);
}
