import type { WsServerOptions, WsServerSettings } from '../gateway/ws-server-options.interface.js';

/** A received message as a parser gets it: text as a string, binary as a Buffer (as platform-ws). */
export type WsMessageData = string | Buffer;

/** What a parser returns for a message to route: the `@SubscribeMessage` event and its data. */
export interface WsParsedMessage {
  event: string;
  data: unknown;
}

/**
 * Turns a received message into `{ event, data }`, as platform-ws's `messageParser`. Returning
 * nothing drops the message; a throw drops it too (and is logged, for a custom parser).
 */
export type WsMessageParser = (data: WsMessageData) => WsParsedMessage | void | null | undefined;

/** Options of `new SwooleWsAdapter(app, options)`. */
export interface SwooleWsAdapterOptions {
  /**
   * Interface the gateways with a port of their own (`@WebSocketGateway(8080)`) bind to
   * (default `0.0.0.0`). A gateway's own `host` option wins. Gateways on the application's
   * port share the Nest HTTP server and ignore it.
   */
  host?: string;
  /** TLS for gateways with a port of their own: PEM certificate and key. */
  ssl?: WsServerOptions['ssl'];
  /** Swoole's settings, under Swoole's names, as `WsServerModule` takes them. */
  settings?: WsServerSettings;
  /** Scale-out across machines over Redis, as `WsServerModule` (needs `ioredis`). */
  cluster?: WsServerOptions['cluster'];
  /** Milliseconds `app.close()` waits for peers to answer the 1001 close (default 2000). */
  shutdownTimeout?: number;
  /** Replaces the `{ "event": ..., "data": ... }` JSON parser (see also `setMessageParser`). */
  messageParser?: WsMessageParser;
}
