import { encodeFrame, encodeServerFrame } from '../protocol/frame-encoder.js';
import { WEBSOCKET_OPCODE_CONTINUATION } from '../protocol/opcode.constants.js';
import { deflateMessage } from '../protocol/permessage-deflate.util.js';
import type { WsConnection } from './ws-connection.js';

/** What a broadcast needs of a connection. */
export type BroadcastTarget = Pick<WsConnection, 'codec' | 'send' | 'sendEncoded'>;

/** Frame buffers ready to write, and their total length. */
interface EncodedFrame {
  buffers: Buffer[];
  length: number;
}

/**
 * Encodes one broadcast message as few times as possible: once uncompressed for every
 * connection without permessage-deflate, once compressed (per window size) for every connection
 * that keeps no compression context, and only for connections with a context of their own, once
 * each with that context.
 */
export class BroadcastEncoder {
  private plain: EncodedFrame | null = null;
  private readonly compressedByWindow = new Map<number, EncodedFrame>();

  constructor(
    private readonly opcode: number,
    private readonly payload: Buffer,
    private readonly fin: boolean,
    private readonly compress: boolean,
  ) {}

  /** Writes the message to one connection; false when it could not take it. */
  deliver(connection: BroadcastTarget): boolean {
    const codec = connection.codec;
    // Only a whole message is compressed: RSV1 on a continuation frame is a protocol error.
    if (
      !this.compress ||
      !this.fin ||
      this.opcode === WEBSOCKET_OPCODE_CONTINUATION ||
      codec === null
    ) {
      const plain = (this.plain ??= encoded(
        encodeServerFrame(this.opcode, this.payload, { fin: this.fin }),
      ));
      return connection.sendEncoded(plain.buffers, plain.length);
    }
    if (!codec.stateless) return connection.send(this.opcode, this.payload, true, true);
    const bits = codec.params.serverMaxWindowBits;
    let shared = this.compressedByWindow.get(bits);
    if (shared === undefined) {
      shared = encoded([
        encodeFrame(this.opcode, deflateMessage(this.payload, bits), { rsv1: true }),
      ]);
      this.compressedByWindow.set(bits, shared);
    }
    return connection.sendEncoded(shared.buffers, shared.length);
  }
}

function encoded(buffers: Buffer[]): EncodedFrame {
  return { buffers, length: buffers.reduce((sum, buffer) => sum + buffer.length, 0) };
}
