import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { type Server as NetServer, createServer as createNetServer } from 'node:net';
import { Server as TlsServer, createServer as createTlsServer } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { isApplicationCloseCode, isValidWireCloseCode } from '../protocol/close-code.constants.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../protocol/frame-flag.constants.js';
import { formatExtensionHeader } from '../protocol/extension-header.parser.js';
import { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import { negotiatePerMessageDeflate } from '../protocol/permessage-deflate.negotiator.js';
import { BroadcastEncoder } from './broadcast-encoder.js';
import type { HttpRequestHead } from './http-request-head.interface.js';
import { UpgradeSniffer } from './upgrade-sniffer.js';
import type { ClusterAdapter } from '../cluster/cluster-adapter.interface.js';
import type { ClusterCommand } from '../cluster/cluster-command.interface.js';
import { RemoteConnections } from '../cluster/remote-connections.js';
import { createClusterAdapter } from '../cluster/cluster-adapter.factory.js';
import { isSendableClose } from '../protocol/close-payload.js';
import {
  CloseFrame,
  Frame,
  type FrameData,
  closePayloadOf,
  isSendableFrame,
} from '../protocol/frame.js';
import {
  type ResponseHeaders,
  buildErrorResponse,
  buildHandshakeResponse,
  buildResponseHead,
} from '../protocol/http-response.builder.js';
import { type AcceptedUpgrade, validateUpgradeRequest } from '../protocol/handshake-validator.js';
import {
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_TEXT,
  isControlOpcode,
  isKnownOpcode,
} from '../protocol/opcode.constants.js';
import { selectSubprotocol } from '../protocol/subprotocol.js';
import {
  WEBSOCKET_STATUS_ACTIVE,
  WEBSOCKET_STATUS_HANDSHAKE,
} from '../protocol/websocket-status.constants.js';
import { WEBSOCKET_CLOSE_GOING_AWAY } from '../protocol/close-code.constants.js';
import { FdAllocator } from './fd-allocator.js';
import { pathCovers } from './path-scope.util.js';
import { isPromiseLike } from './promise-like.util.js';
import { HeartbeatMonitor } from './heartbeat-monitor.js';
import { ServerStatistics, type WsServerStats } from './server-statistics.js';
import {
  type ConnectionHost,
  type ConnectionSocket,
  SOCKET_CONNECTION,
  WsConnection,
} from './ws-connection.js';
import { consoleLogger, type WsLogger } from './ws-logger.interface.js';
import { WsRequest, pathOfUrl } from './ws-request.js';
import { NodeResponseTarget, WsResponse, type WsResponseTarget } from './ws-response.js';
import type {
  UpgradeGuard,
  WsServerEvent,
  WsServerEventHandlers,
} from './ws-server-events.interface.js';
import {
  type ResolvedSettings,
  type WsServerOptions,
  resolveSettings,
} from './ws-server-options.interface.js';

/** Swoole's `getClientInfo()` fields. Times are Unix seconds. */
export interface WsClientInfo {
  websocket_status: number;
  server_port: number;
  server_fd: number;
  socket_fd: number;
  socket_type: number;
  remote_ip: string;
  remote_port: number;
  reactor_id: number;
  worker_id: number;
  connect_time: number;
  last_time: number;
  last_recv_time: number;
  last_send_time: number;
  recv_queued_bytes: number;
  send_queued_bytes: number;
}

/** Swoole's SWOOLE_SOCK_TCP. */
const SOCK_TCP = 1;
/** How long `shutdown()` waits for peers to answer the 1001 close before dropping them. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 2000;
/** How long shutdown waits for destroyed sockets to report their close. */
const DESTROY_GRACE_MS = 500;

/**
 * The WebSocket server, as Swoole's `Swoole\WebSocket\Server`: it owns the HTTP(S) listener,
 * performs upgrades with this library's RFC 6455 engine, fires the events, and offers Swoole's
 * methods (`push`, `disconnect`, `exist`, `isEstablished`, `getClientInfo`, `connections`, ...).
 *
 * Usable on its own:
 * ```ts
 * const server = new WsServer({ port: 9501 });
 * server.on('message', (frame) => server.push(frame.fd, frame.data, frame.opcode));
 * await server.start();
 * ```
 * In a Nest application, `WsServerModule` creates it, wires the decorated handlers and
 * starts it; inject it anywhere to push.
 */
export class WsServer implements ConnectionHost {
  /** Packs a frame: see `Frame.pack` (false for a frame that would be invalid). */
  static pack(
    data: FrameData | Frame,
    opcode = WEBSOCKET_OPCODE_TEXT,
    flags: number | boolean = SWOOLE_WEBSOCKET_FLAG_FIN,
  ): Buffer | false {
    return Frame.pack(data, opcode, flags);
  }

  /** Unpacks a frame: see `Frame.unpack` (inflating at most `maxLength` bytes, 2 MiB by default). */
  static unpack(data: Buffer, maxLength?: number): Frame | false {
    return Frame.unpack(data, maxLength);
  }

  /** The settings with their defaults applied. */
  readonly settings: ResolvedSettings;
  /** @internal Counters behind `stats()`. */
  readonly statistics = new ServerStatistics();
  /** The options the server was created with. */
  readonly options: Readonly<WsServerOptions>;

  /**
   * What a `handshake` handler returns (without answering) to have the built-in handshake run
   * instead, as if no handshake handler were registered.
   */
  readonly defaultHandshake: symbol = DEFAULT_HANDSHAKE;

  private readonly handlers: Partial<WsServerEventHandlers> = {};
  private readonly byFd = new Map<number, WsConnection>();
  private readonly refusedSockets = new WeakSet<Socket>();
  private readonly heartbeat: HeartbeatMonitor;
  private upgradeGuard: UpgradeGuard | null = null;
  private httpServer: HttpServer | null = null;
  /** Our own listener (not attached mode): raw TCP or TLS, read first by the sniffer. */
  private listener: NetServer | null = null;
  private sniffer: UpgradeSniffer | null = null;
  private ownsHttpServer = false;
  private readonly fds = new FdAllocator();
  /** The cluster seam: null in the single-process default, so its path is unchanged. */
  private clusterAdapter: ClusterAdapter | null = null;
  private remote: RemoteConnections | null = null;
  private ownerId = 0;
  private websocketCount = 0;
  /** The connection whose close or disconnect handler is running. */
  private closedConnection: WsConnection | null = null;
  private shuttingDown = false;
  private starting = false;
  /** The cluster being joined by `attach()`, while it is. */
  private joining: Promise<void> | null = null;
  private shutdownDone: Promise<void> | null = null;

  constructor(
    options: WsServerOptions = {},
    private readonly logger: WsLogger = consoleLogger,
  ) {
    this.options = options;
    this.settings = resolveSettings(options.settings);
    this.heartbeat = new HeartbeatMonitor(this.settings, () => this.byFd.values());
  }

  /** Registers the handler of an event, replacing any earlier one (as Swoole's `on()`). */
  on<E extends WsServerEvent>(event: E, handler: WsServerEventHandlers[E]): this {
    this.handlers[event] = handler;
    return this;
  }

  /** Whether a handler is registered for the event. */
  hasHandler(event: WsServerEvent): boolean {
    return this.handlers[event] !== undefined;
  }

  /** Sets the check run before every handshake (path routing, guards). */
  setUpgradeGuard(guard: UpgradeGuard | null): void {
    this.upgradeGuard = guard;
  }

  /** The bound port (after `start()`), or the configured one. */
  get port(): number {
    const address = (this.listener ?? this.httpServer)?.address();
    if (address && typeof address === 'object') return (address as AddressInfo).port;
    return this.options.port ?? 9501;
  }

  /** The underlying Node HTTP(S) server, once started or attached. */
  get server(): HttpServer | null {
    return this.httpServer;
  }

  /**
   * Listens on `host:port` (HTTPS when TLS is configured). Fails, like Swoole, when no `message`
   * handler is registered, and with the listener's error (e.g. EADDRINUSE).
   */
  async start(): Promise<void> {
    this.assertStartable();
    this.starting = true;
    try {
      await this.joinCluster();
      const http = this.createHttpServer();
      this.attachListeners(http, true);
      // Node tracks header and request timeouts only for servers that emitted 'listening'; this
      // one never listens itself (it gets the connections the sniffer hands over), so tell it.
      http.emit('listening');
      this.ownsHttpServer = true;
      const listener = this.createListener();
      this.listener = listener;
      this.sniffer = new UpgradeSniffer(
        this.settings.maxHeaderSize,
        this.settings.handshakeTimeoutMs,
        {
          upgrade: (socket, head, rest) => this.upgrade({ ...head, socket }, socket, rest),
          fallback: (socket, buffered) => this.handToHttp(socket, buffered),
          refuse: (socket, status, reason) => refuseRaw(socket, status, reason),
        },
      );
      await listen(listener, this.options.port ?? 9501, this.options.host ?? '0.0.0.0');
      listener.on('error', (error) => this.logger.error('listener error', error));
      this.heartbeat.start();
    } catch (error) {
      // A failed start (port in use, a bad certificate, Redis unreachable) leaves nothing
      // running behind it, so the same server can be started again.
      await this.releaseFailedStart();
      throw error;
    } finally {
      this.starting = false;
    }
  }

  /** Undoes a start that failed half way. */
  private async releaseFailedStart(): Promise<void> {
    this.heartbeat.stop();
    this.sniffer?.close();
    this.sniffer = null;
    this.listener?.close();
    this.listener = null;
    if (this.ownsHttpServer) this.httpServer?.close();
    this.httpServer = null;
    this.ownsHttpServer = false;
    await this.leaveCluster();
  }

  /** A new connection on our listener: its first request head goes to the sniffer. */
  private connected(socket: Socket): void {
    this.accept(socket);
    if (this.refusedSockets.has(socket)) this.handToHttp(socket, EMPTY);
    else this.sniffer?.add(socket);
  }

  /** Gives a connection to Node's HTTP server, with the bytes already read put back first. */
  private handToHttp(socket: Socket, buffered: Buffer): void {
    if (buffered.length > 0) socket.unshift(buffered);
    this.httpServer?.emit('connection', socket);
    socket.resume();
  }

  /**
   * Serves WebSocket upgrades on an existing HTTP(S) server (e.g. Nest's), which keeps its own
   * request handling. `request` handlers are not used in this mode.
   */
  async attach(server: HttpServer): Promise<void> {
    this.assertStartable();
    this.starting = true;
    // Listening at once: the application may already serve. Upgrades that arrive while the
    // cluster is joined wait for it (their fds must carry this process's owner id).
    this.attachListeners(server, false);
    const joining = this.joinCluster();
    this.joining = joining;
    try {
      await joining;
      this.heartbeat.start();
    } catch (error) {
      server.off('upgrade', this.onUpgrade);
      this.httpServer = null;
      throw error;
    } finally {
      this.joining = null;
      this.starting = false;
    }
  }

  /**
   * Joins the cluster, if any: over Redis when `cluster.redis` is configured, else over the IPC
   * channel when this process is a worker started by `runCluster`. `worker_num` > 1 without
   * `runCluster` is a configuration error. An adapter that fails to start is stopped (it
   * releases its clients) before the error goes on.
   */
  private async joinCluster(): Promise<void> {
    const adapter = createClusterAdapter(
      { redis: this.options.cluster?.redis, workerNum: this.options.settings?.worker_num },
      this.logger,
    );
    if (adapter === null) return;
    try {
      await adapter.start((command) => this.executeClusterCommand(command));
    } catch (error) {
      await adapter.stop();
      throw error;
    }
    this.clusterAdapter = adapter;
    this.remote = new RemoteConnections(adapter);
    this.ownerId = adapter.ownerId;
  }

  /** Leaves the cluster (bounded: the adapter never waits long on its transport). */
  private async leaveCluster(): Promise<void> {
    const adapter = this.clusterAdapter;
    this.clusterAdapter = null;
    this.remote = null;
    this.ownerId = 0;
    await adapter?.stop();
  }

  /** Runs another owner's command on this process's own connections. */
  private executeClusterCommand(command: ClusterCommand): unknown {
    switch (command.op) {
      case 'push':
        return this.push(command.fd, command.data, command.opcode, command.flags);
      case 'disconnect':
        return this.disconnect(command.fd, command.code, command.reason);
      case 'exist':
        return this.exist(command.fd);
      case 'isEstablished':
        return this.isEstablished(command.fd);
      case 'getClientInfo':
        return this.getClientInfo(command.fd);
      case 'broadcast':
        return this.broadcastLocal(
          command.data,
          command.opcode,
          command.flags,
          command.path === undefined ? undefined : { path: command.path },
        );
      case 'connections':
        return [...this.byFd.keys()];
      case 'stats':
        return this.stats();
    }
  }

  /**
   * Stops accepting, closes every WebSocket with 1001, waits at most `timeoutMs` for the peers
   * to answer, then drops whatever is left. Never hangs.
   */
  shutdown(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<void> {
    // A second call, concurrent or later, waits for the same drain.
    this.shutdownDone ??= this.drainAndClose(timeoutMs);
    return this.shutdownDone;
  }

  private async drainAndClose(timeoutMs: number): Promise<void> {
    this.shuttingDown = true;
    this.heartbeat.stop();
    await this.leaveCluster();
    const listener = this.listener;
    const closed = listener
      ? new Promise<void>((resolve) => listener.close(() => resolve()))
      : Promise.resolve();
    this.sniffer?.close();
    // Not listening itself: closing only stops its timeout tracking.
    if (this.ownsHttpServer) this.httpServer?.close(() => undefined);
    for (const connection of this.byFd.values()) {
      // A WebSocket already closing finishes its own close handshake within the bound.
      if (connection.status === WEBSOCKET_STATUS_ACTIVE)
        connection.close(WEBSOCKET_CLOSE_GOING_AWAY, 'server shutting down');
      else if (!connection.isWebSocket) connection.socket.destroy();
    }
    await this.waitForConnections(timeoutMs);
    for (const connection of this.byFd.values()) connection.socket.destroy();
    // Destroyed sockets report 'close' on a later tick: their close events fire before we end.
    await this.waitForConnections(DESTROY_GRACE_MS);
    await closed;
  }

  // ---- Swoole's methods -------------------------------------------------------------------

  /**
   * Sends a message (or control frame) to a WebSocket connection. A `Frame` carries its own
   * opcode and flags (later arguments ignored). Returns false for an unknown fd, a connection
   * that is not an open WebSocket, a bad argument, a payload over `buffer_output_size` (2 MiB by
   * default), or a full output buffer.
   */
  push(
    fd: number,
    data: FrameData | Frame,
    opcode: number = WEBSOCKET_OPCODE_TEXT,
    flags: number = SWOOLE_WEBSOCKET_FLAG_FIN,
  ): boolean {
    let payload: FrameData;
    if (data instanceof CloseFrame) {
      if (!isSendableClose(data.code, data.reason)) return false;
      payload = closePayloadOf(data.code, data.reason);
      opcode = WEBSOCKET_OPCODE_CLOSE;
      flags = SWOOLE_WEBSOCKET_FLAG_FIN;
    } else if (data instanceof Frame) {
      payload = data.payload;
      opcode = data.opcode;
      flags = data.finish
        ? data.flags | SWOOLE_WEBSOCKET_FLAG_FIN
        : data.flags & ~SWOOLE_WEBSOCKET_FLAG_FIN;
    } else if (typeof data === 'string' || Buffer.isBuffer(data)) {
      payload = data;
    } else {
      return false;
    }
    if (!Number.isInteger(flags) || !this.isPushable(opcode, payload)) return false;
    const connection = this.byFd.get(fd);
    if (connection === undefined) {
      if (this.remote === null || !this.remote.isRemote(fd)) return false;
      return this.remote.dispatch(fd, { op: 'push', fd, data: payload, opcode, flags });
    }
    if (connection.status !== WEBSOCKET_STATUS_ACTIVE) return false;
    // A pushed close frame only frames and sends, as Swoole's push: see WsConnection.pushClose.
    if (opcode === WEBSOCKET_OPCODE_CLOSE) return connection.pushClose(toBytes(payload));
    // A control frame is never fragmented.
    const fin = isControlOpcode(opcode) || (flags & SWOOLE_WEBSOCKET_FLAG_FIN) !== 0;
    const compress = (flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS) !== 0;
    return connection.sendFrame(opcode, payload, fin, compress);
  }

  /**
   * `push` that waits for the answer of the connection's owner: for a connection of another
   * worker or node, true only once that owner wrote the frame.
   */
  async pushAsync(
    fd: number,
    data: FrameData | Frame,
    opcode: number = WEBSOCKET_OPCODE_TEXT,
    flags: number = SWOOLE_WEBSOCKET_FLAG_FIN,
  ): Promise<boolean> {
    if (this.remote === null || !this.remote.isRemote(fd) || data instanceof Frame)
      return this.push(fd, data, opcode, flags);
    if ((typeof data !== 'string' && !Buffer.isBuffer(data)) || !this.isPushable(opcode, data))
      return false;
    if (!Number.isInteger(flags)) return false;
    return this.remote.ask(fd, { op: 'push', fd, data, opcode, flags }, false);
  }

  /**
   * Closes a WebSocket with a close frame. `code` must be 1000 or 4000-4999 and `reason` at most
   * 125 bytes of UTF-8 (the wire carries at most 123 of them: a close frame holds 125 bytes with
   * the code). False for an unknown fd, a connection that is not a WebSocket, or bad arguments.
   */
  disconnect(fd: number, code = 1000, reason = ''): boolean {
    if (!isValidDisconnect(code, reason)) return false;
    const connection = this.byFd.get(fd);
    if (connection === undefined) {
      if (this.remote === null || !this.remote.isRemote(fd)) return false;
      return this.remote.dispatch(fd, { op: 'disconnect', fd, code, reason });
    }
    if (connection.status !== WEBSOCKET_STATUS_ACTIVE) return false;
    connection.close(code, reason);
    return true;
  }

  /** `disconnect` that waits for the answer of the connection's owner. */
  async disconnectAsync(fd: number, code = 1000, reason = ''): Promise<boolean> {
    if (this.remote === null || !this.remote.isRemote(fd)) return this.disconnect(fd, code, reason);
    if (!isValidDisconnect(code, reason)) return false;
    return this.remote.ask(fd, { op: 'disconnect', fd, code, reason }, false);
  }

  /** `exist` for any fd of the cluster (asks the owner of a remote fd). */
  async existAsync(fd: number): Promise<boolean> {
    if (this.remote === null || !this.remote.isRemote(fd)) return this.exist(fd);
    return this.remote.ask(fd, { op: 'exist', fd }, false);
  }

  /** `isEstablished` for any fd of the cluster. */
  async isEstablishedAsync(fd: number): Promise<boolean> {
    if (this.remote === null || !this.remote.isRemote(fd)) return this.isEstablished(fd);
    return this.remote.ask(fd, { op: 'isEstablished', fd }, false);
  }

  /** `getClientInfo` for any fd of the cluster. */
  async getClientInfoAsync(fd: number): Promise<WsClientInfo | false> {
    if (this.remote === null || !this.remote.isRemote(fd)) return this.getClientInfo(fd);
    return this.remote.ask<WsClientInfo | false>(fd, { op: 'getClientInfo', fd }, false);
  }

  /** The fds of every live connection of the whole cluster (owners that do not answer in time are left out). */
  async connectionsAsync(): Promise<number[]> {
    const local = [...this.byFd.keys()];
    if (this.remote === null) return local;
    const remote = (await this.remote.gather({ op: 'connections' })) as number[][];
    return local.concat(...remote);
  }

  /** `stats()` of every worker or node of the cluster, this one first. */
  async statsAsync(): Promise<WsServerStats[]> {
    const local = this.stats();
    if (this.remote === null) return [local];
    return [local, ...((await this.remote.gather({ op: 'stats' })) as WsServerStats[])];
  }

  /** Whether the fd is a live connection (WebSocket or plain HTTP). */
  exist(fd: number): boolean {
    return this.byFd.has(fd);
  }

  /** Alias of `exist()`. */
  exists(fd: number): boolean {
    return this.exist(fd);
  }

  /** Whether the fd is a WebSocket connection whose handshake is done and which is not closing. */
  isEstablished(fd: number): boolean {
    return this.byFd.get(fd)?.status === WEBSOCKET_STATUS_ACTIVE;
  }

  /** Swoole's client information, or false for an unknown fd. */
  getClientInfo(fd: number): WsClientInfo | false {
    const connection = this.byFd.get(fd);
    if (connection === undefined) return false;
    const socket = connection.socket;
    return {
      websocket_status: connection.status,
      server_port: socket.localPort ?? this.port,
      server_fd: 0,
      socket_fd: fd,
      socket_type: SOCK_TCP,
      remote_ip: normalizeAddress(socket.remoteAddress),
      remote_port: socket.remotePort ?? 0,
      reactor_id: 0,
      worker_id: this.ownerId,
      connect_time: connection.connectTime,
      last_time: Math.floor(connection.lastTime / 1000),
      last_recv_time: Math.floor(connection.lastRecvTime / 1000),
      last_send_time: Math.floor(connection.lastSendTime / 1000),
      recv_queued_bytes: 0,
      send_queued_bytes: connection.bufferedAmount,
    };
  }

  /** Alias of `getClientInfo()`, Swoole's older name. */
  connection_info(fd: number): WsClientInfo | false {
    return this.getClientInfo(fd);
  }

  /** The fds of every live connection (WebSocket and plain HTTP), as Swoole's `$server->connections`. */
  get connections(): IterableIterator<number> {
    return this.byFd.keys();
  }

  /** Writes raw bytes to a connection, without framing. False for an unknown or closed fd. */
  send(fd: number, data: string | Buffer): boolean {
    const connection = this.byFd.get(fd);
    if (connection === undefined) return false;
    return connection.sendRaw(typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** Closes a connection's TCP stream (no close frame). False for an unknown fd. */
  close(fd: number): boolean {
    const connection = this.byFd.get(fd);
    if (connection === undefined) return false;
    connection.end();
    return true;
  }

  /**
   * Closes a WebSocket with any code valid on the wire (1000-1003, 1007-1014, 3000-4999), for
   * what `disconnect()` may not send, such as 1011 after a server fault. False for an unknown
   * fd, a connection that is not an open WebSocket, or an invalid code.
   */
  closeConnection(fd: number, code: number, reason = ''): boolean {
    const connection = this.byFd.get(fd);
    if (connection === undefined || connection.status !== WEBSOCKET_STATUS_ACTIVE) return false;
    if (!isValidWireCloseCode(code)) return false;
    connection.close(code, reason);
    return true;
  }

  /** Counters: connections, accepts, closes, messages and bytes in and out. */
  stats(): WsServerStats {
    return this.statistics.snapshot(this.byFd.size, this.websocketCount);
  }

  /** Runs `callback` after the current I/O callbacks, as Swoole's `defer()`. */
  defer(callback: () => void): void {
    setImmediate(() => this.invokeSafely('defer', callback));
  }

  /**
   * Sends one message to every open WebSocket, or to those `filter` accepts: a function of the
   * fd, or `{ path }` for the connections whose handshake path is that path or below it.
   * The frame is encoded once. In a cluster, every owner delivers to its own connections; a
   * function filter only runs here, so that broadcast stays on this process, while a `{ path }`
   * filter travels. Returns the number of this process's connections it was written to.
   */
  broadcast(
    data: FrameData,
    opcode: number = WEBSOCKET_OPCODE_TEXT,
    flags: number = SWOOLE_WEBSOCKET_FLAG_FIN,
    filter?: BroadcastFilter,
  ): number {
    if (typeof data !== 'string' && !Buffer.isBuffer(data)) return 0;
    if (!this.isPushable(opcode, data) || !Number.isInteger(flags)) return 0;
    if (this.remote !== null && typeof filter !== 'function') {
      this.remote.publish({ op: 'broadcast', data, opcode, flags, path: filter?.path });
    }
    return this.broadcastLocal(data, opcode, flags, filter);
  }

  /** Delivers a broadcast to this process's own connections. */
  private broadcastLocal(
    data: FrameData,
    opcode: number,
    flags: number,
    filter?: BroadcastFilter,
  ): number {
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    const fin = (flags & SWOOLE_WEBSOCKET_FLAG_FIN) !== 0;
    const threshold = this.settings.compressionThreshold;
    const compress =
      (flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS) !== 0 ||
      (threshold > 0 && payload.length >= threshold);
    const encoder = new BroadcastEncoder(
      opcode,
      payload,
      fin,
      compress && !isControlOpcode(opcode),
    );
    let delivered = 0;
    const accepts = filterFunction(filter);
    for (const [fd, connection] of this.byFd) {
      if (connection.status !== WEBSOCKET_STATUS_ACTIVE || (accepts && !accepts(fd, connection))) {
        continue;
      }
      if (encoder.deliver(connection)) delivered++;
    }
    return delivered;
  }

  // ---- ConnectionHost ---------------------------------------------------------------------

  /**
   * @internal Hands a frame to the `message` handler. A handler still working (a promise)
   * counts against the connection's bound of waiting messages.
   */
  dispatchFrame(connection: WsConnection, frame: Frame): void {
    const handler = this.handlers.message;
    if (!handler) return;
    let result: unknown;
    try {
      result = handler(frame);
    } catch (error) {
      this.logger.error('"message" handler failed', error);
      return;
    }
    if (isPromiseLike(result)) {
      connection.handlerBusy(frame.payload.length, result, (error) =>
        this.logger.error('"message" handler failed', error),
      );
    }
  }

  /** @internal The handshake path of a connection, or undefined for an unknown fd. */
  pathOf(fd: number): string | undefined {
    const connection = this.byFd.get(fd) ?? this.closedConnection;
    return connection?.fd === fd ? connection.path : undefined;
  }

  // ---- Listener wiring --------------------------------------------------------------------

  private assertStartable(): void {
    if (!this.handlers.message) {
      throw new Error(
        'WsServer: a "message" handler is required (Swoole refuses to start without onMessage)',
      );
    }
    if (this.httpServer || this.starting) throw new Error('WsServer: already started');
    if (this.shuttingDown) throw new Error('WsServer: shut down; create a new server');
  }

  /** Our listener: TCP, or TLS when configured; connections go to `connected`. */
  private createListener(): NetServer {
    const tls = this.tlsOptions();
    if (tls) {
      const server = createTlsServer(tls, (socket) => this.connected(socket));
      server.on('tlsClientError', () => undefined);
      return server;
    }
    // Half-open like Node's HTTP server: we decide when our side ends.
    return createNetServer({ allowHalfOpen: true }, (socket) => this.connected(socket));
  }

  /** Node's HTTP server for everything that is not a plain upgrade (it never listens itself). */
  private createHttpServer(): HttpServer {
    return createHttpServer({
      maxHeaderSize: this.settings.maxHeaderSize,
      // Node refuses a head timeout longer than the whole request's.
      headersTimeout: Math.min(this.settings.handshakeTimeoutMs, this.settings.requestTimeoutMs),
      requestTimeout: this.settings.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(
        1000,
        this.settings.handshakeTimeoutMs,
        this.settings.requestTimeoutMs,
      ),
    });
  }

  private tlsOptions(): { cert: string | Buffer; key: string | Buffer } | null {
    if (this.options.ssl) return this.options.ssl;
    const { ssl_cert_file: certFile, ssl_key_file: keyFile } = this.options.settings ?? {};
    if (!certFile && !keyFile) return null;
    if (!certFile || !keyFile)
      throw new Error('WsServer: ssl_cert_file and ssl_key_file must be set together');
    return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  }

  private attachListeners(server: HttpServer, ownsRequests: boolean): void {
    this.httpServer = server;
    // On a shared server, REST connections are not ours: sockets are only taken over when they
    // ask to upgrade, so keep-alive HTTP traffic neither fires `disconnect` nor counts toward
    // `max_connection`, and shutdown leaves it to the HTTP platform.
    if (ownsRequests) {
      const connectionEvent = server instanceof TlsServer ? 'secureConnection' : 'connection';
      server.on(connectionEvent, (socket: Socket) => this.accept(socket));
    }
    server.on('upgrade', this.onUpgrade);
    if (ownsRequests) {
      server.on('request', (request: IncomingMessage, response: ServerResponse) => {
        this.request(request, response).catch((error: unknown) => {
          this.logger.error('HTTP request failed', error);
          response.destroy();
        });
      });
      server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
        this.clientError(error, socket),
      );
      server.on('tlsClientError', () => undefined);
    }
  }

  /** An upgrade Node's HTTP server parsed; one that arrives while joining the cluster waits. */
  private readonly onUpgrade = (request: IncomingMessage, socket: Socket, head: Buffer): void => {
    const joining = this.joining;
    if (joining === null) return this.upgrade(request, socket, head);
    socket.pause();
    joining
      .then(
        () => this.upgrade(request, socket, head),
        () => refuseRaw(socket, 503, 'the WebSocket server could not start'),
      )
      .catch((error: unknown) => {
        this.logger.error('handshake failed', error);
        socket.destroy();
      });
  };

  private accept(socket: Socket): void {
    // Sockets handed over by the sniffer were accepted already.
    if ((socket as ConnectionSocket)[SOCKET_CONNECTION] || this.refusedSockets.has(socket)) return;
    if (this.byFd.size >= this.settings.maxConnections || this.shuttingDown) {
      this.refusedSockets.add(socket);
      this.statistics.refused++;
      return;
    }
    const fd = this.fds.allocate(this.ownerId, (taken) => this.byFd.has(taken));
    const connection = new WsConnection(fd, socket, this);
    this.byFd.set(connection.fd, connection);
    (socket as ConnectionSocket)[SOCKET_CONNECTION] = connection;
    this.statistics.accepted++;
    // Shared listeners: the socket carries its connection, so no closure per connection.
    socket.on('error', ignoreSocketError);
    socket.once('close', onSocketClose);
  }

  /** @internal A connection's socket closed. */
  connectionClosed(connection: WsConnection): void {
    connection.dispose();
    this.byFd.delete(connection.fd);
    this.statistics.closed++;
    // Gone from the registry, but its handlers may still ask for its path.
    this.closedConnection = connection;
    try {
      if (connection.isWebSocket) {
        this.websocketCount--;
        const handler = this.handlers.close;
        if (handler) this.invokeSafely('close', () => handler(connection.fd));
      } else {
        const handler = this.handlers.disconnect;
        if (handler) this.invokeSafely('disconnect', () => handler(connection.fd));
      }
    } finally {
      this.closedConnection = null;
    }
  }

  /** The connection of a socket; attached servers may hand us sockets accepted before us. */
  private connectionOf(socket: Socket): WsConnection | null {
    if (this.refusedSockets.has(socket)) return null;
    const known = (socket as ConnectionSocket)[SOCKET_CONNECTION];
    if (known) return known;
    this.accept(socket);
    return (socket as ConnectionSocket)[SOCKET_CONNECTION] ?? null;
  }

  // ---- Plain HTTP -------------------------------------------------------------------------

  private async request(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const connection = this.connectionOf(request.socket);
    if (connection === null) return void sendPlain(response, 503, 'too many connections');
    const handler = this.handlers.request;
    if (!handler) return void sendPlain(response, 400, 'this server speaks WebSocket only');
    const body = await readBody(request, this.settings.maxPayload);
    // The client went away (reset, FIN, or Node's request timeout answered 408): nobody to answer.
    if (body === ABORTED) return void response.destroy();
    if (body === TOO_LARGE) return void sendPlain(response, 413, 'request body too large');
    this.statistics.requests++;
    connection.lastRecvTime = Date.now();
    const wsResponse = new WsResponse(connection.fd, new NodeResponseTarget(response));
    try {
      await handler(new WsRequest(connection.fd, request, body), wsResponse);
    } catch (error) {
      this.logger.error('"request" handler failed', error);
      if (!response.headersSent) return void sendPlain(response, 500, 'internal server error');
    }
    if (!wsResponse.finished) wsResponse.end();
  }

  private clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (!socket.writable) return void socket.destroy();
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
    socket.end(
      buildErrorResponse(status, status === 431 ? 'request header too large' : 'bad request'),
    );
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  // ---- Opening handshake ------------------------------------------------------------------

  /**
   * An upgrade request. The common case (built-in handshake, no handshake hooks, a guard that
   * answers at once) completes synchronously, without a timer or a promise; anything that may
   * wait (a guard's promise, a handshake or beforeHandshakeResponse handler) continues in
   * `upgradeSlowly`, bounded by `handshake_timeout`.
   */
  private upgrade(request: HttpRequestHead, socket: Socket, head: Buffer): void {
    // Nothing may be read before the connection's frame reader is attached.
    socket.pause();
    const connection = this.connectionOf(socket);
    if (connection === null) return refuseRaw(socket, 503, 'too many connections');
    connection.status = WEBSOCKET_STATUS_HANDSHAKE;
    connection.path = pathOfUrl(request.url);
    try {
      const check = validateUpgradeRequest(request);
      if (!check.ok) return refuseRaw(socket, check.status, check.reason, check.headers);
      if (!this.originAllowed(request)) return refuseRaw(socket, 403, 'origin not allowed');
      const wsRequest = new WsRequest(connection.fd, request);
      const verdict = this.upgradeGuard ? this.upgradeGuard(wsRequest) : null;
      if (
        isPromiseLike(verdict) ||
        this.handlers.handshake ||
        this.handlers.beforeHandshakeResponse
      ) {
        this.upgradeSlowly(connection, wsRequest, check, head, verdict).catch((error: unknown) => {
          this.logger.error('handshake failed', error);
          socket.destroy();
        });
        return;
      }
      if (verdict) return refuseRaw(socket, verdict.status, verdict.reason, verdict.headers);
      this.acceptUpgrade(
        connection,
        wsRequest,
        check,
        head,
        this.handshakeResponse(connection, check),
      );
    } catch (error) {
      this.logger.error('handshake failed', error);
      refuseRaw(socket, 500, 'handshake failed');
    }
  }

  private async upgradeSlowly(
    connection: WsConnection,
    wsRequest: WsRequest,
    check: AcceptedUpgrade,
    head: Buffer,
    verdict: ReturnType<UpgradeGuard>,
  ): Promise<void> {
    const socket = connection.socket;
    const timer = setTimeout(
      () => refuseRaw(socket, 408, 'handshake timeout'),
      this.settings.handshakeTimeoutMs,
    );
    try {
      const refusal = await verdict;
      if (peerLeft(socket)) return void socket.destroy();
      if (refusal) return refuseRaw(socket, refusal.status, refusal.reason, refusal.headers);
      const useBuiltIn =
        !this.handlers.handshake ||
        (await this.customHandshake(connection, wsRequest, check, head));
      if (useBuiltIn) await this.builtInHandshake(connection, wsRequest, check, head);
    } catch (error) {
      this.logger.error('handshake failed', error);
      refuseRaw(socket, 500, 'handshake failed');
    } finally {
      clearTimeout(timer);
    }
  }

  private originAllowed(request: HttpRequestHead): boolean {
    const allowed = this.settings.allowedOrigins;
    if (allowed === undefined) return true;
    // Browsers always send Origin; a client without one is not a browser page, and could send
    // any Origin it liked, so the list guards against cross-site pages, not against it.
    const origin = request.headers['origin'];
    return origin === undefined || (typeof origin === 'string' && allowed.has(origin));
  }

  private async builtInHandshake(
    connection: WsConnection,
    request: WsRequest,
    check: AcceptedUpgrade,
    head: Buffer,
  ): Promise<void> {
    const response = this.handshakeResponse(connection, check);
    const hook = this.handlers.beforeHandshakeResponse;
    if (hook) await this.invokeAsync('beforeHandshakeResponse', () => hook(request, response));
    // Refused meanwhile (handshake timeout), or the client left while we waited.
    if (peerLeft(connection.socket)) return void connection.socket.destroy();
    this.acceptUpgrade(connection, request, check, head, response);
  }

  /** The built-in 101's extra headers: the chosen subprotocol and extension. */
  private handshakeResponse(connection: WsConnection, check: AcceptedUpgrade): WsResponse {
    const response = new WsResponse(connection.fd, DETACHED_TARGET);
    const protocol = selectSubprotocol(check.subprotocols, this.settings.subprotocol);
    if (protocol !== undefined) response.header('Sec-WebSocket-Protocol', protocol);
    const extension = this.settings.compression
      ? this.negotiateCompression(connection, check)
      : null;
    if (extension !== null) response.header('Sec-WebSocket-Extensions', extension);
    return response;
  }

  /** Writes the 101, switches the connection to frames and fires `open`. */
  private acceptUpgrade(
    connection: WsConnection,
    request: WsRequest,
    check: AcceptedUpgrade,
    head: Buffer,
    response: WsResponse,
  ): void {
    connection.socket.write(buildHandshakeResponse(check.key, response.headerEntries()));
    this.activate(connection, head);
    const open = this.handlers.open;
    if (open) this.invokeSafely('open', () => open(request));
  }

  /**
   * Swoole's `onHandshake`: the handler answers; a 101 it ends opens the connection. Returns true
   * when the handler resolved to `defaultHandshake` without answering: the built-in handshake
   * then runs (the module uses this for paths without a handshake handler).
   */
  private async customHandshake(
    connection: WsConnection,
    request: WsRequest,
    check: AcceptedUpgrade,
    head: Buffer,
  ): Promise<boolean> {
    const socket = connection.socket;
    const body: Buffer[] = [];
    const target: WsResponseTarget = {
      write: (_response, chunk) => body.push(chunk) > 0,
      end: (response, chunk) => {
        if (peerLeft(socket)) return void socket.destroy();
        if (chunk) body.push(chunk);
        if (response.statusCode === 101) {
          socket.write(
            buildResponseHead(101, this.customUpgradeHeaders(connection, check, response)),
          );
          this.activate(connection, head);
          return;
        }
        const content = Buffer.concat(body);
        socket.end(
          Buffer.concat([
            Buffer.from(
              buildResponseHead(response.statusCode, {
                ...response.headerEntries(),
                'Content-Length': content.length,
                Connection: 'close',
              }),
            ),
            content,
          ]),
        );
      },
    };
    const response = new WsResponse(connection.fd, target);
    const handler = this.handlers.handshake as WsServerEventHandlers['handshake'];
    let outcome: unknown;
    await this.invokeAsync('handshake', async () => {
      outcome = await handler(request, response);
    });
    if (response.finished || !socket.writable) return false;
    if (outcome === this.defaultHandshake) return true;
    refuseRaw(socket, 400, 'handshake not completed by the handshake handler');
    return false;
  }

  /**
   * The headers of a 101 sent by a handshake handler. With `websocket_compression`,
   * permessage-deflate is negotiated as in the built-in handshake, unless the handler answered
   * `Sec-WebSocket-Extensions` itself (it then owns the extensions; none is applied here).
   */
  private customUpgradeHeaders(
    connection: WsConnection,
    check: AcceptedUpgrade,
    response: WsResponse,
  ): ResponseHeaders {
    const headers = response.headerEntries();
    if (!this.settings.compression) return headers;
    const answered = Object.keys(headers).some(
      (name) => name.toLowerCase() === 'sec-websocket-extensions',
    );
    const extension = answered ? null : this.negotiateCompression(connection, check);
    return extension === null ? headers : { ...headers, 'Sec-WebSocket-Extensions': extension };
  }

  /**
   * permessage-deflate: accepts the first acceptable offer, gives the connection its codec, and
   * returns the extension to answer in the 101 (null when no offer is acceptable).
   */
  private negotiateCompression(connection: WsConnection, check: AcceptedUpgrade): string | null {
    const agreement = negotiatePerMessageDeflate(check.extensions, this.settings.deflatePolicy);
    if (agreement === null) return null;
    connection.codec = new PerMessageDeflateCodec(agreement.params, this.settings.maxPayload);
    return formatExtensionHeader([agreement.response]);
  }

  private activate(connection: WsConnection, head: Buffer): void {
    this.websocketCount++;
    connection.activate(head);
  }

  // ---- Helpers ----------------------------------------------------------------------------

  /**
   * Whether a push may go out: one of the six defined opcodes; a control frame of at most 125
   * bytes (a close frame with a valid close payload); a data payload within `buffer_output_size`.
   */
  private isPushable(opcode: number, payload: FrameData): boolean {
    if (!Number.isInteger(opcode) || !isKnownOpcode(opcode)) return false;
    if (isControlOpcode(opcode)) return isSendableFrame(opcode, toBytes(payload));
    const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    return length <= this.settings.maxOutputBuffer;
  }

  private async waitForConnections(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.byFd.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Runs a handler; a throw or a rejection is logged, never propagated. */
  private invokeSafely(event: string, run: () => unknown): void {
    try {
      const result = run();
      if (isPromiseLike(result))
        result.then(undefined, (error: unknown) =>
          this.logger.error(`"${event}" handler failed`, error),
        );
    } catch (error) {
      this.logger.error(`"${event}" handler failed`, error);
    }
  }

  /** Runs a handler and waits for it; a failure is logged. */
  private async invokeAsync(event: string, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.logger.error(`"${event}" handler failed`, error);
    }
  }
}

/** Which connections a broadcast reaches: a function of the fd, or a handshake path scope. */
export type BroadcastFilter = ((fd: number) => boolean) | { path: string };

function filterFunction(
  filter: BroadcastFilter | undefined,
): ((fd: number, connection: WsConnection) => boolean) | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === 'function') return (fd) => filter(fd);
  return (_fd, connection) => pathCovers(filter.path, connection.path);
}

/** Whether `disconnect()` arguments are what Swoole allows. */
function isValidDisconnect(code: number, reason: unknown): reason is string {
  return (
    isApplicationCloseCode(code) && typeof reason === 'string' && Buffer.byteLength(reason) <= 125
  );
}

const EMPTY = Buffer.alloc(0);

const DEFAULT_HANDSHAKE: unique symbol = Symbol('defaultHandshake');

/** A response that goes nowhere: `beforeHandshakeResponse` only adds headers. */
const DETACHED_TARGET: WsResponseTarget = { write: () => false, end: () => undefined };

/**
 * Whether the client is gone or going: it closed its side while its handshake waited (a
 * WebSocket client never half-closes before the 101, and the paused socket may already have
 * seen the end), or we refused it meanwhile.
 */
function peerLeft(socket: Socket): boolean {
  return !socket.writable || socket.readableEnded;
}

function ignoreSocketError(): void {
  // Socket errors (resets, writes after the peer left) end in 'close', which cleans up.
}

function onSocketClose(this: ConnectionSocket): void {
  this[SOCKET_CONNECTION]?.socketClosed();
}

function refuseRaw(
  socket: Socket,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): void {
  if (socket.destroyed) return;
  if (socket.writable) socket.end(buildErrorResponse(status, reason, headers));
  setTimeout(() => socket.destroy(), 1000).unref();
}

function sendPlain(response: ServerResponse, status: number, reason: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  response.end(`${reason}\n`);
}

const ABORTED = Symbol('aborted');
const TOO_LARGE = Symbol('too large');

/**
 * Reads a request body of at most `limit` bytes. A declared length over the limit is refused
 * before anything is read; a body cut short (reset, FIN, timeout) is `ABORTED`, never a throw.
 */
function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<Buffer | typeof ABORTED | typeof TOO_LARGE> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer | typeof ABORTED | typeof TOO_LARGE): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onAbort);
      request.off('close', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(TOO_LARGE);
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks, size));
    const onAbort = (): void => finish(ABORTED);
    // 'close' before 'end' means the body never completed.
    const onClose = (): void => {
      if (!request.complete) finish(ABORTED);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onAbort);
    request.on('close', onClose);
  });
}

/** Listens, resolving once bound or rejecting with the listener's error (EADDRINUSE, ...). */
function listen(listener: NetServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
}

function toBytes(data: FrameData): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
