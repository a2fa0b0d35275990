import type { Server as HttpServer } from 'node:http';
import { isApplicationCloseCode } from '../protocol/close-code.constants.js';
import { SWOOLE_WEBSOCKET_FLAG_FIN } from '../protocol/frame-flag.constants.js';
import { Frame, type FrameData } from '../protocol/frame.js';
import { WEBSOCKET_OPCODE_CLOSE, WEBSOCKET_OPCODE_TEXT } from '../protocol/opcode.constants.js';
import type { WsClientInfo } from './client-info.js';
import type { CommandRouter } from './command-router.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { LocalConnections } from './local-connections.js';
import { outgoingFrame } from './outgoing-frame.js';
import type { ServerEvents } from './server-events.js';
import { ServerRuntime } from './server-runtime.js';
import { ServerStatistics, type WsServerStats } from './server-statistics.js';
import { isTopic } from './topic-registry.js';
import { consoleLogger, type WsLogger } from './ws-logger.interface.js';
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

export type { WsClientInfo } from './client-info.js';

/** How long `shutdown()` waits for peers to answer the 1001 close before dropping them. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 2000;

/**
 * The WebSocket server, as Swoole's `Swoole\WebSocket\Server`: the events (`on`), Swoole's
 * methods (`push`, `disconnect`, `exist`, `isEstablished`, `getClientInfo`, `connections`, ...)
 * and the lifecycle (`start`, `attach`, `shutdown`). It is a facade: connections come in
 * through a `ServerListener`, become WebSockets in the `UpgradeHandler`, live in the
 * `ConnectionRegistry`, and a call on an fd runs here or on its owner through the
 * `CommandRouter`.
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
export class WsServer {
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

  private readonly runtime: ServerRuntime;
  private readonly events: ServerEvents;
  private readonly registry: ConnectionRegistry;
  private readonly local: LocalConnections;
  private readonly router: CommandRouter;

  constructor(options: WsServerOptions = {}, logger: WsLogger = consoleLogger) {
    this.options = options;
    this.settings = resolveSettings(options.settings);
    this.runtime = new ServerRuntime(
      options,
      this.settings,
      this.statistics,
      logger,
      DEFAULT_HANDSHAKE,
    );
    ({
      events: this.events,
      registry: this.registry,
      local: this.local,
      router: this.router,
    } = this.runtime);
  }

  /** Registers the handler of an event, replacing any earlier one (as Swoole's `on()`). */
  on<E extends WsServerEvent>(event: E, handler: WsServerEventHandlers[E]): this {
    this.events.on(event, handler);
    return this;
  }

  /** Whether a handler is registered for the event. */
  hasHandler(event: WsServerEvent): boolean {
    return this.events.has(event);
  }

  /** Sets the check run before every handshake (path routing, guards). */
  setUpgradeGuard(guard: UpgradeGuard | null): void {
    this.runtime.upgrades.guard = guard;
  }

  /** The bound port (after `start()`), or the configured one. */
  get port(): number {
    return this.runtime.listener.port;
  }

  // ---- Lifecycle ----------------------------------------------------------------------------

  /**
   * Listens on `host:port` (TLS when configured). Fails, like Swoole, when no `message` handler
   * is registered, and with the listener's error (e.g. EADDRINUSE); a failed start leaves
   * nothing running behind it, so the same server can be started again.
   */
  start(): Promise<void> {
    return this.runtime.start();
  }

  /**
   * Serves WebSocket upgrades on an existing HTTP(S) server (e.g. Nest's), which keeps its own
   * request handling. `request` handlers are not used in this mode. It takes upgrades at once;
   * those that arrive while the cluster is joined wait for it (their fds carry the owner id).
   */
  attach(server: HttpServer): Promise<void> {
    return this.runtime.attach(server);
  }

  /**
   * Stops accepting, closes every WebSocket with 1001, waits at most `timeoutMs` for the peers
   * to answer, then drops whatever is left. Never hangs; a second call waits for the same drain.
   */
  shutdown(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<void> {
    return this.runtime.shutdown(timeoutMs);
  }

  // ---- Swoole's methods -------------------------------------------------------------------

  /**
   * Sends a message or control frame to a WebSocket connection, as Swoole's `push`. A `Frame`
   * carries its own opcode and flags (later arguments ignored). Returns false for an unknown fd,
   * a connection that is not an open WebSocket, a bad argument or a frame that would be invalid
   * (see `outgoingFrame`), a payload over `buffer_output_size`, or a full output buffer. For
   * another worker's or node's fd: true once handed to its live owner (delivery not confirmed).
   */
  push(
    fd: number,
    data: FrameData | Frame,
    opcode: number = WEBSOCKET_OPCODE_TEXT,
    flags: number = SWOOLE_WEBSOCKET_FLAG_FIN,
  ): boolean {
    const frame = outgoingFrame(data, opcode, flags, this.settings.maxOutputBuffer);
    return frame !== null && this.router.send({ op: 'push', fd, ...frame }) === true;
  }

  /** `push` that waits for the answer of the connection's owner (false if none in time). */
  async pushAsync(
    fd: number,
    data: FrameData | Frame,
    opcode: number = WEBSOCKET_OPCODE_TEXT,
    flags: number = SWOOLE_WEBSOCKET_FLAG_FIN,
  ): Promise<boolean> {
    const frame = outgoingFrame(data, opcode, flags, this.settings.maxOutputBuffer);
    return frame !== null && this.router.ask({ op: 'push', fd, ...frame }, false);
  }

  /**
   * Closes a WebSocket with a close frame. `code` must be 1000 or 4000-4999 and `reason` at most
   * 125 bytes of UTF-8 (the wire carries at most 123 of them: a close frame holds 125 bytes with
   * the code). False for an unknown fd, a connection that is not a WebSocket, or bad arguments.
   */
  disconnect(fd: number, code = 1000, reason = ''): boolean {
    if (!isValidDisconnect(code, reason)) return false;
    return this.router.send({ op: 'disconnect', fd, code, reason }) === true;
  }

  /** `disconnect` that waits for the answer of the connection's owner. */
  async disconnectAsync(fd: number, code = 1000, reason = ''): Promise<boolean> {
    if (!isValidDisconnect(code, reason)) return false;
    return this.router.ask({ op: 'disconnect', fd, code, reason }, false);
  }

  /** Whether the fd is a live connection of this process (WebSocket or plain HTTP). */
  exist(fd: number): boolean {
    return this.local.exist(fd);
  }

  /** Alias of `exist()`. */
  exists(fd: number): boolean {
    return this.local.exist(fd);
  }

  /** `exist` for any fd of the cluster (asks the owner of a remote fd). */
  existAsync(fd: number): Promise<boolean> {
    return this.router.ask({ op: 'exist', fd }, false);
  }

  /** Whether the fd is a WebSocket connection whose handshake is done and which is not closing. */
  isEstablished(fd: number): boolean {
    return this.local.isEstablished(fd);
  }

  /** `isEstablished` for any fd of the cluster. */
  isEstablishedAsync(fd: number): Promise<boolean> {
    return this.router.ask({ op: 'isEstablished', fd }, false);
  }

  /** Swoole's client information, or false for an unknown fd. */
  getClientInfo(fd: number): WsClientInfo | false {
    return this.local.getClientInfo(fd);
  }

  /** Alias of `getClientInfo()`, Swoole's older name. */
  connection_info(fd: number): WsClientInfo | false {
    return this.local.getClientInfo(fd);
  }

  /** `getClientInfo` for any fd of the cluster. */
  getClientInfoAsync(fd: number): Promise<WsClientInfo | false> {
    return this.router.ask<WsClientInfo | false>({ op: 'getClientInfo', fd }, false);
  }

  /** The fds of every live connection here (WebSocket and plain HTTP), as `$server->connections`. */
  get connections(): IterableIterator<number> {
    return this.registry.fdList();
  }

  /** The fds of every live connection of the whole cluster (owners that do not answer in time are left out). */
  async connectionsAsync(): Promise<number[]> {
    return (await this.router.everywhere<number[]>({ op: 'connections' })).flat();
  }

  /** `stats()` of every worker or node of the cluster, this one first. */
  statsAsync(): Promise<WsServerStats[]> {
    return this.router.everywhere<WsServerStats>({ op: 'stats' });
  }

  /** Writes raw bytes to a connection, without framing. False for an unknown or closed fd. */
  send(fd: number, data: string | Buffer): boolean {
    return this.local.send(fd, typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** Closes a connection's TCP stream (no close frame). False for an unknown fd. */
  close(fd: number): boolean {
    return this.local.close(fd);
  }

  /**
   * Closes a WebSocket with any code valid on the wire (1000-1003, 1007-1014, 3000-4999), for
   * what `disconnect()` may not send, such as 1011 after a server fault. False for an unknown
   * fd, a connection that is not an open WebSocket, or an invalid code.
   */
  closeConnection(fd: number, code: number, reason = ''): boolean {
    return this.local.closeConnection(fd, code, reason);
  }

  /** Counters: connections, accepts, closes, messages and bytes in and out. */
  stats(): WsServerStats {
    return this.registry.stats();
  }

  /** Runs `callback` after the current I/O callbacks, as Swoole's `defer()`. */
  defer(callback: () => void): void {
    setImmediate(() => this.events.fire('defer', callback));
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
    const frame = outgoingFrame(data, opcode, flags, this.settings.maxOutputBuffer);
    if (frame === null || frame.opcode === WEBSOCKET_OPCODE_CLOSE) return 0;
    if (typeof filter === 'function') return this.local.broadcast(frame, (fd) => filter(fd));
    const command = { op: 'broadcast' as const, ...frame, path: filter?.path };
    this.router.publish(command);
    return this.local.broadcast(command);
  }

  // ---- Topics -------------------------------------------------------------------------------

  /**
   * Subscribes a connection to a topic. Another worker's or node's fd is subscribed by its
   * owner (true once handed over, as `push`). False for a bad topic (a non-empty string of at
   * most 1,024 characters), an fd that is not an open WebSocket, or a connection that already
   * holds 10,000 topics. A connection's subscriptions end when it closes.
   */
  subscribe(fd: number, topic: string): boolean {
    return isTopic(topic) && this.router.send({ op: 'subscribe', fd, topic }) === true;
  }

  /** Unsubscribes a connection (of any owner, as `subscribe`); false if it was not subscribed here. */
  unsubscribe(fd: number, topic: string): boolean {
    return isTopic(topic) && this.router.send({ op: 'unsubscribe', fd, topic }) === true;
  }

  /** Whether a connection of this process is subscribed to the topic. */
  isSubscribed(fd: number, topic: string): boolean {
    return isTopic(topic) && this.local.isSubscribed(fd, topic);
  }

  /** The topics of a connection of this process, or false for an fd that is not one. */
  topics(fd: number): string[] | false {
    return this.local.topics(fd);
  }

  /**
   * Sends one message to every subscriber of the topic, on every worker and node, each once
   * (but the `except` fd): encoded once per process, in time that grows with the subscribers,
   * not with the connections. Keeps working locally while the cluster's transport is down, as
   * `broadcast`. Returns the number of this process's subscribers it was written to, or false
   * for a bad topic or frame (as `push`).
   */
  publish(
    topic: string,
    data: FrameData,
    opcode: number = WEBSOCKET_OPCODE_TEXT,
    flags: number = SWOOLE_WEBSOCKET_FLAG_FIN,
    options: { except?: number } = {},
  ): number | false {
    if (!isTopic(topic)) return false;
    const frame = outgoingFrame(data, opcode, flags, this.settings.maxOutputBuffer);
    if (frame === null || frame.opcode === WEBSOCKET_OPCODE_CLOSE) return false;
    const command = { op: 'publish' as const, topic, ...frame, except: options.except };
    this.router.publish(command);
    return this.local.publish(command);
  }

  /** How many connections of the whole cluster are subscribed to the topic (owners that answer in time). */
  async subscribersAsync(topic: string): Promise<number> {
    if (!isTopic(topic)) return 0;
    const counts = await this.router.everywhere<number>({ op: 'subscribers', topic });
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** @internal The handshake path of a connection here, or undefined for an unknown fd. */
  pathOf(fd: number): string | undefined {
    return this.registry.pathOf(fd);
  }
}

/** Which connections a broadcast reaches: a function of the fd, or a handshake path scope. */
export type BroadcastFilter = ((fd: number) => boolean) | { path: string };

/** Whether `disconnect()` arguments are what Swoole allows. */
function isValidDisconnect(code: number, reason: unknown): reason is string {
  return (
    isApplicationCloseCode(code) && typeof reason === 'string' && Buffer.byteLength(reason) <= 125
  );
}

const DEFAULT_HANDSHAKE: unique symbol = Symbol('defaultHandshake');
