import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import {
  type AddressInfo,
  type Server as NetServer,
  type Socket,
  createServer as createNetServer,
} from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { ConnectionRegistry } from './connection-registry.js';
import { refuseRaw } from './http-refusal.util.js';
import type { HttpRequestHandler } from './http-request.handler.js';
import type { UpgradeHandler } from './upgrade-handler.js';
import { UpgradeSniffer } from './upgrade-sniffer.js';
import type { WsLogger } from './ws-logger.interface.js';
import type { ResolvedSettings, WsServerOptions } from './ws-server-options.interface.js';

/**
 * Where connections come in. With its own port, the server listens with `node:net` (or
 * `node:tls`) and reads each connection's first request head itself (`UpgradeSniffer`): a
 * plain WebSocket upgrade goes straight to the `UpgradeHandler`, anything else to a `node:http`
 * server that never listens itself and answers as Node always does (plain HTTP for
 * `@OnRequest`, 400, 431, keep-alive, upgrades in unusual forms). Attached to an application's
 * HTTP server instead, it only takes the upgrades.
 */
export class ServerListener {
  /** Upgrades on an attached server wait for this while it is set (joining the cluster). */
  notReadyUntil: Promise<void> | null = null;
  private listener: NetServer | null = null;
  private sniffer: UpgradeSniffer | null = null;
  /** Node's HTTP server: ours (never listening), or the application's when attached. */
  private http: HttpServer | null = null;
  private ownsHttp = false;

  constructor(
    private readonly options: Readonly<WsServerOptions>,
    private readonly settings: ResolvedSettings,
    private readonly registry: ConnectionRegistry,
    private readonly upgrades: UpgradeHandler,
    private readonly requests: HttpRequestHandler,
    private readonly logger: WsLogger,
  ) {}

  /** The bound port, once listening; the configured one before. */
  get port(): number {
    const address = (this.listener ?? this.http)?.address();
    if (address && typeof address === 'object') return (address as AddressInfo).port;
    return this.options.port ?? 9501;
  }

  /** Whether it listens or is attached. */
  get active(): boolean {
    return this.http !== null;
  }

  /**
   * Listens on `host:port` (TLS when configured). Rejects with the listener's error
   * (EADDRINUSE, a bad certificate), after releasing what it had opened.
   */
  async listen(): Promise<void> {
    try {
      const http = this.createHttpServer();
      this.http = http;
      this.ownsHttp = true;
      const listener = this.createListener();
      this.listener = listener;
      this.sniffer = new UpgradeSniffer(
        this.settings.maxHeaderSize,
        this.settings.handshakeTimeoutMs,
        {
          // The head becomes the request (with its socket) without a copy.
          upgrade: (socket, head, rest) =>
            this.upgrades.upgrade(Object.assign(head, { socket }), socket, rest),
          fallback: (socket, buffered) => this.handToHttp(socket, buffered),
          refuse: (socket, status, reason) => refuseRaw(socket, status, reason),
        },
      );
      await bind(listener, this.options.port ?? 9501, this.options.host ?? '0.0.0.0');
      listener.on('error', (error) => this.logger.error('listener error', error));
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /**
   * Serves WebSocket upgrades on an existing HTTP(S) server (e.g. Nest's), which keeps its own
   * request handling: REST connections are not ours (no `disconnect`, no `max_connection`).
   */
  attach(server: HttpServer): void {
    this.http = server;
    server.on('upgrade', this.onUpgrade);
  }

  /**
   * Stops taking connections: the listener closes (the promise resolves once every connection
   * it accepted is gone) and the timers of the sniffer and of our HTTP server stop. An attached
   * server is left to its application, minus our upgrade listener.
   */
  close(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    this.sniffer?.close();
    this.sniffer = null;
    if (this.ownsHttp) this.http?.close(() => undefined);
    else this.http?.off('upgrade', this.onUpgrade);
    this.http = null;
    this.ownsHttp = false;
    if (listener === null || !listener.listening) return Promise.resolve();
    return new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  /** A new connection on our listener: its first request head goes to the sniffer. */
  private connected(socket: Socket): void {
    if (this.registry.accept(socket) === null) this.handToHttp(socket, EMPTY);
    else this.sniffer?.add(socket);
  }

  /** Gives a connection to Node's HTTP server, with the bytes already read put back first. */
  private handToHttp(socket: Socket, buffered: Buffer): void {
    if (buffered.length > 0) socket.unshift(buffered);
    this.http?.emit('connection', socket);
    socket.resume();
  }

  /** An upgrade Node's HTTP server parsed; on an attached server it may have to wait. */
  private readonly onUpgrade = (request: IncomingMessage, socket: Socket, head: Buffer): void => {
    const waitFor = this.notReadyUntil;
    if (waitFor === null) return this.upgrades.upgrade(request, socket, head);
    socket.pause();
    waitFor
      .then(
        () => this.upgrades.upgrade(request, socket, head),
        () => refuseRaw(socket, 503, 'the WebSocket server could not start'),
      )
      .catch((error: unknown) => {
        this.logger.error('handshake failed', error);
        socket.destroy();
      });
  };

  /** Our listener: TCP, or TLS when configured. */
  private createListener(): NetServer {
    const tls = this.tlsOptions();
    // No Nagle from the first byte (the 101 included), set as each socket is accepted.
    if (tls) {
      const server = createTlsServer({ ...tls, noDelay: true }, (socket) => this.connected(socket));
      server.on('tlsClientError', () => undefined);
      return server;
    }
    // Half-open like Node's HTTP server: we decide when our side ends.
    return createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
      this.connected(socket),
    );
  }

  /** Node's HTTP server for everything that is not a plain upgrade (it never listens itself). */
  private createHttpServer(): HttpServer {
    const { handshakeTimeoutMs, requestTimeoutMs } = this.settings;
    const http = createHttpServer({
      maxHeaderSize: this.settings.maxHeaderSize,
      // Node refuses a head timeout longer than the whole request's.
      headersTimeout: Math.min(handshakeTimeoutMs, requestTimeoutMs),
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, handshakeTimeoutMs, requestTimeoutMs),
    });
    http.on('connection', (socket: Socket) => this.registry.accept(socket));
    http.on('upgrade', this.onUpgrade);
    http.on('request', (request: IncomingMessage, response: ServerResponse) =>
      this.requests.handle(request, response),
    );
    http.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
      this.requests.clientError(error, socket),
    );
    // Node tracks header and request timeouts only for servers that emitted 'listening'; this
    // one never listens itself (it gets the connections the sniffer hands over), so tell it.
    http.emit('listening');
    return http;
  }

  private tlsOptions(): { cert: string | Buffer; key: string | Buffer } | null {
    if (this.options.ssl) return this.options.ssl;
    const { ssl_cert_file: certFile, ssl_key_file: keyFile } = this.options.settings ?? {};
    if (!certFile && !keyFile) return null;
    if (!certFile || !keyFile)
      throw new Error('WsServer: ssl_cert_file and ssl_key_file must be set together');
    return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  }
}

const EMPTY = Buffer.alloc(0);

/** Listens, resolving once bound or rejecting with the listener's error (EADDRINUSE, ...). */
function bind(listener: NetServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
}
