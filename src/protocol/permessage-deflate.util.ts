import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** The empty stored block that ends every compressed message (RFC 7692 section 7.2.1). */
export const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Compresses one whole message without context takeover, as RFC 7692 section 7.2.1 frames it:
 * raw DEFLATE, flushed, with the trailing `00 00 ff ff` removed.
 */
export function deflateMessage(data: Buffer, windowBits = 15): Buffer {
  const compressed = deflateRawSync(data, { finishFlush: 2 /* Z_SYNC_FLUSH */, windowBits });
  return endsWithTail(compressed) ? compressed.subarray(0, compressed.length - 4) : compressed;
}

/** Inflates one whole message compressed without context takeover; throws on corrupt data. */
export function inflateMessage(data: Buffer, maxLength?: number): Buffer {
  return inflateRawSync(Buffer.concat([data, DEFLATE_TAIL]), {
    finishFlush: 2 /* Z_SYNC_FLUSH */,
    maxOutputLength: maxLength,
  });
}

function endsWithTail(data: Buffer): boolean {
  return data.length >= 4 && data.subarray(data.length - 4).equals(DEFLATE_TAIL);
}
