/** The seed used when `FUZZ_SEED` is not set: CI runs are reproducible. */
export const DEFAULT_FUZZ_SEED = 0x5eed_2024;

/**
 * A small deterministic PRNG (mulberry32) with the helpers the generators need. Everything the
 * fuzzer decides comes from one of these, so a run seed (and a case index) reproduces a case.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** `count` random bytes. */
  bytes(count: number): Buffer {
    const out = Buffer.allocUnsafe(count);
    for (let i = 0; i < count; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** A random string of printable ASCII. */
  ascii(length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) text += String.fromCharCode(this.int(0x20, 0x7e));
    return text;
  }

  /** An independent generator for case `index` of the run seeded with `seed`. */
  static forCase(seed: number, index: number): SeededRandom {
    return new SeededRandom(
      Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index, 0xc2b2ae35),
    );
  }
}

/** The run seed: `FUZZ_SEED` (decimal or 0x hex), else the fixed default. */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FUZZ_SEED;
  if (raw === undefined || raw.trim() === '') return DEFAULT_FUZZ_SEED;
  const value = Number(raw.trim());
  if (!Number.isFinite(value)) throw new Error(`FUZZ_SEED must be a number, got ${raw}`);
  return value >>> 0;
}

/** A positive integer from the environment, or `fallback`. */
export function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}
