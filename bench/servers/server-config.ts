/**
 * How a scenario wants the servers configured: the orchestrator writes it as JSON into
 * BENCH_SERVER_CONFIG, every bench server reads it at start. Scenarios with equal
 * configurations can share one server process (the mixed pass); others cannot.
 */

export interface ServerConfig {
  /** Offer permessage-deflate. */
  compression?: boolean;
  /**
   * Compress every message of at least this many bytes: ws's `threshold` (which ws applies only
   * to a side without context takeover; with takeover ws compresses everything), ours'
   * `websocket_compression_threshold`.
   */
  compressionThreshold?: number;
  /** Keep no compression context between messages, in both directions. */
  noContextTakeover?: boolean;
  /** Serve wss with these PEM files. */
  tls?: { certFile: string; keyFile: string };
  /** Worker processes (ours-workers only; the other servers are one process). */
  workers?: number;
}

const CONFIG_ENV = 'BENCH_SERVER_CONFIG';

/** The environment that hands `config` to a server process. */
export function serverConfigEnv(config: ServerConfig): Record<string, string> {
  return { [CONFIG_ENV]: JSON.stringify(config) };
}

/** This server's configuration (empty when started by hand). */
export function serverConfig(): ServerConfig {
  const text = process.env[CONFIG_ENV];
  return text ? (JSON.parse(text) as ServerConfig) : {};
}

/** One string per distinct configuration, for grouping scenarios. */
export function configKey(config: ServerConfig): string {
  const entries = Object.entries(config).filter(([, value]) => value !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => a.localeCompare(b)));
}
