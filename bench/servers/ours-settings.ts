/**
 * The scenario's server configuration in our own (Swoole's) settings, shared by every bench
 * server of ours so that they all run the same way in a scenario.
 */
import type { WsServerSettings } from '../../src/index.js';
import type { ServerConfig } from './server-config.js';

export function oursSettings(config: ServerConfig): WsServerSettings {
  const settings: WsServerSettings = { websocket_compression: config.compression === true };
  if (config.compressionThreshold !== undefined)
    settings.websocket_compression_threshold = config.compressionThreshold;
  if (config.noContextTakeover) {
    settings.websocket_compression_server_no_context_takeover = true;
    settings.websocket_compression_client_no_context_takeover = true;
  }
  if (config.tls) {
    settings.ssl_cert_file = config.tls.certFile;
    settings.ssl_key_file = config.tls.keyFile;
  }
  return settings;
}
