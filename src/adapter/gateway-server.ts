import { EventEmitter } from 'node:events';
import type { WsServer } from '../gateway/ws-server.service.js';
import type { SwooleWsClient } from './swoole-ws-client.js';

/**
 * What `@WebSocketServer()` gives a gateway: one per port and path, as platform-ws's `ws`
 * `WebSocketServer`. `clients` holds the open connections on this path (iterate it to
 * broadcast, as with `ws`); `wsServer` is the engine underneath, with Swoole's methods
 * (`broadcast` encodes a frame once for every connection, `push` takes a client's `fd`).
 *
 * Events: `connection` `(client, request)` for each new connection (Nest binds the gateway's
 * handlers to it), as `ws` emits it.
 */
export class GatewayServer extends EventEmitter {
  /** The open connections on this gateway's path. */
  readonly clients = new Set<SwooleWsClient>();
  private closing: Promise<void> | null = null;
  private closeRequested = false;

  /**
   * @param wsServer the engine serving this gateway's port
   * @param port the port as the gateway declared it (0: the application's HTTP server)
   * @param path the normalised path, or `undefined` for a gateway that takes every path
   * @param closer what closing this gateway takes (the adapter's `close()`)
   */
  constructor(
    readonly wsServer: WsServer,
    readonly port: number,
    readonly path: string | undefined,
    private readonly closer: (gateway: GatewayServer) => Promise<void>,
  ) {
    super();
  }

  /** Whether `close()` was called: new connections are refused (404). */
  get isClosing(): boolean {
    return this.closeRequested;
  }

  /** The port the engine listens on (or the application's, for gateways on port 0). */
  address(): { port: number } {
    return { port: this.wsServer.port };
  }

  /**
   * Stops taking connections on this path and closes the open ones with 1001 (`app.close()`
   * calls it for every gateway). The callback runs once they are closed.
   */
  close(callback?: (error?: Error) => void): Promise<void> {
    this.closeRequested = true;
    this.closing ??= this.closer(this);
    if (callback) this.closing.then(() => callback(), callback);
    return this.closing;
  }
}
