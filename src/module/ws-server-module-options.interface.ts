import type { WsServerOptions } from '../gateway/ws-server-options.interface.js';

/** Options of `WsServerModule.forRoot()` / `forRootAsync()`. */
export interface WsServerModuleOptions extends WsServerOptions {
  /**
   * Serve WebSocket upgrades on the Nest application's own HTTP server (Express or Fastify),
   * sharing its port with REST routes, instead of listening on `host:port`. Needs an HTTP
   * application (`NestFactory.create`). `@OnRequest` handlers are not used in this mode: the
   * HTTP platform answers plain requests.
   */
  attachToHttpServer?: boolean;
  /** Milliseconds `app.close()` waits for peers to answer the 1001 close (default 2000). */
  shutdownTimeout?: number;
}
