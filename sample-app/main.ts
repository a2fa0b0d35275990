import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { runCluster } from '../src/index.js';
import { AppModule, sampleWorkers } from './app.module.js';

/**
 * The sample application: WebSocket and HTTP on one port (9501 unless PORT says otherwise),
 * served by the module's own listener, so no HTTP platform is needed. `WORKERS=4` runs it as four
 * worker processes (Swoole's worker_num); `REDIS_URL=redis://...` joins the other nodes using
 * that Redis.
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule);
  app.enableShutdownHooks();
  new Logger('SampleApp').log(
    `Open http://127.0.0.1:${process.env.PORT ?? 9501}/ for the chat page`,
  );
}

/** A start that fails (port in use, bad option) is reported once, and the process exits 1. */
function exitOnFailedStart(error: unknown): void {
  new Logger('SampleApp').error('could not start', error instanceof Error ? error.stack : error);
  process.exit(1);
}

const workers = sampleWorkers();
const started = workers > 1 ? runCluster(() => bootstrap(), { workers }) : bootstrap();
started.catch(exitOnFailedStart);
