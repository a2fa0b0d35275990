import { isUtf8 } from 'node:buffer';
import {
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_TEXT,
} from '../protocol/opcode.constants.js';
import { Utf8Validator } from '../protocol/utf8-validator.js';

const EMPTY = Buffer.alloc(0);

/**
 * The message the client is sending in fragments, so that every data frame it pushes keeps the
 * stream valid (RFC 6455 section 5.4): a continuation only inside a message, no new message
 * before the last one got its final frame, and text that stays valid UTF-8 across fragments
 * (section 8.1). `check` looks without changing anything; `commit` records a frame once sent.
 */
export class OutgoingFragments {
  /** The opcode of the message in progress; 0 when none is. */
  private opcode = 0;
  /** The bytes of a code point cut at the end of the last text fragment (at most 3). */
  private textTail: Buffer = EMPTY;

  /** Whether a fragmented message is in progress. */
  get inProgress(): boolean {
    return this.opcode !== 0;
  }

  /**
   * Whether a data frame may be sent now. `fromString`: the payload was a string, so as a
   * whole message it is valid UTF-8 by construction.
   */
  check(opcode: number, payload: Buffer, fin: boolean, fromString: boolean): boolean {
    const continuing = opcode === WEBSOCKET_OPCODE_CONTINUATION;
    if (continuing !== this.inProgress) return false;
    const messageOpcode = continuing ? this.opcode : opcode;
    if (messageOpcode !== WEBSOCKET_OPCODE_TEXT) return true;
    if (!continuing && fin) return fromString || isUtf8(payload);
    // A fresh validator fed the cut code point and this piece: checks without touching state.
    const validator = new Utf8Validator();
    return validator.write(this.joinTail(payload)) && (!fin || validator.end());
  }

  /** Records a data frame that was sent. */
  commit(opcode: number, payload: Buffer, fin: boolean): void {
    if (fin) {
      this.opcode = 0;
      this.textTail = EMPTY;
      return;
    }
    if (opcode !== WEBSOCKET_OPCODE_CONTINUATION) this.opcode = opcode;
    if (this.opcode === WEBSOCKET_OPCODE_TEXT)
      this.textTail = incompleteTail(this.joinTail(payload));
  }

  private joinTail(payload: Buffer): Buffer {
    return this.textTail.length === 0 ? payload : Buffer.concat([this.textTail, payload]);
  }
}

/** The bytes of a code point begun but not finished at the end of valid UTF-8 `data`. */
function incompleteTail(data: Buffer): Buffer {
  for (let i = data.length - 1; i >= Math.max(0, data.length - 3); i--) {
    const byte = data[i];
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + length > data.length ? Buffer.from(data.subarray(i)) : EMPTY;
  }
  return EMPTY;
}
