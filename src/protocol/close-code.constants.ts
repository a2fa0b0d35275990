/**
 * Close status codes (RFC 6455 section 7.4.1), under the names Swoole gives them.
 */
export const WEBSOCKET_CLOSE_NORMAL = 1000;
export const WEBSOCKET_CLOSE_GOING_AWAY = 1001;
export const WEBSOCKET_CLOSE_PROTOCOL_ERROR = 1002;
export const WEBSOCKET_CLOSE_DATA_ERROR = 1003;
/** Reserved: "no status code was present"; never sent on the wire. */
export const WEBSOCKET_CLOSE_STATUS_ERROR = 1005;
/** Reserved: "closed without a close frame"; never sent on the wire. */
export const WEBSOCKET_CLOSE_ABNORMAL = 1006;
export const WEBSOCKET_CLOSE_MESSAGE_ERROR = 1007;
export const WEBSOCKET_CLOSE_POLICY_ERROR = 1008;
export const WEBSOCKET_CLOSE_MESSAGE_TOO_BIG = 1009;
export const WEBSOCKET_CLOSE_EXTENSION_MISSING = 1010;
export const WEBSOCKET_CLOSE_SERVER_ERROR = 1011;
/** Reserved: "TLS handshake failed"; never sent on the wire. */
export const WEBSOCKET_CLOSE_TLS = 1015;

/** The codes above as a typed enum. */
export enum WebSocketCloseCode {
  Normal = WEBSOCKET_CLOSE_NORMAL,
  GoingAway = WEBSOCKET_CLOSE_GOING_AWAY,
  ProtocolError = WEBSOCKET_CLOSE_PROTOCOL_ERROR,
  DataError = WEBSOCKET_CLOSE_DATA_ERROR,
  StatusError = WEBSOCKET_CLOSE_STATUS_ERROR,
  Abnormal = WEBSOCKET_CLOSE_ABNORMAL,
  MessageError = WEBSOCKET_CLOSE_MESSAGE_ERROR,
  PolicyError = WEBSOCKET_CLOSE_POLICY_ERROR,
  MessageTooBig = WEBSOCKET_CLOSE_MESSAGE_TOO_BIG,
  ExtensionMissing = WEBSOCKET_CLOSE_EXTENSION_MISSING,
  ServerError = WEBSOCKET_CLOSE_SERVER_ERROR,
  Tls = WEBSOCKET_CLOSE_TLS,
}

/**
 * Whether a code may appear in a close frame on the wire: the codes RFC 6455 and the IANA
 * registry define for use (1000-1003, 1007-1014) and the ranges left to libraries and
 * applications (3000-4999). 1004-1006 and 1015 are reserved and never sent.
 */
export function isValidWireCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

/**
 * Whether an application may close with this code through `disconnect()`, as Swoole allows:
 * 1000 (normal) or an application code 4000-4999.
 */
export function isApplicationCloseCode(code: number): boolean {
  return (
    code === WEBSOCKET_CLOSE_NORMAL || (Number.isInteger(code) && code >= 4000 && code <= 4999)
  );
}
