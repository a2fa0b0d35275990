import { endianness } from 'node:os';

/** Below this size a byte loop beats setting up a word view. */
const WORD_LOOP_THRESHOLD = 32;
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * XORs `data` in place with the 4-byte `mask` (RFC 6455 section 5.3). Masking and unmasking are
 * the same operation. `maskOffset` is the position of `data[0]` within the masked payload, so a
 * payload that arrives in several chunks can be unmasked chunk by chunk.
 *
 * Large buffers are processed a 32-bit word at a time over their 4-byte aligned middle.
 */
export function applyMask(data: Uint8Array, mask: Uint8Array, maskOffset = 0): void {
  const length = data.length;
  if (length < WORD_LOOP_THRESHOLD) {
    for (let i = 0; i < length; i++) data[i] ^= mask[(maskOffset + i) & 3];
    return;
  }
  let i = 0;
  while (((data.byteOffset + i) & 3) !== 0) {
    data[i] ^= mask[(maskOffset + i) & 3];
    i++;
  }
  const words = (length - i) >>> 2;
  const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
  const word = maskWord(mask, (maskOffset + i) & 3);
  for (let w = 0; w < words; w++) view[w] ^= word;
  i += words << 2;
  for (; i < length; i++) data[i] ^= mask[(maskOffset + i) & 3];
}

/** The mask as a 32-bit word in memory order, starting at mask byte `start`. */
function maskWord(mask: Uint8Array, start: number): number {
  const b0 = mask[start];
  const b1 = mask[(start + 1) & 3];
  const b2 = mask[(start + 2) & 3];
  const b3 = mask[(start + 3) & 3];
  return LITTLE_ENDIAN
    ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0
    : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}
