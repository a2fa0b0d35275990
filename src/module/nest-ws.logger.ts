import { Logger } from '@nestjs/common';
import type { WsLogger } from '../gateway/ws-logger.interface.js';

/** The runtime's logger backed by Nest's `Logger`, so its messages follow the app's logging. */
export function createNestWsLogger(context = 'WsServer'): WsLogger {
  const logger = new Logger(context);
  return {
    error: (message, error) =>
      logger.error(
        message,
        error instanceof Error ? error.stack : error === undefined ? undefined : String(error),
      ),
    warn: (message) => logger.warn(message),
  };
}
