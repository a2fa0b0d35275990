/**
 * A Nest application that serves one `@WebSocketGateway` class through a given
 * WebSocketAdapter (platform-ws's `WsAdapter` or our `SwooleWsAdapter`) on the application's
 * HTTP server: the gateway servers differ only in those two choices.
 */
import 'reflect-metadata';
import { type INestApplication, Module, type Type, type WebSocketAdapter } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { BENCH_HOST, serveControlChannel, startServer } from './server-ipc.js';

export function serveGateway(
  gateway: Type<unknown>,
  adapter: (app: INestApplication) => WebSocketAdapter,
): void {
  @Module({ providers: [gateway] })
  class BenchModule {}

  startServer(async () => {
    const app = await NestFactory.create(BenchModule, { logger: ['error'] });
    app.useWebSocketAdapter(adapter(app));
    await app.listen(0, BENCH_HOST);
    serveControlChannel((app.getHttpServer() as { address(): AddressInfo }).address().port);
  });
}
