import 'reflect-metadata';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { Inject, Injectable, UseGuards, type CanActivate } from '@nestjs/common';
import { OnMessage, OnOpen, WsGateway } from '../../src/decorators/index.js';
import type { WsRequest } from '../../src/gateway/ws-request.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import type { Frame } from '../../src/protocol/frame.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../../src/protocol/frame-flag.constants.js';
import { WEBSOCKET_OPCODE_TEXT } from '../../src/protocol/opcode.constants.js';
import { createTestingServer, type TestingServer } from '../../src/testing/index.js';
import { quietLogger } from './module-support.js';

const logs = quietLogger();
afterAll(() => logs.restore());

/** Something the gateway depends on, to override in a test. */
@Injectable()
class Greeter {
  greet(): string {
    return 'welcome';
  }
}

@Injectable()
class NoStrangers implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@WsGateway('/chat')
@Injectable()
class ChatGateway {
  constructor(
    @Inject(WsServer) private readonly server: WsServer,
    @Inject(Greeter) private readonly greeter: Greeter,
  ) {}

  @OnOpen()
  open(request: WsRequest): void {
    this.server.push(request.fd, this.greeter.greet());
  }

  @OnMessage()
  shout(frame: Frame): void {
    this.server.push(frame.fd, String(frame.data).toUpperCase(), frame.opcode, frame.flags);
  }
}

@WsGateway('/vip')
@Injectable()
class VipGateway {
  @UseGuards(NoStrangers)
  @OnOpen()
  open(): void {}

  @OnMessage()
  message(): void {}
}

describe('createTestingServer (nest-swoole-ws/testing)', () => {
  let testing: TestingServer | undefined;

  afterEach(async () => {
    await testing?.close();
    testing = undefined;
  });

  it('starts the gateway on a free port and connects clients to it', async () => {
    testing = await createTestingServer({ providers: [ChatGateway, Greeter] });
    expect(testing.port).toBeGreaterThan(0);
    expect(testing.url('/chat')).toBe(`ws://127.0.0.1:${testing.port}/chat`);
    const client = await testing.connect('/chat');
    expect(await client.recv(3000)).toMatchObject({ data: 'welcome' });
    client.push('hello');
    expect(await client.recv(3000)).toMatchObject({ data: 'HELLO' });
    expect([...testing.server.connections]).toHaveLength(1);
  });

  it('close() closes the clients it made, then the application', async () => {
    testing = await createTestingServer({ providers: [ChatGateway, Greeter] });
    const first = await testing.connect('/chat');
    const second = await testing.connect('/chat');
    const server = testing.server;
    await testing.close();
    testing = undefined;
    expect(first.connected).toBe(false);
    expect(second.connected).toBe(false);
    expect(first.closeCode).toBe(1000);
    expect([...server.connections]).toHaveLength(0);
  });

  it('takes providers that override the real ones', async () => {
    testing = await createTestingServer({
      providers: [ChatGateway, { provide: Greeter, useValue: { greet: () => 'mocked hello' } }],
    });
    const client = await testing.connect('/chat');
    expect(await client.recv(3000)).toMatchObject({ data: 'mocked hello' });
  });

  it('passes the server options: compression negotiated, echoes compressed', async () => {
    testing = await createTestingServer(
      { providers: [ChatGateway, Greeter] },
      { settings: { websocket_compression: true } },
    );
    const client = await testing.connect('/chat', { compression: true });
    expect(client.extensions).toContain('permessage-deflate');
    await client.recv(3000);
    client.push(
      'compress me',
      WEBSOCKET_OPCODE_TEXT,
      SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS,
    );
    const reply = await client.recv(3000);
    expect(reply).toMatchObject({ data: 'COMPRESS ME' });
    expect(reply && reply.flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS).toBeTruthy();
  });

  it('connect rejects a refused handshake with its status', async () => {
    testing = await createTestingServer({ providers: [ChatGateway, VipGateway, Greeter] });
    await expect(testing.connect('/vip')).rejects.toMatchObject({
      code: 'UNEXPECTED_RESPONSE',
      statusCode: 403,
    });
    await expect(testing.connect('/nowhere')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('attachToHttpServer: an HTTP application on a free port serves the upgrades', async () => {
    testing = await createTestingServer(
      { providers: [ChatGateway, Greeter] },
      { attachToHttpServer: true },
    );
    const client = await testing.connect('/chat');
    expect(await client.recv(3000)).toMatchObject({ data: 'welcome' });
  });

  it('reports invalid server options as the module does', async () => {
    await expect(
      createTestingServer(
        { providers: [ChatGateway, Greeter] },
        { settings: { heartbeat_idle_time: -5 } },
      ),
    ).rejects.toThrow(/heartbeat_idle_time/);
  });
});
