import type { FuzzCase } from './fuzz-case.js';
import type { SeededRandom } from './seeded-random.js';
import { chunkWrites } from './write-chunker.js';

const PREFIXES = [
  '',
  'GET ',
  'GET / HTTP/1.1\r\n',
  'GET / HTTP/1.1\r\nUpgrade: websocket\r\n',
  '\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
];

/** Random bytes on a fresh connection, sometimes after the start of an HTTP request. */
export function generateRandomBytesCase(rng: SeededRandom, index: number): FuzzCase {
  const prefix = rng.pick(PREFIXES);
  const body = rng.bytes(rng.int(1, rng.chance(0.1) ? 20_000 : 300));
  const description = [`prefix:${JSON.stringify(prefix)}`, `random:${body.length}`];
  const endAfterWrites = rng.chance(0.5);
  if (endAfterWrites) description.push('fin');
  return {
    index,
    kind: 'random-bytes',
    description,
    writes: chunkWrites(rng, Buffer.concat([Buffer.from(prefix, 'latin1'), body]), description),
    endAfterWrites,
  };
}
