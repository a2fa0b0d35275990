import { Logger } from '@nestjs/common';
import type { WsLogger } from '../gateway/ws-logger.interface.js';

/**
 * The runtime's logger backed by Nest's `Logger` (a new one for `context`, or the one given), so
 * its messages follow the app's logging.
 */
export function createNestWsLogger(context: string | Logger = 'WsServer'): WsLogger {
  const logger = typeof context === 'string' ? new Logger(context) : context;
  return {
    error: (message, error) =>
      logger.error(
        message,
        error instanceof Error ? error.stack : error === undefined ? undefined : String(error),
      ),
    warn: (message) => logger.warn(message),
  };
}
