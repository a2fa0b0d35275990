import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import WebSocket from 'ws';
import { OnMessage, OnOpen } from '../../src/decorators/index.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { WsServerModule } from '../../src/module/ws-server.module.js';
import type { Frame } from '../../src/protocol/frame.js';
import type { WsRequest } from '../../src/gateway/ws-request.js';

@Injectable()
class EchoGateway {
  constructor(readonly server: WsServer) {}

  @OnOpen()
  open(request: WsRequest) {
    this.server.push(request.fd, 'welcome');
  }

  @OnMessage()
  message(frame: Frame) {
    return `echo:${String(frame.data)}`;
  }
}

describe('module smoke', () => {
  it('serves a decorated gateway', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [WsServerModule.forRoot({ host: '127.0.0.1', port: 0 })],
      providers: [EchoGateway],
    }).compile();
    const app: INestApplicationContext = await moduleRef.init();
    const server = app.get(WsServer);
    const client = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    const messages: string[] = [];
    client.on('message', (data: Buffer) => messages.push(data.toString()));
    await new Promise((r) => client.once('open', r));
    client.send('hi');
    await new Promise((r) => setTimeout(r, 100));
    expect(messages).toEqual(['welcome', 'echo:hi']);
    const closed = new Promise<number>((r) => client.once('close', (code: number) => r(code)));
    await app.close();
    expect(await closed).toBe(1001);
  });
});
