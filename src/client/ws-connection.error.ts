/** What went wrong, for code that needs to tell failures apart. */
export type WsConnectionErrorCode =
  /** An option or the URL is invalid; nothing was sent. */
  | 'INVALID_OPTIONS'
  /** The TCP or TLS connection could not be made (refused, unreachable, bad certificate...). */
  | 'CONNECTION_FAILED'
  /** The opening handshake did not finish within `handshakeTimeout`. */
  | 'HANDSHAKE_TIMEOUT'
  /** The server answered with a status other than 101 (see `statusCode`). */
  | 'UNEXPECTED_RESPONSE'
  /** The 101 response breaks RFC 6455 / 7692 (accept key, subprotocol, extensions...). */
  | 'INVALID_HANDSHAKE'
  /** The connection was failed after the handshake: a protocol error (see `closeCode`). */
  | 'PROTOCOL_ERROR'
  /** The socket failed after the handshake (reset by the peer, ...). */
  | 'SOCKET_ERROR';

/**
 * The error `WsClient.connect()` rejects with, and the one a client keeps in `error` when its
 * connection was failed. The message says what happened in words; `code` says it for code.
 */
export class WsConnectionError extends Error {
  override readonly name = 'WsConnectionError';
  /** The HTTP status of a refused handshake (`UNEXPECTED_RESPONSE`). */
  readonly statusCode: number | undefined;
  /** The close code the connection was failed with (`PROTOCOL_ERROR`). */
  readonly closeCode: number | undefined;

  constructor(
    message: string,
    readonly code: WsConnectionErrorCode,
    details: {
      /** The HTTP status of a refused handshake. */
      statusCode?: number;
      /** The close code the client failed the connection with. */
      closeCode?: number;
      /** The underlying error (a socket error, say). */
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.statusCode = details.statusCode;
    this.closeCode = details.closeCode;
  }
}
