/**
 * Bench server: a `@WebSocketGateway` on @nestjs/platform-ws's `WsAdapter` (the application's
 * HTTP server), the gateway of echo-event.gateway.ts. The reference for SwooleWsAdapter.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import type { AddressInfo } from 'node:net';
import { EchoEventGateway } from './echo-event.gateway.js';
import { BENCH_HOST, serveControlChannel } from './server-ipc.js';

@Module({ providers: [EchoEventGateway] })
class BenchModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(BenchModule, { logger: ['error'] });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, BENCH_HOST);
  const address = app.getHttpServer().address() as AddressInfo;
  serveControlChannel(address.port, false);
}

void main();
