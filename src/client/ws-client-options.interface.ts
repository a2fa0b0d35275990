import type { ConnectionOptions } from 'node:tls';
import type { DeflateOfferOptions } from '../protocol/permessage-deflate.offer.js';

/**
 * The permessage-deflate offer (RFC 7692). `compression: true` offers the extension with
 * `client_max_window_bits` (no value), as browsers do; an object offers exactly what it says.
 *
 * - `serverNoContextTakeover`: ask the server to compress every message on its own.
 * - `clientNoContextTakeover`: promise to compress every message on our own.
 * - `serverMaxWindowBits` (8-15): the largest window the server may compress with.
 * - `clientMaxWindowBits` (8-15, or `true` for "any"): the largest window we compress with.
 *   zlib cannot compress within an 8-bit window, so when 8 is agreed the client sends every
 *   message uncompressed (which the extension allows).
 */
export type WsClientCompressionOptions = DeflateOfferOptions;

/** TLS options for `wss://` URLs, as `tls.connect()` takes them. */
export type WsClientTlsOptions = Pick<
  ConnectionOptions,
  | 'ca'
  | 'cert'
  | 'key'
  | 'passphrase'
  | 'pfx'
  | 'rejectUnauthorized'
  | 'servername'
  | 'checkServerIdentity'
  | 'ciphers'
  | 'minVersion'
  | 'maxVersion'
>;

/** Options of `WsClient.connect()`. Times are milliseconds, sizes bytes. */
export interface WsClientOptions extends WsClientTlsOptions {
  /** Extra request headers (`Origin`, `Authorization`, cookies...). The WebSocket ones are ours. */
  headers?: Record<string, string | string[]>;
  /** Subprotocols to offer, in order of preference (`Sec-WebSocket-Protocol`). */
  subprotocols?: string | string[];
  /** Offer permessage-deflate. Default false. */
  compression?: boolean | WsClientCompressionOptions;
  /** How long the TCP/TLS connection and the opening handshake may take. Default 10 000. */
  handshakeTimeout?: number;
  /** How long the closing handshake may take before the socket is dropped. Default 5 000. */
  closeTimeout?: number;
  /** The largest message accepted (after inflating); larger ones close with 1009. Default 2 MiB. */
  maxPayload?: number;
  /**
   * The most bytes waiting to be written; `push` returns false when a frame would go past it
   * (an idle connection always takes one frame of up to this size). Default 16 MiB.
   */
  maxOutputBuffer?: number;
  /**
   * Received messages waiting for `recv()`: above this many, the client stops reading the
   * socket (TCP then holds the server back) until the application catches up. Default 1 024.
   */
  maxQueuedMessages?: number;
  /** The same bound in bytes of queued payload. Default 16 MiB. */
  maxQueuedBytes?: number;
}
