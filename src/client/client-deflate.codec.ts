import { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import type { DeflateParams } from '../protocol/permessage-deflate.negotiator.js';

/** zlib's raw deflate cannot keep its back-references within an 8-bit window. */
const SMALLEST_DEFLATE_WINDOW = 9;

/**
 * The permessage-deflate codec for the client's end of a connection. The codec is written
 * from the server's side: it compresses with the `server_*` parameters and inflates what the
 * `client_*` ones govern. The client is the mirror image, so the agreed parameters are handed
 * to it swapped: we compress under `client_no_context_takeover` / `client_max_window_bits`,
 * and may drop our inflater between messages under `server_no_context_takeover`.
 */
export function createClientDeflateCodec(
  agreed: DeflateParams,
  maxPayload: number,
): PerMessageDeflateCodec {
  return new PerMessageDeflateCodec(
    {
      serverNoContextTakeover: agreed.clientNoContextTakeover,
      clientNoContextTakeover: agreed.serverNoContextTakeover,
      serverMaxWindowBits: Math.max(SMALLEST_DEFLATE_WINDOW, agreed.clientMaxWindowBits),
      clientMaxWindowBits: agreed.serverMaxWindowBits,
    },
    maxPayload,
  );
}

/**
 * Whether the client may compress at all. With `client_max_window_bits=8` agreed it may not:
 * zlib would use a 9-bit window, which the server need not be able to inflate. Sending every
 * message uncompressed is always allowed (RFC 7692 section 6: RSV1 marks compressed messages).
 */
export function clientCanCompress(agreed: DeflateParams): boolean {
  return agreed.clientMaxWindowBits >= SMALLEST_DEFLATE_WINDOW;
}
