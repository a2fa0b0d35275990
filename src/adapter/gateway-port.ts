import type { Server as HttpServer } from 'node:http';
import { pathOfUrl, type WsRequest } from '../gateway/ws-request.js';
import type { WsResponse } from '../gateway/ws-response.js';
import type { UpgradeRefusal } from '../gateway/ws-server-events.interface.js';
import type { WsServer } from '../gateway/ws-server.service.js';
import { WEBSOCKET_CLOSE_GOING_AWAY } from '../protocol/close-code.constants.js';
import type { Frame } from '../protocol/frame.js';
import { parseSubprotocols, selectSubprotocol } from '../protocol/subprotocol.js';
import { GatewayServer } from './gateway-server.js';
import { SwooleWsClient } from './swoole-ws-client.js';

/** One open connection: its client object and the gateway (path) it belongs to. */
interface GatewayConnection {
  client: SwooleWsClient;
  gateway: GatewayServer;
}

/**
 * One `WsServer` and the gateways on its port: upgrades are routed by path to a
 * `GatewayServer` (an exact match, else the gateway declared without a path on a port of its
 * own, else 404), each connection gets a `SwooleWsClient`, and the engine's frames and closes
 * are handed to it.
 */
export class GatewayPort {
  private readonly byPath = new Map<string, GatewayServer>();
  /** A gateway on a port of its own without a `path` takes every path (as a `ws` server). */
  private anyPath: GatewayServer | null = null;
  private readonly connections = new Map<number, GatewayConnection>();
  private stopping: Promise<void> | null = null;
  /**
   * @param server the engine (ours, or `WsServerModule`'s when the port matches)
   * @param port the port as the gateways declare it (0: the application's HTTP server)
   * @param shutdownTimeout milliseconds to wait for peers to answer the 1001 close
   */
  constructor(
    readonly server: WsServer,
    readonly port: number,
    private readonly shutdownTimeout: number | undefined,
  ) {
    server.setUpgradeGuard((request) => this.checkUpgrade(request));
    server.on('open', (request) => this.open(request));
    server.on('message', (frame) => this.message(frame));
    server.on('close', (fd) => this.closed(fd));
    // Without `websocket_subprotocol`, answer the client's first subprotocol, as `ws` does;
    // a client that offers one and gets none back would fail the handshake.
    if (server.settings.subprotocol === undefined) {
      server.on('beforeHandshakeResponse', (request, response) =>
        answerFirstSubprotocol(request, response),
      );
    }
  }

  /** The gateway server for a path, created on first use (gateways on one path share it). */
  gatewayFor(
    path: string | undefined,
    closer: (gateway: GatewayServer) => Promise<void>,
  ): GatewayServer {
    const existing = path === undefined ? this.anyPath : this.byPath.get(path);
    if (existing) return existing;
    const gateway = new GatewayServer(this.server, this.port, path, closer);
    if (path === undefined) this.anyPath = gateway;
    else this.byPath.set(path, gateway);
    return gateway;
  }

  /** Serves the port: on the application's HTTP server, or on a listener of its own. */
  async start(httpServer: HttpServer | null): Promise<void> {
    await (httpServer ? this.server.attach(httpServer) : this.server.start());
  }

  /**
   * Closes one gateway: its connections get 1001 and its path is no longer served. The last
   * gateway of the port shuts the whole server down (1001 for every connection, bounded by the
   * shutdown timeout, listener closed).
   */
  async closeGateway(gateway: GatewayServer): Promise<void> {
    const gateways = [...this.byPath.values(), ...(this.anyPath ? [this.anyPath] : [])];
    if (gateways.every((candidate) => candidate.isClosing)) return this.shutdown();
    // `app.close()` closes every gateway at once: let the others ask within this turn, so the
    // port shuts down as a whole (its shutdown would cut short a close frame queued now).
    await new Promise((resolve) => setImmediate(resolve));
    if (this.stopping) return this.stopping;
    for (const client of gateway.clients)
      client.close(WEBSOCKET_CLOSE_GOING_AWAY, 'server shutting down');
  }

  /** Shuts the server down once, however often it is asked. */
  shutdown(): Promise<void> {
    return (this.stopping ??= this.server.shutdown(this.shutdownTimeout));
  }

  private route(path: string): GatewayServer | null {
    const gateway = this.byPath.get(path) ?? this.anyPath;
    return gateway && !gateway.isClosing ? gateway : null;
  }

  private checkUpgrade(request: WsRequest): UpgradeRefusal | null {
    const path = pathOfUrl(request.raw.url);
    if (this.route(path)) return null;
    return { status: 404, reason: `no WebSocket gateway serves ${path}` };
  }

  private open(request: WsRequest): void {
    const gateway = this.route(pathOfUrl(request.raw.url));
    if (gateway === null) {
      // Its gateway closed during the handshake.
      this.server.closeConnection(request.fd, WEBSOCKET_CLOSE_GOING_AWAY, 'server shutting down');
      return;
    }
    const client = new SwooleWsClient(request.fd, this.server, this.protocolOf(request));
    this.connections.set(request.fd, { client, gateway });
    gateway.clients.add(client);
    // Nest's listener runs handleConnection and binds the gateway's message handlers.
    gateway.emit('connection', client, request.raw);
  }

  private message(frame: Frame): void {
    this.connections.get(frame.fd)?.client.receive(frame);
  }

  private closed(fd: number): void {
    const connection = this.connections.get(fd);
    if (connection === undefined) return;
    this.connections.delete(fd);
    connection.gateway.clients.delete(connection.client);
    connection.client.closed();
  }

  /** The subprotocol the 101 carried: the configured choice, or the client's first offer. */
  private protocolOf(request: WsRequest): string {
    const offered = parseSubprotocols(request.raw.headers['sec-websocket-protocol']);
    if (offered === null || offered.length === 0) return '';
    const configured = this.server.settings.subprotocol;
    if (configured === undefined) return offered[0];
    return selectSubprotocol(offered, configured) ?? '';
  }
}

function answerFirstSubprotocol(request: WsRequest, response: WsResponse): void {
  const offered = parseSubprotocols(request.raw.headers['sec-websocket-protocol']);
  if (offered && offered.length > 0) response.header('Sec-WebSocket-Protocol', offered[0]);
}
