/**
 * Connection states, as Swoole reports them in `getClientInfo(fd).websocket_status`.
 */
/** TCP connected, no upgrade request seen yet (or a plain HTTP connection). */
export const WEBSOCKET_STATUS_CONNECTION = 1;
/** Upgrade request received, handshake in progress. */
export const WEBSOCKET_STATUS_HANDSHAKE = 2;
/** Handshake done: frames flow. */
export const WEBSOCKET_STATUS_ACTIVE = 3;
/** A close frame was sent or received; the connection is shutting down. */
export const WEBSOCKET_STATUS_CLOSING = 4;

/** The states above as a typed enum. */
export enum WebSocketStatus {
  Connection = WEBSOCKET_STATUS_CONNECTION,
  Handshake = WEBSOCKET_STATUS_HANDSHAKE,
  Active = WEBSOCKET_STATUS_ACTIVE,
  Closing = WEBSOCKET_STATUS_CLOSING,
}
