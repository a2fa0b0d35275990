import { isUtf8 } from 'node:buffer';
import { isValidWireCloseCode } from '../../src/protocol/close-code.constants.js';
import type { ServerFrame } from './server-frame-reader.js';

/** RSV1 in `ServerFrame.rsv`: a compressed message (RFC 7692). */
const RSV1 = 4;

/** What the server said, message by message. */
export type ServerEvent =
  /** `compressed`: the first frame had RSV1 (permessage-deflate); `payload` is as received. */
  | { kind: 'message'; opcode: number; payload: Buffer; compressed: boolean }
  | { kind: 'ping'; payload: Buffer }
  | { kind: 'pong'; payload: Buffer }
  /** `code` undefined: the close frame had no payload. */
  | { kind: 'close'; code: number | undefined; reason: Buffer };

/** What the assembler makes of one frame: at most one event, and any RFC 6455 violation. */
export interface AssembledFrame {
  event?: ServerEvent;
  violation?: string;
}

/**
 * Merges the server's fragments into messages and checks its frames against RFC 6455 section 5:
 * unmasked, no RSV bit without an extension, known opcodes, unfragmented control frames of at
 * most 125 bytes, well-formed fragmentation, UTF-8 text, a valid close frame, nothing after it.
 * With permessage-deflate, RSV1 marks a compressed message and is only allowed on a message's
 * first frame (RFC 7692 section 6): never on a continuation or control frame. A compressed text
 * message is checked for UTF-8 by whoever inflates it.
 */
export class MessageAssembler {
  private fragmentOpcode = 0;
  private fragments: Buffer[] = [];
  private compressed = false;
  private closed = false;

  /** `allowedRsv`: the RSV bits a negotiated extension gave meaning to (none without one). */
  constructor(private readonly allowedRsv = 0) {}

  push(frame: ServerFrame): AssembledFrame {
    const violation = this.check(frame);
    if (violation !== null) return { violation };
    const { opcode, payload } = frame;
    if (opcode === 0x8) return this.close(payload);
    if (opcode === 0x9) return { event: { kind: 'ping', payload } };
    if (opcode === 0xa) return { event: { kind: 'pong', payload } };
    if (opcode !== 0) {
      this.fragmentOpcode = opcode;
      this.compressed = (frame.rsv & RSV1) !== 0;
    }
    this.fragments.push(payload);
    if (!frame.fin) return {};
    const message = Buffer.concat(this.fragments);
    const messageOpcode = this.fragmentOpcode;
    const compressed = this.compressed;
    this.fragments = [];
    this.fragmentOpcode = 0;
    if (messageOpcode === 0x1 && !compressed && !isUtf8(message)) {
      return { violation: 'text message from the server is not valid UTF-8' };
    }
    return { event: { kind: 'message', opcode: messageOpcode, payload: message, compressed } };
  }

  private check(frame: ServerFrame): string | null {
    const { opcode } = frame;
    if (this.closed) return `frame (opcode ${opcode}) after the server's close frame`;
    if (frame.masked) return 'server frame is masked';
    if ((frame.rsv & ~this.allowedRsv) !== 0) return `server frame has RSV bits ${frame.rsv}`;
    if ((opcode > 0x2 && opcode < 0x8) || opcode > 0xa)
      return `server used reserved opcode ${opcode}`;
    if ((frame.rsv & RSV1) !== 0 && (opcode === 0 || opcode >= 0x8)) {
      return `server set RSV1 on a ${opcode === 0 ? 'continuation' : 'control'} frame`;
    }
    if (opcode >= 0x8) {
      if (!frame.fin) return 'server fragmented a control frame';
      if (frame.payload.length > 125) return 'server control frame longer than 125 bytes';
      return null;
    }
    if (opcode === 0 && this.fragmentOpcode === 0) return 'server continuation without a message';
    if (opcode !== 0 && this.fragmentOpcode !== 0) return 'server interleaved two data messages';
    return null;
  }

  private close(payload: Buffer): AssembledFrame {
    this.closed = true;
    if (payload.length === 0) return { event: { kind: 'close', code: undefined, reason: payload } };
    if (payload.length === 1) return { violation: 'server close frame with a 1-byte payload' };
    const code = payload.readUInt16BE(0);
    const reason = payload.subarray(2);
    const event: ServerEvent = { kind: 'close', code, reason };
    if (!isValidWireCloseCode(code)) return { event, violation: `server sent close code ${code}` };
    if (!isUtf8(reason)) return { event, violation: 'server close reason is not valid UTF-8' };
    return { event };
  }
}
