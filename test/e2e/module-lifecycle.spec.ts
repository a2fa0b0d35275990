import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  type INestApplication,
  type INestApplicationContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { finalize, interval, map, of, throwError } from 'rxjs';
import { OnClose, OnMessage, OnOpen, WsData, WsFd, WsGateway } from '../../src/decorators/index.js';
import type { WsRequest } from '../../src/gateway/ws-request.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { WsServerModule } from '../../src/module/ws-server.module.js';
import type { WsServerModuleOptions } from '../../src/module/ws-server-module-options.interface.js';
import { Client, delay, httpGet, quietLogger, startApp, waitFor } from './module-support.js';

const logs = quietLogger();
afterAll(() => logs.restore());

@Injectable()
class EchoGateway {
  @OnMessage()
  echo(@WsData() data: string): string {
    return `echo:${data}`;
  }
}

describe('module lifecycle', () => {
  it('forRootAsync with useFactory and inject', async () => {
    const CONFIG = Symbol('CONFIG');
    @Module({
      providers: [{ provide: CONFIG, useValue: { protocol: 'chat.v1' } }],
      exports: [CONFIG],
    })
    class ConfigModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        WsServerModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: async (config: { protocol: string }) => ({
            host: '127.0.0.1',
            port: 0,
            settings: { websocket_subprotocol: config.protocol },
          }),
        }),
      ],
      providers: [EchoGateway],
    }).compile();
    const app = await moduleRef.init();
    try {
      const client = await Client.open(`ws://127.0.0.1:${app.get(WsServer).port}/`, [
        'other',
        'chat.v1',
      ]);
      expect(client.ws.protocol).toBe('chat.v1');
      client.ws.send('a');
      expect((await client.next()).text).toBe('echo:a');
      await client.close();
    } finally {
      await app.close();
    }
  });

  it.each([
    [{ settings: { foo: 1 } }, 'settings.foo'],
    [{ settings: { max_connection: 'x' } }, 'settings.max_connection'],
    // Valid, but several workers need runCluster: the start error names the setting.
    [{ settings: { worker_num: 2 } }, 'settings.worker_num'],
    [{ colour: 'blue' }, 'colour'],
  ])('bad options %j stop startup with an error naming %s', async (options, name) => {
    const attempt = Test.createTestingModule({
      imports: [WsServerModule.forRoot({ port: 0, ...(options as object) })],
      providers: [EchoGateway],
    })
      .compile()
      .then((moduleRef) => moduleRef.init());
    await expect(attempt).rejects.toThrow(name);
  });

  it('bad options from forRootAsync stop startup too', async () => {
    const attempt = Test.createTestingModule({
      imports: [
        WsServerModule.forRootAsync({
          useFactory: (): WsServerModuleOptions =>
            ({ port: 0, settings: { bogus: true } }) as WsServerModuleOptions,
        }),
      ],
      providers: [EchoGateway],
    })
      .compile()
      .then((moduleRef) => moduleRef.init());
    await expect(attempt).rejects.toThrow('settings.bogus');
  });

  it('an application without @OnMessage does not start, with a clear error', async () => {
    @Injectable()
    class OpenOnly {
      @OnOpen() open(): void {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [WsServerModule.forRoot({ host: '127.0.0.1', port: 0 })],
      providers: [OpenOnly],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/no @OnMessage\(\) handler/);
    // Nest 11 rethrows the bootstrap error from close(); either way nothing was started: the
    // port is still the configured 0, never a bound one.
    await moduleRef.close().catch(() => undefined);
    expect(moduleRef.get(WsServer).port).toBe(0);
  });

  it('createApplicationContext starts the server without an HTTP platform', async () => {
    @Module({
      imports: [WsServerModule.forRoot({ host: '127.0.0.1', port: 0 })],
      providers: [EchoGateway],
    })
    class ContextModule {}
    const app = await NestFactory.createApplicationContext(ContextModule, {
      logger: false,
      abortOnError: false,
    });
    try {
      const client = await Client.open(`ws://127.0.0.1:${app.get(WsServer).port}/`);
      client.ws.send('ctx');
      expect((await client.next()).text).toBe('echo:ctx');
      await client.close();
    } finally {
      await app.close();
    }
  });
});

@Controller('api')
class RestController {
  constructor(@Inject(WsServer) private readonly server: WsServer) {}

  @Get('status')
  status(): { connections: number } {
    return { connections: [...this.server.connections].length };
  }
}

describe('attach mode on Express', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('serves REST routes and WebSockets on the same port', async () => {
    @Module({
      imports: [WsServerModule.forRoot({ attachToHttpServer: true, shutdownTimeout: 1000 })],
      controllers: [RestController],
      providers: [EchoGateway],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;

    const client = await Client.open(`ws://127.0.0.1:${port}/`);
    client.ws.send('attached');
    expect((await client.next()).text).toBe('echo:attached');

    const rest = await httpGet(`http://127.0.0.1:${port}/api/status`);
    expect(rest.status).toBe(200);
    expect(JSON.parse(rest.body)).toMatchObject({ connections: expect.any(Number) });

    const closed = client.waitClose();
    await app.close();
    app = undefined;
    expect((await closed).code).toBe(1001);
  });

  it('refuses attachToHttpServer without an HTTP application', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [WsServerModule.forRoot({ attachToHttpServer: true })],
      providers: [EchoGateway],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/attachToHttpServer needs a Nest HTTP/);
    await moduleRef.close().catch(() => undefined);
  });
});

/** Records the streams that stopped. */
@Injectable()
class Streams {
  stopped = 0;
}

@WsGateway('/faults')
@Injectable()
class FaultyGateway {
  constructor(@Inject(Streams) private readonly streams: Streams) {}

  @OnMessage()
  async message(@WsData() data: string): Promise<unknown> {
    switch (data) {
      case 'throw':
        throw new Error('boom in a message handler');
      case 'reject':
        await delay(5);
        throw new TypeError('async boom');
      case 'unserialisable':
        return { big: 10n };
      case 'stream-error':
        return of(1).pipe(map(() => ({ big: 1n })));
      case 'stream-fails':
        return throwError(() => new Error('stream boom'));
      case 'ticker':
        return interval(5).pipe(finalize(() => this.streams.stopped++));
      default:
        return `ok:${data}`;
    }
  }
}

@WsGateway('/open-faults')
@Injectable()
class FaultyOpenGateway {
  @OnOpen()
  open(request: WsRequest): void {
    throw new Error(`open failed for ${request.fd}`);
  }

  @OnMessage() message(): void {}

  @OnClose() close(@WsFd() _fd: number): void {
    throw new Error('close handlers only log');
  }
}

describe('server faults in handlers', () => {
  let app: INestApplicationContext;
  let base: string;

  beforeAll(async () => {
    const started = await startApp({ providers: [Streams, FaultyGateway, FaultyOpenGateway] });
    app = started.app;
    base = `127.0.0.1:${started.port}`;
  });

  afterAll(async () => {
    await app.close();
  });

  it.each(['throw', 'reject', 'unserialisable', 'stream-error', 'stream-fails'])(
    'a plain error (%s) is logged and closes that connection with 1011; others carry on',
    async (trigger) => {
      const bystander = await Client.open(`ws://${base}/faults`);
      const victim = await Client.open(`ws://${base}/faults`);
      const errorsBefore = logs.errors.length;
      victim.ws.send(trigger);
      expect((await victim.waitClose()).code).toBe(1011);
      expect(logs.errors.length).toBeGreaterThan(errorsBefore);
      bystander.ws.send('still here');
      expect((await bystander.next()).text).toBe('ok:still here');
      await bystander.close();
    },
  );

  it('the error is logged with its stack', async () => {
    const victim = await Client.open(`ws://${base}/faults`);
    victim.ws.send('throw');
    await victim.waitClose();
    expect(logs.errors.some((entry) => entry.includes('boom in a message handler'))).toBe(true);
    expect(logs.errors.some((entry) => /\n\s+at /.test(entry))).toBe(true);
  });

  it('an @OnOpen handler error closes that connection with 1011', async () => {
    const client = await Client.open(`ws://${base}/open-faults`);
    expect((await client.waitClose()).code).toBe(1011);
    const healthy = await Client.open(`ws://${base}/faults`);
    healthy.ws.send('x');
    expect((await healthy.next()).text).toBe('ok:x');
    await healthy.close();
  });

  it('an Observable reply stops when its connection closes', async () => {
    const streams = app.get(Streams);
    const client = await Client.open(`ws://${base}/faults`);
    client.ws.send('ticker');
    await client.texts(2);
    await client.close();
    await waitFor(() => streams.stopped === 1, 'the stream to stop');
  });
});

describe('shutdown', () => {
  it('app.close() closes every client with 1001 and resolves promptly', async () => {
    const { app, port } = await startApp({ providers: [EchoGateway] });
    const clients = await Promise.all([
      Client.open(`ws://127.0.0.1:${port}/`),
      Client.open(`ws://127.0.0.1:${port}/`),
    ]);
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(1000);
    for (const client of clients) expect((await client.waitClose()).code).toBe(1001);
  });
});
