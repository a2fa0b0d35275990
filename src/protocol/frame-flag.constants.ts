/**
 * Frame flags, as Swoole passes them to `push()` and `Frame.pack()` and reports them in
 * `Frame.flags`. They are a bit set, not wire bits.
 */
/** The final fragment of a message. */
export const SWOOLE_WEBSOCKET_FLAG_FIN = 1;
/** Compress the payload with permessage-deflate (when the peer negotiated it). */
export const SWOOLE_WEBSOCKET_FLAG_COMPRESS = 2;
/** The RSV1 bit of the frame header (set on compressed messages). */
export const SWOOLE_WEBSOCKET_FLAG_RSV1 = 4;
/** The RSV2 bit of the frame header. */
export const SWOOLE_WEBSOCKET_FLAG_RSV2 = 8;
/** The RSV3 bit of the frame header. */
export const SWOOLE_WEBSOCKET_FLAG_RSV3 = 16;
/** The payload is masked (client-to-server frames). */
export const SWOOLE_WEBSOCKET_FLAG_MASK = 32;

/** The flags above as a typed enum. */
export enum WebSocketFrameFlag {
  Fin = SWOOLE_WEBSOCKET_FLAG_FIN,
  Compress = SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  Rsv1 = SWOOLE_WEBSOCKET_FLAG_RSV1,
  Rsv2 = SWOOLE_WEBSOCKET_FLAG_RSV2,
  Rsv3 = SWOOLE_WEBSOCKET_FLAG_RSV3,
  Mask = SWOOLE_WEBSOCKET_FLAG_MASK,
}

/** The default maximum message size (`package_max_length`): 2 MiB, as in Swoole. */
export const DEFAULT_PACKAGE_MAX_LENGTH = 2 * 1024 * 1024;
