/**
 * Our engine through the Nest module, as an application would use it: an injectable gateway
 * with an `@OnMessage` handler calling `WsServer.push` / `broadcast` / the topics API (see
 * ours-echo.ts). Shared by ours-nest (one process) and ours-workers (runCluster).
 */
import { Inject, Injectable, Module, type Type } from '@nestjs/common';
import { type Frame, OnMessage, WsServer, WsServerModule } from '../../src/index.js';
import { type OurEcho, ourEcho } from './ours-echo.js';
import { oursSettings } from './ours-settings.js';
import type { ServerConfig } from './server-config.js';
import { BENCH_HOST } from './server-ipc.js';

@Injectable()
class EchoGateway {
  private readonly answer: OurEcho;

  constructor(@Inject(WsServer) server: WsServer) {
    this.answer = ourEcho(server);
  }

  @OnMessage()
  echo(frame: Frame): void {
    this.answer(frame);
  }
}

/** The application module for `config`; `workerNum` is Swoole's worker_num (runCluster). */
export function oursNestModule(config: ServerConfig, workerNum = 1): Type<unknown> {
  @Module({
    imports: [
      WsServerModule.forRoot({
        host: BENCH_HOST,
        port: 0,
        settings: { ...oursSettings(config), worker_num: workerNum },
      }),
    ],
    providers: [EchoGateway],
  })
  class BenchModule {}
  return BenchModule;
}
