import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

/**
 * The sample application: WebSocket and HTTP on one port (9501 unless PORT says otherwise),
 * served by the module's own listener, so no HTTP platform is needed.
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule);
  app.enableShutdownHooks();
  new Logger('SampleApp').log(
    `Open http://127.0.0.1:${process.env.PORT ?? 9501}/ for the chat page`,
  );
}

void bootstrap();
