/**
 * Bench server (a): our engine through the Nest module, as an application would use it: an
 * injectable gateway with an `@OnMessage` handler calling `WsServer.push` / `broadcast`.
 */
import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnMessage } from '../../src/decorators/index.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { WsServerModule } from '../../src/module/ws-server.module.js';
import { WEBSOCKET_OPCODE_TEXT } from '../../src/protocol/opcode.constants.js';
import type { Frame } from '../../src/protocol/frame.js';
import { isBroadcast } from './broadcast-prefix.js';
import { BENCH_HOST, compressionRequested, serveControlChannel } from './server-ipc.js';

@Injectable()
class EchoGateway {
  constructor(@Inject(WsServer) private readonly server: WsServer) {}

  @OnMessage()
  echo(frame: Frame): void {
    const payload = frame.payload;
    if (isBroadcast(payload, frame.opcode === WEBSOCKET_OPCODE_TEXT))
      this.server.broadcast(payload, frame.opcode);
    // frame.flags carries COMPRESS when the message came compressed, so the echo is too.
    else this.server.push(frame.fd, payload, frame.opcode, frame.flags);
  }
}

const compression = compressionRequested();

@Module({
  imports: [
    WsServerModule.forRoot({
      host: BENCH_HOST,
      port: 0,
      settings: { websocket_compression: compression },
    }),
  ],
  providers: [EchoGateway],
})
class BenchModule {}

async function main(): Promise<void> {
  // An application context is enough: the module owns its listener (no HTTP platform).
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  serveControlChannel(app.get(WsServer).port, compression);
}

void main();
