import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ClientDeflateParams } from './deflate-agreement.js';

/** The empty stored block that ends every compressed message (RFC 7692 section 7.2.1). */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** zlib's raw deflate cannot keep its references within an 8-bit window. */
const SMALLEST_ZLIB_DEFLATE_WINDOW = 9;

/** zlib's smallest output chunk; see `decompress`. */
const STRICT_CHUNK = 64;

/**
 * The client's permessage-deflate (RFC 7692 section 7.2) for one connection, on `node:zlib`.
 *
 * Context takeover without a long-lived zlib stream: after a sync flush a message ends on a
 * block boundary, so what the next one may refer to is exactly the last 2^windowBits bytes of
 * the uncompressed history. Each message is therefore (de)compressed on its own with that
 * history as a preset dictionary, synchronously, which keeps the session's receive path
 * synchronous and makes the window the peer may use explicit.
 *
 * - `compress` honours our agreed window and context takeover. zlib cannot deflate within an
 *   8-bit window (it silently uses 9), so with `client_max_window_bits=8` messages go out as
 *   stored blocks, valid DEFLATE with no back-references at all.
 * - `decompress` inflates with exactly the server's agreed window, and with an empty history
 *   under `server_no_context_takeover`, so a server that refers further back than agreed fails
 *   with "invalid distance too far back". zlib checks distances only against its window, not
 *   against the output of the current call, so with a window below 15 the output comes in
 *   64-byte chunks: a reference more than 64 bytes beyond the window is caught.
 */
export class ClientDeflate {
  private sent: Buffer = Buffer.alloc(0);
  private received: Buffer = Buffer.alloc(0);

  constructor(readonly params: ClientDeflateParams) {}

  /** One whole message, compressed, without the trailing `00 00 ff ff`. */
  compress(data: Buffer): Buffer {
    const windowBits = this.params.clientMaxWindowBits;
    const dictionary = this.params.clientNoContextTakeover ? undefined : this.sent;
    const stored = windowBits < SMALLEST_ZLIB_DEFLATE_WINDOW;
    const output = deflateRawSync(data, {
      finishFlush: constants.Z_SYNC_FLUSH,
      windowBits: Math.max(windowBits, SMALLEST_ZLIB_DEFLATE_WINDOW),
      level: stored ? 0 : constants.Z_DEFAULT_COMPRESSION,
      dictionary: stored ? undefined : window(dictionary, windowBits),
    });
    this.sent = history(this.sent, data);
    return endsWithTail(output) ? output.subarray(0, output.length - TAIL.length) : output;
  }

  /** One whole compressed message from the server; throws when it does not inflate. */
  decompress(data: Buffer): Buffer {
    const windowBits = this.params.serverMaxWindowBits;
    const dictionary = this.params.serverNoContextTakeover ? undefined : this.received;
    const output = inflateRawSync(Buffer.concat([data, TAIL]), {
      finishFlush: constants.Z_SYNC_FLUSH,
      windowBits,
      dictionary: window(dictionary, windowBits),
      chunkSize: windowBits < 15 ? STRICT_CHUNK : undefined,
    });
    this.received = history(this.received, output);
    return output;
  }
}

/** The last 2^bits bytes of a history, or nothing when it is empty. */
function window(history: Buffer | undefined, bits: number): Buffer | undefined {
  if (history === undefined || history.length === 0) return undefined;
  return history.subarray(Math.max(0, history.length - (1 << bits)));
}

/** The history with `data` appended, keeping the largest window's worth (32 KiB). */
function history(previous: Buffer, data: Buffer): Buffer {
  const joined = Buffer.concat([previous, data]);
  return joined.length > 1 << 15 ? Buffer.from(joined.subarray(joined.length - (1 << 15))) : joined;
}

function endsWithTail(data: Buffer): boolean {
  return data.length >= TAIL.length && data.subarray(data.length - TAIL.length).equals(TAIL);
}
