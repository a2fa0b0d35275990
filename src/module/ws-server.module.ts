import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WsServer } from '../gateway/ws-server.service.js';
import { WsHandlerExplorer } from './ws-handler.explorer.js';
import { createNestWsLogger } from './nest-ws.logger.js';
import { validateWsServerOptions } from './ws-options.validator.js';
import {
  ConfigurableWsServerModule,
  WS_SERVER_MODULE_OPTIONS,
} from './ws-server-module.definition.js';
import type { WsServerModuleOptions } from './ws-server-module-options.interface.js';
import { WsServerLifecycle } from './ws-server.lifecycle.js';

/**
 * The module: `WsServerModule.forRoot({ port, settings })` or `forRootAsync({ useFactory, inject })`.
 * It validates the options, provides the injectable `WsServer`, discovers every decorated
 * handler at bootstrap and starts listening; `app.close()` closes every connection with 1001.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: WsServer,
      useFactory: (options: WsServerModuleOptions) =>
        new WsServer(validateWsServerOptions(options ?? {}), createNestWsLogger()),
      inject: [WS_SERVER_MODULE_OPTIONS],
    },
    WsHandlerExplorer,
    WsServerLifecycle,
  ],
  exports: [WsServer],
})
export class WsServerModule extends ConfigurableWsServerModule {}
