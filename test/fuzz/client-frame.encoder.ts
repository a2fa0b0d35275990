import type { SeededRandom } from './seeded-random.js';

/** A client frame to encode, with every field a fuzzer may want to get wrong. */
export interface ClientFrameSpec {
  fin: boolean;
  /** RSV1..3 as bits 0b100, 0b010, 0b001. */
  rsv: number;
  opcode: number;
  payload: Buffer;
  /** Mask the payload (clients must). */
  masked: boolean;
  /** The length written in the header, when it lies about the payload. */
  declaredLength?: number;
  /** Force the 16- or 64-bit length form even for short payloads (legal). */
  lengthForm?: 7 | 16 | 64;
}

/** Encodes a client frame; the mask key comes from `rng` so cases reproduce. */
export function encodeClientFrame(rng: SeededRandom, spec: ClientFrameSpec): Buffer {
  const length = spec.declaredLength ?? spec.payload.length;
  const b0 = (spec.fin ? 0x80 : 0) | ((spec.rsv & 0x7) << 4) | (spec.opcode & 0x0f);
  const maskBit = spec.masked ? 0x80 : 0;
  const form = spec.lengthForm ?? (length < 126 ? 7 : length < 0x10000 ? 16 : 64);
  let head: Buffer;
  if (form === 7 && length < 126) {
    head = Buffer.from([b0, maskBit | length]);
  } else if (form !== 64 && length < 0x10000) {
    head = Buffer.from([b0, maskBit | 126, length >> 8, length & 0xff]);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!spec.masked) return Buffer.concat([head, spec.payload]);
  const key = rng.bytes(4);
  const masked = Buffer.allocUnsafe(spec.payload.length);
  for (let i = 0; i < masked.length; i++) masked[i] = spec.payload[i] ^ key[i & 3];
  return Buffer.concat([head, key, masked]);
}

/** A close frame payload: code and reason (no code: empty). */
export function closePayload(code: number | undefined, reason: Buffer = Buffer.alloc(0)): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const payload = Buffer.alloc(2 + reason.length);
  payload.writeUInt16BE(code, 0);
  reason.copy(payload, 2);
  return payload;
}
