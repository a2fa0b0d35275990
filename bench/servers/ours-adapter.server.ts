/**
 * Bench server: the same `@WebSocketGateway` as platform-ws-gateway.server.ts (echo-event.gateway.ts)
 * with one line changed: `SwooleWsAdapter` instead of platform-ws's `WsAdapter`.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { SwooleWsAdapter } from '../../src/adapter/index.js';
import { EchoEventGateway } from './echo-event.gateway.js';
import { BENCH_HOST, serveControlChannel } from './server-ipc.js';

@Module({ providers: [EchoEventGateway] })
class BenchModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(BenchModule, { logger: ['error'] });
  app.useWebSocketAdapter(new SwooleWsAdapter(app));
  await app.listen(0, BENCH_HOST);
  const address = app.getHttpServer().address() as AddressInfo;
  serveControlChannel(address.port, false);
}

void main();
