import { randomFillSync } from 'node:crypto';
import { applyMask } from './mask.util.js';

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
  if (maskPoolOffset + 4 > MASK_POOL_SIZE) {
    maskPool = randomFillSync(Buffer.allocUnsafe(MASK_POOL_SIZE));
    maskPoolOffset = 0;
  }
  const mask = maskPool.subarray(maskPoolOffset, maskPoolOffset + 4);
  maskPoolOffset += 4;
  return mask;
}

/** The size of a header for this payload length, with or without a masking key. */
export function frameHeaderSize(payloadLength: number, masked: boolean): number {
  const lengthBytes = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  return 2 + lengthBytes + (masked ? 4 : 0);
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
  options: FrameHeaderOptions = {},
): number {
  let b0 = opcode & 0x0f;
  if (options.fin !== false) b0 |= 0x80;
  if (options.rsv1) b0 |= 0x40;
  if (options.rsv2) b0 |= 0x20;
  if (options.rsv3) b0 |= 0x10;
  const maskBit = options.mask ? 0x80 : 0;
  target[offset] = b0;
  let at = offset + 2;
  if (payloadLength < 126) {
    target[offset + 1] = maskBit | payloadLength;
  } else if (payloadLength <= 0xffff) {
    target[offset + 1] = maskBit | 126;
    target.writeUInt16BE(payloadLength, at);
    at += 2;
  } else {
    target[offset + 1] = maskBit | 127;
    target.writeUInt32BE(Math.floor(payloadLength / 0x100000000), at);
    target.writeUInt32BE(payloadLength >>> 0, at + 4);
    at += 8;
  }
  if (options.mask) {
    target.set(options.mask.subarray(0, 4), at);
    at += 4;
  }
  return at;
}

/** A frame header on its own, for writing ahead of a payload that is not copied. */
export function encodeFrameHeader(
  opcode: number,
  payloadLength: number,
  options: FrameHeaderOptions = {},
): Buffer {
  const header = Buffer.allocUnsafe(frameHeaderSize(payloadLength, options.mask !== undefined));
  writeFrameHeader(header, 0, opcode, payloadLength, options);
  return header;
}

/**
 * A frame as one buffer: header and payload together. A masked frame gets a masked copy of the
 * payload; the caller's buffer is never modified.
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  options: FrameHeaderOptions = {},
): Buffer {
  const headerSize = frameHeaderSize(payload.length, options.mask !== undefined);
  const frame = Buffer.allocUnsafe(headerSize + payload.length);
  writeFrameHeader(frame, 0, opcode, payload.length, options);
  frame.set(payload, headerSize);
  if (options.mask) applyMask(frame.subarray(headerSize), options.mask);
  return frame;
}

/**
 * A server frame (unmasked) as the buffers to write: one buffer for small payloads, else the
 * header and the caller's payload untouched, so a large send copies nothing.
 */
export function encodeServerFrame(
  opcode: number,
  payload: Buffer,
  options: Omit<FrameHeaderOptions, 'mask'> = {},
): Buffer[] {
  if (payload.length <= SMALL_FRAME_LIMIT) return [encodeFrame(opcode, payload, options)];
  return [encodeFrameHeader(opcode, payload.length, options), payload];
}

/** A client frame, masked with a fresh random key (RFC 6455 section 5.3). */
export function encodeClientFrame(
  opcode: number,
  payload: Uint8Array,
  options: Omit<FrameHeaderOptions, 'mask'> = {},
): Buffer {
  return encodeFrame(opcode, payload, { ...options, mask: randomMask() });
}

/** The payload of a close frame: a 2-byte code and a UTF-8 reason, or nothing without a code. */
export function encodeClosePayload(code?: number, reason = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const reasonLength = Buffer.byteLength(reason);
  const payload = Buffer.allocUnsafe(2 + reasonLength);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return payload;
}
