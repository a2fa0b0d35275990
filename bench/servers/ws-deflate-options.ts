/**
 * The scenario's compression settings in ws's `perMessageDeflate` options, for the servers
 * built on ws (ws itself and @nestjs/platform-ws).
 */
import type { PerMessageDeflateOptions } from 'ws';
import type { ServerConfig } from './server-config.js';

export function wsPerMessageDeflate(config: ServerConfig): boolean | PerMessageDeflateOptions {
  if (!config.compression) return false;
  const options: PerMessageDeflateOptions = {};
  if (config.compressionThreshold !== undefined) options.threshold = config.compressionThreshold;
  if (config.noContextTakeover) {
    options.serverNoContextTakeover = true;
    options.clientNoContextTakeover = true;
  }
  return options;
}
