/** One frame read from a buffer, its payload already unmasked. */
export interface DecodedFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
  /** Bytes of the input the frame used. */
  length: number;
}

/**
 * Reads exactly one frame from the start of `data`, masked or not, without the checks of a
 * connection (that is the parser's job). Returns null when `data` does not hold a whole frame.
 * The input is not modified.
 */
export function decodeFrame(data: Buffer): DecodedFrame | null {
  if (data.length < 2) return null;
  const b0 = data[0];
  const b1 = data[1];
  const masked = (b1 & 0x80) !== 0;
  let length = b1 & 0x7f;
  let at = 2;
  if (length === 126) {
    if (data.length < 4) return null;
    length = data.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (data.length < 10) return null;
    const high = data.readUInt32BE(2);
    if (high >= 0x200000) return null;
    length = high * 0x100000000 + data.readUInt32BE(6);
    at = 10;
  }
  const maskAt = at;
  if (masked) at += 4;
  if (data.length < at + length) return null;
  const payload = Buffer.from(data.subarray(at, at + length));
  if (masked) for (let i = 0; i < length; i++) payload[i] ^= data[maskAt + (i & 3)];
  return {
    fin: (b0 & 0x80) !== 0,
    rsv1: (b0 & 0x40) !== 0,
    rsv2: (b0 & 0x20) !== 0,
    rsv3: (b0 & 0x10) !== 0,
    opcode: b0 & 0x0f,
    masked,
    payload,
    length: at + length,
  };
}
