import type { SeededRandom } from './seeded-random.js';
import type { TimedWrite } from './fuzz-case.js';

/**
 * Splits a byte stream into writes the way a network (or a hostile peer) might: whole, in a few
 * random pieces, or trickled a few bytes at a time with short pauses.
 */
export function chunkWrites(rng: SeededRandom, data: Buffer, description: string[]): TimedWrite[] {
  if (data.length === 0) return [];
  const style = rng.int(0, 9);
  if (style < 5) return [{ bytes: data, delayMs: 0 }];
  if (style < 9 || data.length > 2048) {
    const pieces = rng.int(2, Math.min(12, data.length + 1));
    const cuts = new Set<number>();
    for (let i = 1; i < pieces; i++) cuts.add(rng.int(1, data.length - 1));
    const sorted = [...cuts].filter((cut) => cut > 0 && cut < data.length).sort((a, b) => a - b);
    description.push(`chunked(${sorted.length + 1})`);
    const writes: TimedWrite[] = [];
    let from = 0;
    for (const cut of [...sorted, data.length]) {
      writes.push({
        bytes: data.subarray(from, cut),
        delayMs: rng.chance(0.3) ? rng.int(1, 5) : 0,
      });
      from = cut;
    }
    return writes;
  }
  description.push('trickled');
  const writes: TimedWrite[] = [];
  for (let from = 0; from < data.length;) {
    const size = rng.int(1, 16);
    writes.push({ bytes: data.subarray(from, from + size), delayMs: rng.int(0, 2) });
    from += size;
  }
  return writes;
}
