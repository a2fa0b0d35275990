/**
 * Bench server (a): our engine through the Nest module (ours-nest.module.ts), one process.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { WsServer } from '../../src/index.js';
import { oursNestModule } from './ours-nest.module.js';
import { serverConfig } from './server-config.js';
import { serveControlChannel, startServer } from './server-ipc.js';
import { NO_TOPICS_NOTE, topicsOf } from './topic-commands.js';

async function main(): Promise<void> {
  const config = serverConfig();
  // An application context is enough: the module owns its listener (no HTTP platform).
  const app = await NestFactory.createApplicationContext(oursNestModule(config), {
    logger: ['error'],
  });
  const server = app.get(WsServer);
  serveControlChannel(server.port, {
    compression: config.compression,
    lacks: topicsOf(server) ? {} : { topics: NO_TOPICS_NOTE },
  });
}

startServer(main);
