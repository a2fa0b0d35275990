/**
 * Bench server (d): Nest's own WebSocket stack, @nestjs/platform-ws (ws underneath) on the
 * Nest application's HTTP server. platform-ws only routes JSON `{event, data}` messages to
 * `@SubscribeMessage` handlers, and a handler's return value goes out JSON-serialised, so an
 * echo of the raw bytes binds its own message listener on the client in `handleConnection`,
 * as Nest's documentation suggests for raw messages. The adapter still tries `JSON.parse` on
 * every message (and fails): that cost is part of using platform-ws this way.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import {
  type OnGatewayConnection,
  WebSocketGateway,
  WebSocketServer as NestWebSocketServer,
} from '@nestjs/websockets';
import type { AddressInfo } from 'node:net';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { isBroadcast } from './broadcast-prefix.js';
import { serverConfig } from './server-config.js';
import { BENCH_HOST, serveControlChannel, startServer } from './server-ipc.js';
import { wsPerMessageDeflate } from './ws-deflate-options.js';

const config = serverConfig();

@WebSocketGateway({ perMessageDeflate: wsPerMessageDeflate(config) })
class EchoGateway implements OnGatewayConnection {
  @NestWebSocketServer()
  server!: WebSocketServer;

  handleConnection(client: WebSocket): void {
    client.on('message', (data: RawData, binary: boolean) => this.echo(client, data, binary));
  }

  private echo(client: WebSocket, data: RawData, binary: boolean): void {
    const payload = data as Buffer;
    if (!isBroadcast(payload, !binary)) return client.send(payload, { binary });
    for (const other of this.server.clients) other.send(payload, { binary });
  }
}

@Module({ providers: [EchoGateway] })
class BenchModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(BenchModule, { logger: ['error'] });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, BENCH_HOST);
  const address = app.getHttpServer().address() as AddressInfo;
  serveControlChannel(address.port, { compression: config.compression });
}

startServer(main);
