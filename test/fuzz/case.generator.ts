import type { FuzzCase, FuzzProfile } from './fuzz-case.js';
import { generateFrameCase } from './frame-stream.generator.js';
import { generateHandshakeCase } from './handshake.generator.js';
import { generateRandomBytesCase } from './random-bytes.generator.js';
import { SeededRandom } from './seeded-random.js';

/** Case `index` of the run seeded with `seed`: the same pair always gives the same case. */
export function generateCase(seed: number, index: number, profile: FuzzProfile): FuzzCase {
  const rng = SeededRandom.forCase(seed, index);
  const roll = rng.next();
  if (roll < 0.15) return generateRandomBytesCase(rng, index);
  if (roll < 0.45) return generateHandshakeCase(rng, profile, index);
  return generateFrameCase(rng, profile, index);
}
