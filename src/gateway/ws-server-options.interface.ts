import type { RedisClusterOptions } from '../cluster/redis-cluster.adapter.js';
import type { DeflateServerPolicy } from '../protocol/permessage-deflate.negotiator.js';

/**
 * Swoole's `$server->set()` settings, under Swoole's own names, plus a few of this library's
 * own (marked below). Every field is optional; `resolveSettings()` fills in the defaults.
 */
export interface WsServerSettings {
  /** `Sec-WebSocket-Protocol` answered in the 101 when the client offers it (one name or a comma list). */
  websocket_subprotocol?: string;
  /** Negotiate permessage-deflate (RFC 7692). Messages are compressed when pushed with `SWOOLE_WEBSOCKET_FLAG_COMPRESS`. */
  websocket_compression?: boolean;
  /** (Ours) Also compress every message of at least this many bytes (0: only on request). */
  websocket_compression_threshold?: number;
  /** (Ours) Never keep our compression context between messages (less memory, lower ratio). */
  websocket_compression_server_no_context_takeover?: boolean;
  /** (Ours) Ask clients not to keep theirs (frees our inflater between messages). */
  websocket_compression_client_no_context_takeover?: boolean;
  /** (Ours) Our largest compression window, 9-15 (default 15). */
  websocket_compression_server_max_window_bits?: number;
  /** Deliver close frames to `message` handlers as `CloseFrame`s. */
  open_websocket_close_frame?: boolean;
  /** Deliver ping frames to `message` handlers instead of answering pong automatically. */
  open_websocket_ping_frame?: boolean;
  /** Deliver pong frames to `message` handlers. */
  open_websocket_pong_frame?: boolean;
  /** Seconds between idle checks; 0 turns the heartbeat off. */
  heartbeat_check_interval?: number;
  /** Seconds without any received data after which a connection is closed (default 2x the interval). */
  heartbeat_idle_time?: number;
  /** (Ours) Send a ping to connections idle for one check interval, so live peers answer. */
  heartbeat_ping?: boolean;
  /** The most simultaneous connections; more get 503. */
  max_connection?: number;
  /** The largest incoming message or HTTP body, in bytes (default 2 MiB); larger messages close with 1009. */
  package_max_length?: number;
  /** The most bytes queued for one connection (default 2 MiB); also the largest `push`. */
  buffer_output_size?: number;
  /** (Ours) What a full output buffer does: `drop` (push returns false) or `close` (1008). */
  buffer_output_overflow?: 'drop' | 'close';
  /** (Ours) Seconds a client has to complete its opening handshake (default 10). */
  handshake_timeout?: number;
  /** (Ours) Seconds to receive a whole plain HTTP request, head and body (default 60); else 408. */
  http_request_timeout?: number;
  /** (Ours) Largest HTTP request head in bytes (default 16 KiB); larger gets 431. */
  http_header_max_size?: number;
  /** (Ours) Seconds to wait for the peer's close frame before dropping the connection (default 5). */
  websocket_close_timeout?: number;
  /** (Ours) Allowed `Origin` values; others get 403. Unset or empty: any origin. */
  websocket_allowed_origins?: string[];
  /** Swoole's TLS certificate file (PEM). */
  ssl_cert_file?: string;
  /** Swoole's TLS key file (PEM). */
  ssl_key_file?: string;
  /** Worker processes (scale-out; 1 runs in this process). */
  worker_num?: number;
}

/** Where and how the server listens. */
export interface WsServerOptions {
  /** Interface to bind (default `0.0.0.0`). */
  host?: string;
  /** Port to bind (default 9501; 0 picks a free port, readable from `WsServer.port`). */
  port?: number;
  /** TLS: PEM certificate and key (or use the `ssl_cert_file` / `ssl_key_file` settings). */
  ssl?: { cert: string | Buffer; key: string | Buffer };
  /** Swoole's settings. */
  settings?: WsServerSettings;
  /**
   * Scale-out across machines: the Redis adapter (needs the optional dependency `ioredis`).
   * Workers on one machine need nothing here: start the app with `runCluster`.
   */
  cluster?: { redis?: RedisClusterOptions };
}

/** Settings with every default applied, in the units the runtime uses. */
export interface ResolvedSettings {
  subprotocol: string | undefined;
  compression: boolean;
  compressionThreshold: number;
  deflatePolicy: DeflateServerPolicy;
  closeFrames: boolean;
  pingFrames: boolean;
  pongFrames: boolean;
  heartbeatIntervalMs: number;
  heartbeatIdleMs: number;
  heartbeatPing: boolean;
  maxConnections: number;
  maxPayload: number;
  maxOutputBuffer: number;
  overflowCloses: boolean;
  handshakeTimeoutMs: number;
  requestTimeoutMs: number;
  maxHeaderSize: number;
  closeTimeoutMs: number;
  allowedOrigins: ReadonlySet<string> | undefined;
}

const MIB = 1024 * 1024;

/** Applies the defaults to Swoole-style settings. */
export function resolveSettings(settings: WsServerSettings = {}): ResolvedSettings {
  const interval = settings.heartbeat_check_interval ?? 0;
  const idle = settings.heartbeat_idle_time ?? interval * 2;
  const origins = settings.websocket_allowed_origins;
  return {
    subprotocol: settings.websocket_subprotocol,
    compression: settings.websocket_compression ?? false,
    compressionThreshold: settings.websocket_compression_threshold ?? 0,
    deflatePolicy: {
      serverNoContextTakeover: settings.websocket_compression_server_no_context_takeover ?? false,
      clientNoContextTakeover: settings.websocket_compression_client_no_context_takeover ?? false,
      serverMaxWindowBits: settings.websocket_compression_server_max_window_bits ?? 15,
    },
    closeFrames: settings.open_websocket_close_frame ?? false,
    pingFrames: settings.open_websocket_ping_frame ?? false,
    pongFrames: settings.open_websocket_pong_frame ?? false,
    heartbeatIntervalMs: interval * 1000,
    heartbeatIdleMs: idle * 1000,
    heartbeatPing: settings.heartbeat_ping ?? false,
    maxConnections: settings.max_connection ?? 100_000,
    maxPayload: settings.package_max_length ?? 2 * MIB,
    maxOutputBuffer: settings.buffer_output_size ?? 2 * MIB,
    overflowCloses: settings.buffer_output_overflow === 'close',
    handshakeTimeoutMs: (settings.handshake_timeout ?? 10) * 1000,
    requestTimeoutMs: (settings.http_request_timeout ?? 60) * 1000,
    maxHeaderSize: settings.http_header_max_size ?? 16 * 1024,
    closeTimeoutMs: (settings.websocket_close_timeout ?? 5) * 1000,
    allowedOrigins: origins && origins.length > 0 ? new Set(origins) : undefined,
  };
}
