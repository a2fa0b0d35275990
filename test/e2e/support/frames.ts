import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The `Sec-WebSocket-Accept` value for a client key (RFC 6455 section 4.2.2). */
export function acceptKeyFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** A fresh valid `Sec-WebSocket-Key`. */
export function newClientKey(): string {
  return randomBytes(16).toString('base64');
}

/** Options of a hand-made client frame. */
export interface ClientFrameOptions {
  fin?: boolean;
  /** Mask the payload (clients must); default true. */
  mask?: boolean;
  rsv1?: boolean;
  /** Override the length written in the header (to lie about the payload size). */
  declaredLength?: number;
}

/** A client frame, masked unless told otherwise, written byte by byte. */
export function clientFrame(
  opcode: number,
  payload: Buffer | string = Buffer.alloc(0),
  options: ClientFrameOptions = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const { fin = true, mask = true, rsv1 = false } = options;
  const length = options.declaredLength ?? data.length;
  const head: number[] = [(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) {
    head.push(maskBit | length);
  } else if (length < 0x10000) {
    head.push(maskBit | 126, length >> 8, length & 0xff);
  } else {
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(maskBit | 127, ...big);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** A masked client close frame. */
export function clientCloseFrame(code?: number, reason = ''): Buffer {
  if (code === undefined) return clientFrame(0x8);
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return clientFrame(0x8, payload);
}

/** A server frame as read from the wire. */
export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
  /** For close frames: the code (undefined when the payload is empty) and reason. */
  closeCode?: number;
  closeReason?: string;
}

/** Decodes one server frame at the start of `buffer`: the frame and its size, or null if incomplete. */
export function decodeServerFrame(buffer: Buffer): { frame: ServerFrame; size: number } | null {
  if (buffer.length < 2) return null;
  const fin = (buffer[0] & 0x80) !== 0;
  const rsv = (buffer[0] >> 4) & 0x07;
  const opcode = buffer[0] & 0x0f;
  const masked = (buffer[1] & 0x80) !== 0;
  let length = buffer[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return null;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return null;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskKey = masked ? buffer.subarray(offset, offset + 4) : null;
  if (masked) offset += 4;
  if (buffer.length < offset + length) return null;
  const payload = Buffer.from(buffer.subarray(offset, offset + length));
  if (maskKey) for (let i = 0; i < payload.length; i++) payload[i] ^= maskKey[i & 3];
  const frame: ServerFrame = { fin, rsv, opcode, masked, payload };
  if (opcode === 0x8) {
    frame.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
    frame.closeReason = payload.subarray(2).toString('utf8');
  }
  return { frame, size: offset + length };
}
