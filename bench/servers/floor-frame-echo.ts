/**
 * The floor's whole WebSocket engine: echo every complete client frame of one read into one
 * output buffer (unmasking on the way), so one read costs one write. No validation, no UTF-8
 * check, no message assembly: the least work an echo can do, as a lower bound for the others.
 */
import { isBroadcast } from './broadcast-prefix.js';

const OPCODE_TEXT = 1;
const OPCODE_CLOSE = 8;
const OPCODE_PING = 9;
const OPCODE_PONG = 10;
/** From this payload size on, unmasking in place and a two-piece write beat copying. */
const LARGE_PAYLOAD = 1024;

/** What the connection must do with the frames of one read. */
export interface EchoSink {
  /** Writes the pieces in one system call (cork/uncork: writev). */
  write(pieces: Buffer[]): void;
  broadcast(frame: Buffer): void;
  end(pieces: Buffer[]): void;
}

interface FrameHeader {
  fin: boolean;
  opcode: number;
  headerLength: number;
  payloadLength: number;
}

function readHeader(data: Buffer, offset: number): FrameHeader | null {
  const available = data.length - offset;
  if (available < 2) return null;
  const length7 = data[offset + 1] & 127;
  let headerLength = 6;
  let payloadLength = length7;
  if (length7 === 126) {
    if (available < 4) return null;
    payloadLength = (data[offset + 2] << 8) | data[offset + 3];
    headerLength = 8;
  } else if (length7 === 127) {
    if (available < 10) return null;
    payloadLength = data.readUInt32BE(offset + 2) * 2 ** 32 + data.readUInt32BE(offset + 6);
    headerLength = 14;
  }
  if (available < headerLength + payloadLength) return null;
  const first = data[offset];
  return { fin: (first & 0x80) !== 0, opcode: first & 15, headerLength, payloadLength };
}

/** Writes a server frame header at `at`; returns its length. */
function writeHeader(
  out: Buffer,
  at: number,
  fin: boolean,
  opcode: number,
  length: number,
): number {
  out[at] = (fin ? 0x80 : 0) | opcode;
  if (length < 126) {
    out[at + 1] = length;
    return 2;
  }
  if (length < 65536) {
    out[at + 1] = 126;
    out[at + 2] = length >> 8;
    out[at + 3] = length & 255;
    return 4;
  }
  out[at + 1] = 127;
  out.writeUInt32BE(Math.floor(length / 2 ** 32), at + 2);
  out.writeUInt32BE(length >>> 0, at + 6);
  return 10;
}

/** Copies `length` masked bytes from `src` to `out`, unmasking them (small payloads). */
function unmaskInto(out: Buffer, at: number, src: Buffer, from: number, length: number): void {
  const mask = from - 4;
  for (let i = 0; i < length; i++) out[at + i] = src[from + i] ^ src[mask + (i & 3)];
}

/** Unmasks a large payload where it lies, 32 bits at a time on the aligned middle: no copy. */
function unmaskInPlace(data: Buffer, from: number, length: number): void {
  const mask = from - 4;
  const key = [data[mask], data[mask + 1], data[mask + 2], data[mask + 3]];
  const head = Math.min(length, (4 - ((data.byteOffset + from) & 3)) & 3);
  for (let i = 0; i < head; i++) data[from + i] ^= key[i & 3];
  const words = (length - head) >>> 2;
  const m = (i: number): number => key[(head + i) & 3];
  const word = (m(0) | (m(1) << 8) | (m(2) << 16) | (m(3) << 24)) >>> 0;
  const view = new Uint32Array(data.buffer, data.byteOffset + from + head, words);
  for (let i = 0; i < words; i++) view[i] ^= word;
  for (let i = head + words * 4; i < length; i++) data[from + i] ^= key[i & 3];
}

/** Cheap pre-check on the masked bytes: only text starting with 'b' can be a broadcast. */
function startsWithB(data: Buffer, payloadAt: number, payloadLength: number): boolean {
  return payloadLength > 0 && (data[payloadAt] ^ data[payloadAt - 4]) === 0x62;
}

/** A whole server frame (header + unmasked payload) in its own buffer, for a broadcast. */
function unmaskedFrame(
  data: Buffer,
  payloadAt: number,
  payloadLength: number,
  fin: boolean,
  opcode: number,
): Buffer {
  const frame = Buffer.allocUnsafe(payloadLength + 10);
  const headerLength = writeHeader(frame, 0, fin, opcode, payloadLength);
  unmaskInto(frame, headerLength, data, payloadAt, payloadLength);
  return frame.subarray(0, headerLength + payloadLength);
}

/**
 * Echoes every complete frame in `data` through `sink`; returns the offset of the first
 * incomplete frame (the caller keeps those bytes for the next read). Small payloads are copied
 * unmasked behind their new header into one buffer; large ones are unmasked in place and sent
 * as [header, payload slice]. The sink writes all pieces of one read in one writev.
 */
export function echoFrames(data: Buffer, sink: EchoSink): number {
  const pieces: Buffer[] = [];
  // Server frames are 4 bytes shorter than the client frames (no mask key): data.length fits all.
  const out = Buffer.allocUnsafe(data.length);
  let used = 0;
  let flushedUpTo = 0;
  let offset = 0;
  const takeSmallOutput = (): void => {
    if (used > flushedUpTo) pieces.push(out.subarray(flushedUpTo, used));
    flushedUpTo = used;
  };
  for (let header = readHeader(data, 0); header; header = readHeader(data, offset)) {
    const { fin, opcode, headerLength, payloadLength } = header;
    const payloadAt = offset + headerLength;
    offset = payloadAt + payloadLength;
    if (opcode === OPCODE_PONG) continue;
    const replyOpcode = opcode === OPCODE_PING ? OPCODE_PONG : opcode;
    if (opcode === OPCODE_TEXT && startsWithB(data, payloadAt, payloadLength)) {
      const frame = unmaskedFrame(data, payloadAt, payloadLength, fin, opcode);
      if (isBroadcast(frame.subarray(frame.length - payloadLength), true)) {
        // Keep the sender's order: its earlier echoes leave first, then the broadcast.
        takeSmallOutput();
        if (pieces.length > 0) sink.write(pieces.splice(0));
        sink.broadcast(frame);
        continue;
      }
    }
    used += writeHeader(out, used, fin, replyOpcode, payloadLength);
    if (payloadLength < LARGE_PAYLOAD) {
      unmaskInto(out, used, data, payloadAt, payloadLength);
      used += payloadLength;
    } else {
      takeSmallOutput();
      unmaskInPlace(data, payloadAt, payloadLength);
      pieces.push(data.subarray(payloadAt, offset));
    }
    if (opcode === OPCODE_CLOSE) {
      takeSmallOutput();
      sink.end(pieces);
      return data.length;
    }
  }
  takeSmallOutput();
  if (pieces.length > 0) sink.write(pieces);
  return offset;
}
