import { Module } from '@nestjs/common';
import { WsServerModule } from '../src/index.js';
import { ChatGateway } from './chat/chat.gateway.js';
import { ChatService } from './chat/chat.service.js';
import { EchoGateway } from './echo/echo.gateway.js';
import { HttpGateway } from './http/http.gateway.js';

/** Reads the port from `PORT` (default 9501, Swoole's usual) and the host from `HOST`. */
export function sampleOptions(env: NodeJS.ProcessEnv = process.env) {
  return {
    host: env.HOST ?? '0.0.0.0',
    port: env.PORT === undefined ? 9501 : Number(env.PORT),
    settings: { heartbeat_check_interval: 30, heartbeat_idle_time: 120 },
  };
}

@Module({
  imports: [WsServerModule.forRootAsync({ useFactory: () => sampleOptions() })],
  providers: [EchoGateway, ChatService, ChatGateway, HttpGateway],
})
export class AppModule {}
