/** Counters the runtime keeps, reported by `WsServer.stats()` under Swoole-like names. */
export interface WsServerStats {
  /** Unix time (seconds) the server started. */
  start_time: number;
  /** Live connections (WebSocket and plain HTTP). */
  connection_num: number;
  /** Live WebSocket connections (handshake done). */
  websocket_connection_num: number;
  /** Connections accepted since start. */
  accept_count: number;
  /** Connections closed since start. */
  close_count: number;
  /** Connections refused for `max_connection`. */
  refused_count: number;
  /** Plain HTTP requests served. */
  request_count: number;
  /** WebSocket messages received and sent (control frames excluded). */
  messages_in: number;
  messages_out: number;
  /** Bytes read from and written to sockets. */
  bytes_in: number;
  bytes_out: number;
}

/** The mutable counters behind `stats()`. */
export class ServerStatistics {
  startTime = Math.floor(Date.now() / 1000);
  accepted = 0;
  closed = 0;
  refused = 0;
  requests = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;

  snapshot(live: number, websockets: number): WsServerStats {
    return {
      start_time: this.startTime,
      connection_num: live,
      websocket_connection_num: websockets,
      accept_count: this.accepted,
      close_count: this.closed,
      refused_count: this.refused,
      request_count: this.requests,
      messages_in: this.messagesIn,
      messages_out: this.messagesOut,
      bytes_in: this.bytesIn,
      bytes_out: this.bytesOut,
    };
  }
}
