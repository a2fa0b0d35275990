import cluster from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import {
  type INestApplicationContext,
  Logger,
  type WebSocketAdapter,
  type WsMessageHandler,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Observable } from 'rxjs';
import type { WsServerOptions } from '../gateway/ws-server-options.interface.js';
import { WsServer } from '../gateway/ws-server.service.js';
import type { WsServerModuleOptions } from '../module/ws-server-module-options.interface.js';
import type { SwooleWsAdapterOptions, WsMessageParser } from './adapter-options.interface.js';
import { validateAdapterOptions } from './adapter-options.validator.js';
import {
  defaultMessageParser,
  GatewayMessageRouter,
  type MessageParserSource,
} from './gateway-message.router.js';
import { normalizeGatewayPath } from './gateway-path.util.js';
import { GatewayPort } from './gateway-port.js';
import type { GatewayServer } from './gateway-server.js';
import type { SwooleWsClient } from './swoole-ws-client.js';
import { createNestWsLogger } from '../module/nest-ws.logger.js';

/** The port Nest gives gateways declared without one: the application's HTTP server. */
const APPLICATION_PORT = 0;

/** A gateway's options as Nest passes them to `create()` (`@WebSocketGateway(port, options)`). */
export type GatewayOptions = Record<string, unknown> & {
  path?: string;
  namespace?: string | RegExp;
  host?: string;
};

/**
 * `ws` options platform-ws passes on to `ws` and this adapter does not apply (the engine's
 * settings do their job): named in a warning rather than ignored in silence.
 */
const WS_ONLY_OPTIONS: Record<string, string> = {
  perMessageDeflate: 'settings.websocket_compression',
  maxPayload: 'settings.package_max_length',
  verifyClient: 'a guard, or settings.websocket_allowed_origins',
  handleProtocols: 'settings.websocket_subprotocol',
  clientTracking: 'nothing (clients are always tracked)',
  skipUTF8Validation: 'nothing (text is always validated)',
  backlog: 'nothing',
  noServer: 'nothing',
  autoPong: 'settings.open_websocket_ping_frame',
  allowSynchronousEvents: 'nothing',
};

/**
 * Nest's `WebSocketAdapter` for `@WebSocketGateway` / `@SubscribeMessage` applications, on this
 * library's engine: a drop-in for `@nestjs/platform-ws`'s `WsAdapter`.
 *
 * ```ts
 * const app = await NestFactory.create(AppModule);
 * app.useWebSocketAdapter(new SwooleWsAdapter(app, { settings: { heartbeat_check_interval: 30 } }));
 * ```
 *
 * Gateways behave as on platform-ws: `{ "event": ..., "data": ... }` JSON messages, replies
 * from what handlers return, gateways on the application's port, on a port of their own and on
 * paths, `ws`-shaped clients (with an `fd`). Each port is one `WsServer`. When the application
 * imports `WsServerModule` and its server is on a gateway's port (`port: N` for
 * `@WebSocketGateway(N)`, `attachToHttpServer: true` for gateways on the application's port),
 * the adapter serves those gateways through that very server, so the `WsServer` providers
 * inject reaches the gateways' connections.
 */
export class SwooleWsAdapter
  implements WebSocketAdapter<GatewayServer, SwooleWsClient, GatewayOptions>, MessageParserSource
{
  private readonly logger = new Logger('SwooleWsAdapter');
  private readonly options: SwooleWsAdapterOptions;
  private readonly httpServer: HttpServer | null;
  private readonly ports = new Map<number, GatewayPort>();
  private readonly warned = new Set<string>();
  private parser: WsMessageParser;

  /**
   * @param app the Nest application (its HTTP server serves gateways on port 0, and its
   *   `WsServer`, if any, may be shared), or an HTTP server
   * @param options the engine's options; validated here, an invalid one throws
   */
  constructor(
    private readonly app?: INestApplicationContext | HttpServer,
    options?: SwooleWsAdapterOptions,
  ) {
    this.options = validateAdapterOptions(options);
    this.parser = this.options.messageParser ?? defaultMessageParser;
    this.httpServer = httpServerOf(app);
  }

  /** The message parser in use. */
  get messageParser(): WsMessageParser {
    return this.parser;
  }

  /** Whether the parser is the built-in JSON one. */
  get usesDefaultParser(): boolean {
    return this.parser === defaultMessageParser;
  }

  /** Replaces the message parser, for open connections too (as platform-ws). */
  setMessageParser(parser: WsMessageParser): void {
    if (typeof parser !== 'function') {
      throw new TypeError('SwooleWsAdapter: setMessageParser needs a function');
    }
    this.parser = parser;
  }

  /** The `WsServer` serving a port (0: the application's port), once a gateway uses it. */
  serverFor(port: number): WsServer | undefined {
    return this.ports.get(port)?.server;
  }

  /** Nest calls it once per gateway port and path; gateways on one port share a `WsServer`. */
  create(port: number, options: GatewayOptions = {}): GatewayServer {
    const { namespace, path, host, ...rest } = options;
    if (namespace !== undefined) {
      throw new Error(
        'SwooleWsAdapter does not support namespaces (a socket.io feature); use a path instead',
      );
    }
    this.warnAboutWsOptions(rest);
    const gatewayPort = this.ports.get(port) ?? this.openPort(port, host);
    const anyPath = path === undefined && (port !== APPLICATION_PORT || !this.httpServer);
    return gatewayPort.gatewayFor(anyPath ? undefined : normalizeGatewayPath(path), (gateway) =>
      gatewayPort.closeGateway(gateway),
    );
  }

  bindClientConnect(server: GatewayServer, callback: (...args: unknown[]) => void): void {
    server.on('connection', callback);
  }

  bindClientDisconnect(client: SwooleWsClient, callback: (...args: unknown[]) => void): void {
    client.once('close', callback);
  }

  /** Drops a client Nest does not want served (it connected before the application was ready). */
  closeClient(client: SwooleWsClient): void {
    client.terminate();
  }

  bindMessageHandlers(
    client: SwooleWsClient,
    handlers: WsMessageHandler[],
    _transform: (data: unknown) => Observable<unknown>,
  ): void {
    const byEvent = new Map(handlers.map((handler) => [handler.message, handler]));
    client.addRoute(new GatewayMessageRouter(byEvent, this, this.logger));
  }

  /** Closes one gateway server (`app.close()` calls it for each): 1001 for its connections. */
  close(server: GatewayServer): Promise<void> {
    return server.close();
  }

  /** Shuts every port down (after `close()`, or on its own). */
  async dispose(): Promise<void> {
    await Promise.all([...this.ports.values()].map((gatewayPort) => gatewayPort.shutdown()));
    this.ports.clear();
  }

  private openPort(port: number, host: string | undefined): GatewayPort {
    this.assertOnePortInCluster(port);
    const shared = this.moduleServerFor(port);
    const server =
      shared ?? new WsServer(this.serverOptions(port, host), createNestWsLogger(this.logger));
    // A shared server keeps the module's shutdown timeout, as the rest of its options.
    const shutdownTimeout = shared
      ? (shared.options as WsServerModuleOptions).shutdownTimeout
      : this.options.shutdownTimeout;
    const gatewayPort = new GatewayPort(server, port, shutdownTimeout);
    this.ports.set(port, gatewayPort);
    const onApplicationPort = port === APPLICATION_PORT ? this.httpServer : null;
    // Nest's create() is synchronous: a listener that cannot start (EADDRINUSE) is reported.
    gatewayPort
      .start(onApplicationPort)
      .catch((error: unknown) =>
        this.logger.error(
          `cannot serve WebSocket gateways on ${port === APPLICATION_PORT ? 'the application port' : `port ${port}`}`,
          error instanceof Error ? error.stack : String(error),
        ),
      );
    return gatewayPort;
  }

  private serverOptions(port: number, host: string | undefined): WsServerOptions {
    const { settings, ssl, cluster: clusterOptions } = this.options;
    return {
      host: host ?? this.options.host,
      port,
      ssl,
      cluster: clusterOptions,
      // The client's `close` event reports the peer's close code, and `pong` listeners need
      // the pongs: both come to the adapter as frames.
      settings: { ...settings, open_websocket_close_frame: true, open_websocket_pong_frame: true },
    };
  }

  /**
   * `WsServerModule`'s server, when the application has one on this gateway port: then the
   * gateways use it, and whatever injects `WsServer` reaches their connections.
   */
  private moduleServerFor(port: number): WsServer | null {
    const server = injectedWsServer(this.app);
    if (server === null || server.hasHandler('message')) return null;
    const attached = (server.options as WsServerModuleOptions).attachToHttpServer === true;
    const matches =
      port === APPLICATION_PORT
        ? attached && this.httpServer !== null
        : !attached && server.port === port;
    if (!matches) return null;
    const { closeFrames, pongFrames } = server.settings;
    if (!closeFrames || !pongFrames) {
      this.logger.warn(
        'WsServerModule serves the gateways on its port; set open_websocket_close_frame and ' +
          'open_websocket_pong_frame in its settings, or clients report close code 1006 for ' +
          "closes the peer started and never emit 'pong'",
      );
    }
    return server;
  }

  /**
   * Workers started by `runCluster` share one owner id per process over IPC, so the fds of two
   * servers in one worker would collide: in that mode all gateways share one port.
   */
  private assertOnePortInCluster(port: number): void {
    const overIpc = cluster.isWorker && this.options.cluster?.redis === undefined;
    if (!overIpc || this.ports.size === 0) return;
    throw new Error(
      `SwooleWsAdapter: in runCluster workers all gateways must share one port (got ${port} besides ${[...this.ports.keys()].join(', ')})`,
    );
  }

  private warnAboutWsOptions(options: Record<string, unknown>): void {
    for (const key of Object.keys(options)) {
      const instead = WS_ONLY_OPTIONS[key];
      if (instead === undefined || this.warned.has(key)) continue;
      this.warned.add(key);
      this.logger.warn(`gateway option "${key}" is ws's and not applied; use ${instead}`);
    }
  }
}

/** The application's HTTP server, or the server passed instead of an application. */
function httpServerOf(app: INestApplicationContext | HttpServer | undefined): HttpServer | null {
  if (app === undefined) return null;
  const application = app as { getHttpServer?: () => HttpServer | undefined };
  if (typeof application.getHttpServer === 'function') return application.getHttpServer() ?? null;
  return typeof (app as HttpServer).listen === 'function' ? (app as HttpServer) : null;
}

/** The application's `WsServer` provider (from `WsServerModule`), if it has one. */
function injectedWsServer(app: INestApplicationContext | HttpServer | undefined): WsServer | null {
  const context = app as INestApplicationContext | undefined;
  if (typeof context?.get !== 'function') return null;
  // Through ModuleRef, not the application: a failed `app.get()` ends the process when the
  // application was created with `abortOnError` (the default). Every module provides ModuleRef.
  const moduleRef = context.get(ModuleRef);
  try {
    return moduleRef.get(WsServer, { strict: false });
  } catch {
    return null;
  }
}
