import type { Frame } from '../protocol/frame.js';
import type { WsRequest } from './ws-request.js';
import type { WsResponse } from './ws-response.js';

/**
 * Swoole's server events, with Swoole's callback arguments minus the server (use the
 * `WsServer` instance instead). A handler may return a Promise; the runtime catches and logs
 * what it throws or rejects with.
 */
export interface WsServerEventHandlers {
  /** Replaces the built-in handshake: set 101 and `end()` the response, or the handshake fails. */
  handshake: (request: WsRequest, response: WsResponse) => unknown;
  /** Adds headers to the built-in handshake's 101 response. */
  beforeHandshakeResponse: (request: WsRequest, response: WsResponse) => unknown;
  /** A WebSocket connection is open (built-in handshake only). */
  open: (request: WsRequest) => unknown;
  /** A message (or a ping/pong/close frame when the matching `open_websocket_*_frame` is on). */
  message: (frame: Frame) => unknown;
  /** A WebSocket connection closed. */
  close: (fd: number) => unknown;
  /** A plain HTTP request on the same port. Without a handler, plain requests get 400. */
  request: (request: WsRequest, response: WsResponse) => unknown;
  /** A connection that never became a WebSocket closed. */
  disconnect: (fd: number) => unknown;
}

/** The event names. */
export type WsServerEvent = keyof WsServerEventHandlers;

/** A refusal of an upgrade before the handshake: the HTTP status, a reason and headers. */
export interface UpgradeRefusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
}

/**
 * Runs before the handshake of every upgrade request (after the RFC checks). Resolving to a
 * refusal answers it instead of upgrading: the module uses it for path routing (404) and guards
 * (401/403).
 */
export type UpgradeGuard = (
  request: WsRequest,
) => UpgradeRefusal | null | Promise<UpgradeRefusal | null>;
