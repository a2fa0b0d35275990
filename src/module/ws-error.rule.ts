/**
 * The rule for a handler error that no exception filter handled.
 *
 * - An HTTP exception (`HttpException` and its kin: a failed guard's `ForbiddenException`, a
 *   `ValidationPipe`'s `BadRequestException`, invalid JSON) is the client's fault: in a
 *   `message` handler it is answered to the sender as a text message
 *   `{"event":"error","status":403,"message":"Forbidden resource"}` and the connection stays
 *   open; in an HTTP or handshake handler it becomes that HTTP status.
 * - Anything else is a server fault: it is logged with its stack; a `message` or `open` handler's
 *   connection is closed with 1011 (internal error), an HTTP or handshake handler answers 500.
 * - Errors in `close` and `disconnect` handlers are only logged.
 *
 * Nothing a handler throws reaches the process.
 */
export interface WsClientError {
  status: number;
  message: unknown;
}

/** The status and message of an HTTP-like exception, or null for any other error. */
export function clientErrorOf(error: unknown): WsClientError | null {
  if (error === null || typeof error !== 'object') return null;
  const candidate = error as { getStatus?: unknown; getResponse?: unknown; message?: unknown };
  if (typeof candidate.getStatus !== 'function') return null;
  const status = Number((candidate.getStatus as () => unknown).call(error));
  const response =
    typeof candidate.getResponse === 'function'
      ? (candidate.getResponse as () => unknown).call(error)
      : undefined;
  const message =
    response !== null && typeof response === 'object' && 'message' in response
      ? (response as { message: unknown }).message
      : (response ?? candidate.message);
  return { status: Number.isInteger(status) ? status : 500, message };
}

/** The text pushed to a client for a client error in a `message` handler. */
export function errorReply(error: WsClientError): string {
  return JSON.stringify({ event: 'error', status: error.status, message: error.message });
}
