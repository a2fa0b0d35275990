import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { Server as HttpServer } from 'node:http';
import { WsServer } from '../gateway/ws-server.service.js';
import { WsEventRouter } from './ws-event.router.js';
import { WsHandlerExplorer } from './ws-handler.explorer.js';
import { WS_SERVER_MODULE_OPTIONS } from './ws-server-module.definition.js';
import type { WsServerModuleOptions } from './ws-server-module-options.interface.js';

/**
 * Starts the server when the application has bootstrapped (every provider exists, so every
 * handler is discovered) and stops it before the application shuts down: every WebSocket gets
 * 1001, and `app.close()` returns within `shutdownTimeout`.
 */
@Injectable()
export class WsServerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WsServerModule');
  private started = false;
  /** @internal The router of this application's handlers, once bootstrapped. */
  router: WsEventRouter | undefined;

  constructor(
    @Inject(WsServer) private readonly server: WsServer,
    @Inject(WsHandlerExplorer) private readonly explorer: WsHandlerExplorer,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
    @Inject(WS_SERVER_MODULE_OPTIONS) private readonly options: WsServerModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // SwooleWsAdapter (nest-swoole-ws/adapter) took this server over for the gateways on its
    // port before bootstrap: it wired and started it, and closes it on shutdown.
    if (this.server.hasHandler('message')) return this.leaveToAdapter();
    this.router = new WsEventRouter(this.server, this.explorer.explore());
    this.router.wire();
    if (this.options.attachToHttpServer) {
      await this.server.attach(this.nestHttpServer());
      this.logger.log('WebSocket server attached to the application HTTP server');
    } else {
      await this.server.start();
      this.logger.log(
        `WebSocket server listening on ${this.options.host ?? '0.0.0.0'}:${this.server.port}`,
      );
    }
    this.started = true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.started) await this.server.shutdown(this.options.shutdownTimeout);
  }

  private leaveToAdapter(): void {
    if (this.explorer.explore().length > 0) {
      this.logger.warn(
        'WsServer serves SwooleWsAdapter gateways on its port; its @On... handlers are not used',
      );
    }
  }

  private nestHttpServer(): HttpServer {
    const host = this.moduleRef.get(HttpAdapterHost, { strict: false });
    const server = host?.httpAdapter?.getHttpServer() as HttpServer | undefined;
    if (!server) {
      throw new Error(
        'WsServerModule: attachToHttpServer needs a Nest HTTP application (NestFactory.create with Express or Fastify)',
      );
    }
    return server;
  }
}
