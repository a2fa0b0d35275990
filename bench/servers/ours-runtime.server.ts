/**
 * Bench server (b): our runtime without Nest. `WsServer` with one message handler: the same
 * code path as the Nest module minus discovery, the enhancer pipeline and the event router.
 */
import { WsServer } from '../../src/index.js';
import { ourEcho } from './ours-echo.js';
import { oursSettings } from './ours-settings.js';
import { serverConfig } from './server-config.js';
import { BENCH_HOST, serveControlChannel, startServer } from './server-ipc.js';
import { NO_TOPICS_NOTE, topicsOf } from './topic-commands.js';

async function main(): Promise<void> {
  const config = serverConfig();
  const server = new WsServer({ host: BENCH_HOST, port: 0, settings: oursSettings(config) });
  server.on('message', ourEcho(server));
  await server.start();
  serveControlChannel(server.port, {
    compression: config.compression,
    lacks: topicsOf(server) ? {} : { topics: NO_TOPICS_NOTE },
  });
}

startServer(main);
