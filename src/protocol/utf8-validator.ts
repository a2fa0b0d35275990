import { isUtf8 } from 'node:buffer';

/**
 * Streaming UTF-8 validation for text messages that arrive in pieces (fragments, or one large
 * frame spread over many socket reads). Each piece is checked as soon as it arrives, so invalid
 * text fails at the first bad piece (RFC 6455 section 8.1, "fail fast"), while the bulk of the
 * work is done by Node's native `isUtf8`.
 *
 * A code point cut between two pieces is kept (at most 3 bytes) and completed by the next piece.
 * A kept partial sequence is checked as a prefix, so `F0 80` fails at once rather than waiting.
 */
export class Utf8Validator {
  private readonly pending = Buffer.alloc(4);
  private pendingLength = 0;
  private expectedLength = 0;

  /** Feeds the next piece; returns false as soon as the text so far cannot be valid UTF-8. */
  write(piece: Uint8Array): boolean {
    let start = 0;
    if (this.pendingLength > 0) {
      start = this.completePending(piece);
      if (start < 0) return false;
      if (this.pendingLength > 0) return true;
    }
    const body = piece.subarray(start);
    const tailStart = incompleteTailStart(body);
    if (!isUtf8(body.subarray(0, tailStart))) return false;
    for (let i = tailStart; i < body.length; i++) this.pending[this.pendingLength++] = body[i];
    if (this.pendingLength > 0) {
      this.expectedLength = sequenceLength(this.pending[0]);
      return isValidPrefix(this.pending, this.pendingLength);
    }
    return true;
  }

  /** Whether the text ended on a code point boundary; call once the message is complete. */
  end(): boolean {
    const complete = this.pendingLength === 0;
    this.reset();
    return complete;
  }

  /** Forgets any partial code point, ready for the next message. */
  reset(): void {
    this.pendingLength = 0;
    this.expectedLength = 0;
  }

  /** Moves bytes from `piece` into the pending sequence; returns how many were used, or -1. */
  private completePending(piece: Uint8Array): number {
    const take = Math.min(this.expectedLength - this.pendingLength, piece.length);
    for (let i = 0; i < take; i++) this.pending[this.pendingLength++] = piece[i];
    if (!isValidPrefix(this.pending, this.pendingLength)) return -1;
    if (this.pendingLength === this.expectedLength) this.reset();
    return take;
  }
}

/** Whether a whole message is valid UTF-8. */
export function isValidUtf8(data: Uint8Array): boolean {
  return isUtf8(data);
}

/** Length of the sequence a lead byte starts (0 for a byte that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Index where an incomplete trailing sequence starts, or `data.length` if the data ends on a
 * boundary. Anything malformed is left in the body for `isUtf8` to reject.
 */
function incompleteTailStart(data: Uint8Array): number {
  const end = data.length;
  const limit = Math.max(0, end - 3);
  for (let i = end - 1; i >= limit; i--) {
    const byte = data[i];
    if ((byte & 0xc0) === 0x80) continue;
    const length = sequenceLength(byte);
    return length > 1 && i + length > end ? i : end;
  }
  return end;
}

/** Whether the first `length` bytes of `bytes` can begin a valid UTF-8 sequence. */
function isValidPrefix(bytes: Uint8Array, length: number): boolean {
  const lead = bytes[0];
  if (sequenceLength(lead) < length || sequenceLength(lead) === 0) return false;
  for (let i = 1; i < length; i++) {
    const byte = bytes[i];
    const [low, high] = i === 1 ? secondByteRange(lead) : [0x80, 0xbf];
    if (byte < low || byte > high) return false;
  }
  return true;
}

/** The range of the second byte, narrowed for overlongs, surrogates and code points > U+10FFFF. */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}
