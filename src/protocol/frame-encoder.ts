import { randomFillSync } from 'node:crypto';
import { applyMaskAt } from './mask.util.js';

/** How a frame header is built. */
export interface FrameHeaderOptions {
  /** The final fragment of a message. Default true. */
  fin?: boolean;
  /** RSV1 (permessage-deflate's "compressed" bit). Default false. */
  rsv1?: boolean;
  /** RSV2 and RSV3, for extensions that use them. Default false. */
  rsv2?: boolean;
  rsv3?: boolean;
  /** A 4-byte masking key: client frames are masked, server frames are not. */
  mask?: Uint8Array;
}

/** Payloads up to this size are copied next to their header: one buffer beats two writes. */
export const SMALL_FRAME_LIMIT = 1024;

const MASK_POOL_SIZE = 8 * 1024;
let maskPool = Buffer.alloc(0);
let maskPoolOffset = MASK_POOL_SIZE;

/** A fresh random 4-byte masking key, taken from a pool refilled from the system CSPRNG. */
export function randomMask(): Buffer {
  if (maskPoolOffset + 4 > MASK_POOL_SIZE) refillMaskPool();
  const mask = maskPool.subarray(maskPoolOffset, maskPoolOffset + 4);
  maskPoolOffset += 4;
  return mask;
}

function refillMaskPool(): void {
  maskPool = randomFillSync(Buffer.allocUnsafe(MASK_POOL_SIZE));
  maskPoolOffset = 0;
}

/** The size of a header for this payload length, with or without a masking key. */
export function frameHeaderSize(payloadLength: number, masked: boolean): number {
  const lengthBytes = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  return 2 + lengthBytes + (masked ? 4 : 0);
}

/** Byte 0 of a header: FIN, RSV1-3 and the opcode. */
function firstByte(opcode: number, options: FrameHeaderOptions | undefined): number {
  let b0 = opcode & 0x0f;
  if (options === undefined) return b0 | 0x80;
  if (options.fin !== false) b0 |= 0x80;
  if (options.rsv1) b0 |= 0x40;
  if (options.rsv2) b0 |= 0x20;
  if (options.rsv3) b0 |= 0x10;
  return b0;
}

/**
 * Writes byte 1 (mask bit and 7-bit length) and any extended length at `offset + 1` of `target`,
 * byte by byte, and returns the offset just past them.
 */
function writeLength(
  target: Buffer,
  offset: number,
  payloadLength: number,
  maskBit: number,
): number {
  if (payloadLength < 126) {
    target[offset + 1] = maskBit | payloadLength;
    return offset + 2;
  }
  if (payloadLength <= 0xffff) {
    target[offset + 1] = maskBit | 126;
    target[offset + 2] = payloadLength >>> 8;
    target[offset + 3] = payloadLength & 0xff;
    return offset + 4;
  }
  target[offset + 1] = maskBit | 127;
  const high = Math.floor(payloadLength / 0x100000000);
  const low = payloadLength >>> 0;
  target[offset + 2] = high >>> 24;
  target[offset + 3] = (high >>> 16) & 0xff;
  target[offset + 4] = (high >>> 8) & 0xff;
  target[offset + 5] = high & 0xff;
  target[offset + 6] = low >>> 24;
  target[offset + 7] = (low >>> 16) & 0xff;
  target[offset + 8] = (low >>> 8) & 0xff;
  target[offset + 9] = low & 0xff;
  return offset + 10;
}

/**
 * Writes a frame header (RFC 6455 section 5.2) at `offset` of `target`, which must have room for
 * `frameHeaderSize()` bytes, and returns the offset just past it. 7-, 16- and 64-bit lengths
 * are chosen by size.
 */
export function writeFrameHeader(
  target: Buffer,
  offset: number,
  opcode: number,
  payloadLength: number,
  options?: FrameHeaderOptions,
): number {
  const mask = options?.mask;
  target[offset] = firstByte(opcode, options);
  const at = writeLength(target, offset, payloadLength, mask ? 0x80 : 0);
  if (!mask) return at;
  target[at] = mask[0];
  target[at + 1] = mask[1];
  target[at + 2] = mask[2];
  target[at + 3] = mask[3];
  return at + 4;
}

/** A frame header on its own, for writing ahead of a payload that is not copied. */
export function encodeFrameHeader(
  opcode: number,
  payloadLength: number,
  options?: FrameHeaderOptions,
): Buffer {
  const header = Buffer.allocUnsafe(frameHeaderSize(payloadLength, options?.mask !== undefined));
  writeFrameHeader(header, 0, opcode, payloadLength, options);
  return header;
}

/** Below this size a byte loop copies faster than `TypedArray#set`. */
const BYTE_COPY_LIMIT = 64;

/** Copies `payload` into `target` from `offset`. */
function copyPayload(target: Buffer, offset: number, payload: Uint8Array): void {
  const length = payload.length;
  if (length < BYTE_COPY_LIMIT) {
    for (let i = 0; i < length; i++) target[offset + i] = payload[i];
  } else {
    target.set(payload, offset);
  }
}

/**
 * Copies `payload` into `target` from `offset`, masked with the key at `key[keyStart]` to
 * `key[keyStart + 3]`.
 */
function copyMasked(
  target: Buffer,
  offset: number,
  payload: Uint8Array,
  key: Uint8Array,
  keyStart: number,
): void {
  const length = payload.length;
  if (length >= BYTE_COPY_LIMIT) {
    target.set(payload, offset);
    applyMaskAt(target, offset, length, key, keyStart);
    return;
  }
  const k0 = key[keyStart];
  const k1 = key[keyStart + 1];
  const k2 = key[keyStart + 2];
  const k3 = key[keyStart + 3];
  let i = 0;
  for (; i + 3 < length; i += 4) {
    target[offset + i] = payload[i] ^ k0;
    target[offset + i + 1] = payload[i + 1] ^ k1;
    target[offset + i + 2] = payload[i + 2] ^ k2;
    target[offset + i + 3] = payload[i + 3] ^ k3;
  }
  if (i < length) target[offset + i] = payload[i] ^ k0;
  if (i + 1 < length) target[offset + i + 1] = payload[i + 1] ^ k1;
  if (i + 2 < length) target[offset + i + 2] = payload[i + 2] ^ k2;
}

/**
 * A frame as one buffer: header and payload together. A masked frame gets a masked copy of the
 * payload; the caller's buffer is never modified.
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  options?: FrameHeaderOptions,
): Buffer {
  const mask = options?.mask;
  const headerSize = frameHeaderSize(payload.length, mask !== undefined);
  const frame = Buffer.allocUnsafe(headerSize + payload.length);
  writeFrameHeader(frame, 0, opcode, payload.length, options);
  if (mask) copyMasked(frame, headerSize, payload, mask, 0);
  else copyPayload(frame, headerSize, payload);
  return frame;
}

/**
 * A server frame (unmasked) as the buffers to write: one buffer for small payloads, else the
 * header and the caller's payload untouched, so a large send copies nothing.
 */
export function encodeServerFrame(
  opcode: number,
  payload: Buffer,
  options?: Omit<FrameHeaderOptions, 'mask'>,
): Buffer[] {
  const length = payload.length;
  const headerSize = length < 126 ? 2 : length <= 0xffff ? 4 : 10;
  if (length <= SMALL_FRAME_LIMIT) {
    const frame = Buffer.allocUnsafe(headerSize + length);
    frame[0] = firstByte(opcode, options);
    writeLength(frame, 0, length, 0);
    copyPayload(frame, headerSize, payload);
    return [frame];
  }
  const header = Buffer.allocUnsafe(headerSize);
  header[0] = firstByte(opcode, options);
  writeLength(header, 0, length, 0);
  return [header, payload];
}

/**
 * Writes a whole server frame (header and payload, unmasked) into `target` at `offset`, which
 * must have room for `frameHeaderSize(length, false) + length` bytes, and returns the offset
 * just past it. A string payload is written as UTF-8 (`length` is its byte length). For frames
 * gathered into one buffer per write (see the gateway's `FrameSender`): no allocation per frame.
 */
export function encodeServerFrameInto(
  target: Buffer,
  offset: number,
  opcode: number,
  payload: Buffer | string,
  length: number,
  options?: Omit<FrameHeaderOptions, 'mask'>,
): number {
  target[offset] = firstByte(opcode, options);
  const at = writeLength(target, offset, length, 0);
  if (typeof payload === 'string') target.write(payload, at, length, 'utf8');
  else copyPayload(target, at, payload);
  return at + length;
}

/** A client frame, masked with a fresh random key (RFC 6455 section 5.3). */
export function encodeClientFrame(
  opcode: number,
  payload: Uint8Array,
  options?: Omit<FrameHeaderOptions, 'mask'>,
): Buffer {
  const length = payload.length;
  const headerSize = length < 126 ? 6 : length <= 0xffff ? 8 : 14;
  const frame = Buffer.allocUnsafe(headerSize + length);
  frame[0] = firstByte(opcode, options);
  const at = writeLength(frame, 0, length, 0x80);
  // The key goes from the random pool straight into the header, then masks from there.
  if (maskPoolOffset + 4 > MASK_POOL_SIZE) refillMaskPool();
  const pool = maskPool;
  const key = maskPoolOffset;
  maskPoolOffset = key + 4;
  frame[at] = pool[key];
  frame[at + 1] = pool[key + 1];
  frame[at + 2] = pool[key + 2];
  frame[at + 3] = pool[key + 3];
  copyMasked(frame, headerSize, payload, frame, at);
  return frame;
}
