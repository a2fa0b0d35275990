import type { INestApplicationContext } from '@nestjs/common';
import type { WsClient } from '../client/ws-client.js';
import type { WsClientOptions } from '../client/ws-client-options.interface.js';
import type { WsServer } from '../gateway/ws-server.service.js';

/** A running Nest testing application with the WebSocket server, and clients for it. */
export interface TestingServer {
  /** The application (a context, or an HTTP application with `attachToHttpServer`). */
  app: INestApplicationContext;
  /** The port the WebSocket server listens on (chosen by the system). */
  port: number;
  /** The application's `WsServer`, to push, inspect connections, read `stats()`... */
  server: WsServer;
  /** `ws://127.0.0.1:<port><path>` (`wss://` when the server has TLS). */
  url(path?: string): string;
  /**
   * A client connected to `path` (default `/`); it is closed by `close()` if still open.
   * Rejects as `WsClient.connect` does (a refused handshake, say).
   */
  connect(path?: string, options?: WsClientOptions): Promise<WsClient>;
  /** Closes every client `connect` made, then the application (and so the server). */
  close(): Promise<void>;
}
