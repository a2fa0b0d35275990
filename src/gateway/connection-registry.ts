import type { Socket } from 'node:net';
import { WEBSOCKET_CLOSE_GOING_AWAY } from '../protocol/close-code.constants.js';
import type { Frame } from '../protocol/frame.js';
import { WEBSOCKET_STATUS_ACTIVE } from '../protocol/websocket-status.constants.js';
import { FdAllocator } from './fd-allocator.js';
import type { ServerEvents } from './server-events.js';
import { TopicRegistry } from './topic-registry.js';
import type { ServerStatistics, WsServerStats } from './server-statistics.js';
import {
  type ConnectionHost,
  type ConnectionSocket,
  SOCKET_CONNECTION,
  WsConnection,
} from './ws-connection.js';
import type { ResolvedSettings } from './ws-server-options.interface.js';

/**
 * Every live connection of this process, by fd: it hands out fds, enforces `max_connection`,
 * and, as each connection's host, passes its frames to the `message` handler and fires `close`
 * (a WebSocket) or `disconnect` (anything else) when its socket closes.
 */
export class ConnectionRegistry implements ConnectionHost {
  /** This process's owner id in a cluster (0 alone): the high bits of its fds. */
  ownerId = 0;
  /** The topics the connections here are subscribed to; a closed connection's end. */
  readonly topics = new TopicRegistry();
  private readonly byFd = new Map<number, WsConnection>();
  private readonly refused = new WeakSet<Socket>();
  private readonly fds = new FdAllocator();
  private websockets = 0;
  private accepting = true;
  /** The connection whose close or disconnect handler is running (gone from `byFd`). */
  private closing: WsConnection | null = null;

  constructor(
    readonly settings: ResolvedSettings,
    readonly statistics: ServerStatistics,
    private readonly events: ServerEvents,
  ) {}

  /** How many connections are live. */
  get size(): number {
    return this.byFd.size;
  }

  get(fd: number): WsConnection | undefined {
    return this.byFd.get(fd);
  }

  has(fd: number): boolean {
    return this.byFd.has(fd);
  }

  /** The live connections. */
  values(): IterableIterator<WsConnection> {
    return this.byFd.values();
  }

  /** The fds of the live connections. */
  fdList(): IterableIterator<number> {
    return this.byFd.keys();
  }

  /** The handshake path of a connection, also while its close handler runs. */
  pathOf(fd: number): string | undefined {
    const connection = this.byFd.get(fd) ?? this.closing;
    return connection?.fd === fd ? connection.path : undefined;
  }

  /**
   * Registers a new socket, unless `max_connection` is reached or the server is stopping: then
   * the socket is remembered as refused (it gets 503) and null is returned. A socket that
   * already has its connection keeps it.
   */
  accept(socket: Socket): WsConnection | null {
    const known = (socket as ConnectionSocket)[SOCKET_CONNECTION];
    if (known !== undefined) return known;
    if (this.refused.has(socket)) return null;
    if (this.byFd.size >= this.settings.maxConnections || !this.accepting) {
      this.refused.add(socket);
      this.statistics.refused++;
      return null;
    }
    const fd = this.fds.allocate(this.ownerId, (taken) => this.byFd.has(taken));
    const connection = new WsConnection(fd, socket, this);
    this.byFd.set(fd, connection);
    (socket as ConnectionSocket)[SOCKET_CONNECTION] = connection;
    this.statistics.accepted++;
    // Shared listeners: the socket carries its connection, so no closure per connection.
    socket.on('error', ignoreSocketError);
    socket.once('close', onSocketClose);
    return connection;
  }

  /** Whether a socket was refused for `max_connection` (or during shutdown). */
  isRefused(socket: Socket): boolean {
    return this.refused.has(socket);
  }

  /** No new connection from now on (shutdown). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /**
   * Closes every connection for shutdown: each open WebSocket gets 1001 (one already closing
   * finishes its own close handshake), anything else is dropped. After `timeoutMs` what is left
   * is destroyed, and the sockets' close events have fired when this resolves.
   */
  async closeAll(timeoutMs: number): Promise<void> {
    for (const connection of this.byFd.values()) {
      if (connection.status === WEBSOCKET_STATUS_ACTIVE)
        connection.close(WEBSOCKET_CLOSE_GOING_AWAY, 'server shutting down');
      else if (!connection.wasUpgraded) connection.socket.destroy();
    }
    await this.waitUntilEmpty(timeoutMs);
    for (const connection of this.byFd.values()) connection.socket.destroy();
    // Destroyed sockets report 'close' on a later tick.
    await this.waitUntilEmpty(DESTROY_GRACE_MS);
  }

  private async waitUntilEmpty(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.byFd.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** `stats()`: the counters with the live numbers. */
  stats(): WsServerStats {
    return this.statistics.snapshot(this.byFd.size, this.websockets);
  }

  // ---- ConnectionHost ---------------------------------------------------------------------

  dispatchFrame(connection: WsConnection, frame: Frame): void {
    this.events.message(connection, frame);
  }

  connectionUpgraded(): void {
    this.websockets++;
  }

  connectionClosed(connection: WsConnection): void {
    connection.dispose();
    this.topics.drop(connection);
    this.byFd.delete(connection.fd);
    this.statistics.closed++;
    const fd = connection.fd;
    this.closing = connection;
    try {
      if (connection.wasUpgraded) {
        this.websockets--;
        const handler = this.events.handler('close');
        if (handler) this.events.fire('close', () => handler(fd));
      } else {
        const handler = this.events.handler('disconnect');
        if (handler) this.events.fire('disconnect', () => handler(fd));
      }
    } finally {
      this.closing = null;
    }
  }
}

/** How long shutdown waits for destroyed sockets to report their close. */
const DESTROY_GRACE_MS = 500;

function ignoreSocketError(): void {
  // Socket errors (resets, writes after the peer left) end in 'close', which cleans up.
}

function onSocketClose(this: ConnectionSocket): void {
  this[SOCKET_CONNECTION]?.socketClosed();
}
