import { Module } from '@nestjs/common';
import { WsServerModule, type WsServerModuleOptions } from '../src/index.js';
import { ChatGateway } from './chat/chat.gateway.js';
import { ChatService } from './chat/chat.service.js';
import { EchoGateway } from './echo/echo.gateway.js';
import { HttpGateway } from './http/http.gateway.js';
import { StatsPublisher } from './stats/stats.publisher.js';

/** Worker processes from `WORKERS` (default 1: one process). */
export function sampleWorkers(env: NodeJS.ProcessEnv = process.env): number {
  return env.WORKERS === undefined ? 1 : Number(env.WORKERS);
}

/**
 * The options from the environment: `PORT` (default 9501, Swoole's usual), `HOST`, `WORKERS`
 * (worker_num) and `REDIS_URL` (several nodes sharing one Redis).
 */
export function sampleOptions(env: NodeJS.ProcessEnv = process.env): WsServerModuleOptions {
  const redis = env.REDIS_URL;
  return {
    host: env.HOST ?? '0.0.0.0',
    port: env.PORT === undefined ? 9501 : Number(env.PORT),
    settings: {
      heartbeat_check_interval: 30,
      heartbeat_idle_time: 120,
      worker_num: sampleWorkers(env),
    },
    ...(redis ? { cluster: { redis: { url: redis, prefix: 'sample' } } } : {}),
  };
}

@Module({
  imports: [WsServerModule.forRootAsync({ useFactory: () => sampleOptions() })],
  providers: [EchoGateway, ChatService, ChatGateway, HttpGateway, StatsPublisher],
})
export class AppModule {}
