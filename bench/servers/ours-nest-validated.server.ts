/**
 * Bench server: the validated scenario through our Nest module, as an application would write
 * it: an `@OnMessage()` handler taking `@WsJson('data') dto: EchoDto` under
 * `ValidationPipe`, returning `{ event: 'echo', data: dto }`, which the module pushes to the
 * sender as JSON text: the bytes the client sent. The same DTO, pipe and reply as the
 * @nestjs/websockets gateway of validated-echo.gateway.ts.
 */
import 'reflect-metadata';
import { Injectable, Module, UsePipes, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnMessage, WsJson, WsServer, WsServerModule } from '../../src/index.js';
import { EchoDto } from './echo.dto.js';
import { BENCH_HOST, serveControlChannel, startServer } from './server-ipc.js';

@Injectable()
class ValidatedEchoHandler {
  @OnMessage()
  @UsePipes(new ValidationPipe())
  echo(@WsJson('data') dto: EchoDto): { event: 'echo'; data: EchoDto } {
    return { event: 'echo', data: dto };
  }
}

@Module({
  imports: [WsServerModule.forRoot({ host: BENCH_HOST, port: 0 })],
  providers: [ValidatedEchoHandler],
})
class BenchModule {}

startServer(async () => {
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  serveControlChannel(app.get(WsServer).port);
});
