import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import { WsClient } from '../client/ws-client.js';
import type { WsClientOptions } from '../client/ws-client-options.interface.js';
import { WsServer } from '../gateway/ws-server.service.js';
import type { WsServerModuleOptions } from '../module/ws-server-module-options.interface.js';
import { WsServerModule } from '../module/ws-server.module.js';
import type { TestingServer } from './testing-server.interface.js';

type NestTesting = typeof import('@nestjs/testing');

/**
 * Starts a Nest testing module with `WsServerModule.forRoot()` on 127.0.0.1 and a free port,
 * plus the given module metadata (the gateways under test, their providers and imports), and
 * returns the application, the port, the `WsServer`, and `connect()` for `WsClient`s:
 *
 * ```ts
 * const { connect, close } = await createTestingServer({ providers: [ChatGateway] });
 * const client = await connect('/chat');
 * client.push('hello');
 * expect((await client.recv(1000))?.data).toBe('welcome');
 * await close();
 * ```
 *
 * `options` are `WsServerModule.forRoot()`'s (host and port default to 127.0.0.1 and 0,
 * `shutdownTimeout` to 1000 ms). With `attachToHttpServer` an HTTP application is created
 * and listens on a free port. Needs `@nestjs/testing` (a dev dependency of the application),
 * loaded when this function is first called.
 */
export async function createTestingServer(
  metadata: ModuleMetadata,
  options: WsServerModuleOptions = {},
): Promise<TestingServer> {
  const { Test } = await loadNestTesting();
  const moduleRef = await Test.createTestingModule({
    ...metadata,
    imports: [
      WsServerModule.forRoot({ host: '127.0.0.1', port: 0, shutdownTimeout: 1000, ...options }),
      ...(metadata.imports ?? []),
    ],
  }).compile();
  let app: INestApplicationContext;
  try {
    app = await startApplication(moduleRef, options);
  } catch (error) {
    await moduleRef.close().catch(() => undefined);
    throw error;
  }
  const server = app.get(WsServer);
  const secure = options.ssl !== undefined || options.settings?.ssl_cert_file !== undefined;
  return testingServer(app, server, secure);
}

/** The module as an application context, or an HTTP application listening on a free port. */
async function startApplication(
  moduleRef: Awaited<ReturnType<ReturnType<NestTesting['Test']['createTestingModule']>['compile']>>,
  options: WsServerModuleOptions,
): Promise<INestApplicationContext> {
  if (!options.attachToHttpServer) return moduleRef.init();
  const app = moduleRef.createNestApplication();
  await app.listen(0, options.host ?? '127.0.0.1');
  return app;
}

function testingServer(
  app: INestApplicationContext,
  server: WsServer,
  secure: boolean,
): TestingServer {
  const clients = new Set<WsClient>();
  const port = server.port;
  const url = (path = '/'): string => `${secure ? 'wss' : 'ws'}://127.0.0.1:${port}${path}`;
  return {
    app,
    port,
    server,
    url,
    async connect(path = '/', clientOptions: WsClientOptions = {}): Promise<WsClient> {
      const client = await WsClient.connect(url(path), clientOptions);
      clients.add(client);
      return client;
    },
    async close(): Promise<void> {
      await Promise.all([...clients].map((client) => client.close()));
      clients.clear();
      await app.close();
    },
  };
}

async function loadNestTesting(): Promise<NestTesting> {
  try {
    return await import('@nestjs/testing');
  } catch (error) {
    throw new Error(
      'createTestingServer needs @nestjs/testing: npm install --save-dev @nestjs/testing',
      { cause: error },
    );
  }
}
