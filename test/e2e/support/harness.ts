import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import WebSocket, { type ClientOptions } from 'ws';
import type { WsLogger } from '../../../src/gateway/ws-logger.interface.js';
import { WsServer } from '../../../src/gateway/ws-server.service.js';
import type { WsServerOptions } from '../../../src/gateway/ws-server-options.interface.js';
import { RawClient } from './raw-client.js';
import { captureLogger, Inbox, type LoggedEntry, waitUntil, withTimeout } from './wait.js';

/** A message a `ws` client received. */
export interface ReceivedMessage {
  data: Buffer;
  isBinary: boolean;
  text: string;
}

/** A `ws` client with everything it receives recorded. */
export class TestClient {
  readonly messages = new Inbox<ReceivedMessage>();
  readonly pings = new Inbox<Buffer>();
  readonly pongs = new Inbox<Buffer>();
  /** The 101 response headers (from the `upgrade` event). */
  upgradeHeaders: IncomingHttpHeaders | undefined;
  /** The client's local TCP port, known once upgraded. */
  localPort: number | undefined;
  close: { code: number; reason: string } | undefined;
  private echoCounter = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('error', () => undefined);
    ws.on('upgrade', (response: IncomingMessage) => {
      this.upgradeHeaders = response.headers;
      this.localPort = response.socket.localPort;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) =>
      this.messages.push({ data, isBinary, text: data.toString('utf8') }),
    );
    ws.on('ping', (data: Buffer) => this.pings.push(data));
    ws.on('pong', (data: Buffer) => this.pongs.push(data));
    ws.on('close', (code: number, reason: Buffer) => {
      this.close = { code, reason: reason.toString('utf8') };
    });
  }

  async waitOpen(ms = 3000): Promise<this> {
    if (this.ws.readyState === WebSocket.OPEN) return this;
    const { ws } = this;
    let cleanup = (): void => undefined;
    const opened = new Promise<void>((resolve, reject) => {
      const onOpen = (): void => resolve();
      const onError = (error: Error): void => reject(error);
      const onClose = (): void => reject(new Error('closed before open'));
      ws.once('open', onOpen);
      ws.once('error', onError);
      ws.once('close', onClose);
      cleanup = () => {
        ws.off('open', onOpen);
        ws.off('error', onError);
        ws.off('close', onClose);
      };
    });
    await withTimeout(opened, ms, 'the client to open').finally(cleanup);
    return this;
  }

  /** Waits for the close event: its code and reason. */
  async waitClose(ms = 3000): Promise<{ code: number; reason: string }> {
    await waitUntil(() => this.close !== undefined, ms, 'the client to close');
    return this.close as { code: number; reason: string };
  }

  /** Sends a unique text and returns the next text received (the echo, with an echo server). */
  async roundTrip(ms = 3000): Promise<void> {
    const text = `probe-${++this.echoCounter}-${Math.random()}`;
    this.ws.send(text);
    const reply = await this.messages.next(ms);
    if (reply.text !== text) throw new Error(`expected echo of ${text}, got ${reply.text}`);
  }
}

/** What a refused `ws` handshake got back. */
export interface Refusal {
  status: number | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  error: Error | undefined;
}

/** A plain HTTP response. */
export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Starts servers and clients for a test and closes them all in `cleanup()` (call it from
 * `afterEach`), so nothing is left open.
 */
export class Harness {
  private readonly servers: WsServer[] = [];
  private readonly clients: WebSocket[] = [];
  private readonly raws: RawClient[] = [];
  /** What the servers of this harness logged. */
  readonly log: LoggedEntry[] = [];

  /** A logger recording into `log`. */
  readonly logger: WsLogger;

  constructor() {
    const captured = captureLogger();
    this.logger = captured.logger;
    this.log = captured.entries;
  }

  /**
   * Creates a server on 127.0.0.1, port 0; `setup` registers handlers. Without a `message`
   * handler from `setup`, an echo handler is registered. Started unless `start` is false.
   */
  async server(
    options: WsServerOptions = {},
    setup: (server: WsServer) => void = () => undefined,
    logger: WsLogger = this.logger,
  ): Promise<WsServer> {
    const server = new WsServer({ host: '127.0.0.1', port: 0, ...options }, logger);
    this.servers.push(server);
    setup(server);
    if (!server.hasHandler('message')) {
      server.on('message', (frame) => server.push(frame.fd, frame.data, frame.opcode));
    }
    await server.start();
    return server;
  }

  /** Registers a server started elsewhere, so it is shut down after the test. */
  track(server: WsServer): WsServer {
    this.servers.push(server);
    return server;
  }

  url(server: WsServer, path = '/', tls = false): string {
    return `${tls ? 'wss' : 'ws'}://127.0.0.1:${server.port}${path}`;
  }

  /** A `ws` client, not yet open. */
  client(
    server: WsServer,
    path = '/',
    protocols: string[] = [],
    options: ClientOptions = {},
    tls = false,
  ): TestClient {
    const ws = new WebSocket(this.url(server, path, tls), protocols, options);
    this.clients.push(ws);
    return new TestClient(ws);
  }

  /** An open `ws` client. */
  open(
    server: WsServer,
    path = '/',
    protocols: string[] = [],
    options: ClientOptions = {},
    tls = false,
  ): Promise<TestClient> {
    return this.client(server, path, protocols, options, tls).waitOpen();
  }

  /** A `ws` client handshake expected to be refused: the HTTP status or the error it got. */
  refused(server: WsServer, path = '/', options: ClientOptions = {}, ms = 4000): Promise<Refusal> {
    const ws = new WebSocket(this.url(server, path), [], options);
    this.clients.push(ws);
    const result = new Promise<Refusal>((resolve) => {
      ws.on('unexpected-response', (req, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            error: undefined,
          });
          req.destroy();
        });
      });
      ws.on('error', (error: Error) =>
        resolve({ status: undefined, headers: {}, body: '', error }),
      );
      ws.on('open', () =>
        resolve({ status: 101, headers: {}, body: '', error: new Error('unexpectedly opened') }),
      );
    });
    return withTimeout(result, ms, 'the handshake to be refused');
  }

  /** A raw TCP client. */
  async raw(server: WsServer, tls = false, allowHalfOpen = false): Promise<RawClient> {
    const raw = await RawClient.connect(server.port, tls, allowHalfOpen);
    this.raws.push(raw);
    return raw;
  }

  /** A raw client that completed an opening handshake. */
  async rawWebSocket(server: WsServer, path = '/'): Promise<RawClient> {
    const raw = await this.raw(server);
    await raw.handshake(path);
    return raw;
  }

  /** A plain HTTP request on a fresh connection (no keep-alive). */
  http(
    server: WsServer,
    options: {
      method?: string;
      path?: string;
      body?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<HttpResult> {
    const result = new Promise<HttpResult>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          method: options.method ?? 'GET',
          path: options.path ?? '/',
          headers: options.headers,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
    return withTimeout(result, 3000, 'an HTTP response');
  }

  /** Proves `server` still serves: a new `ws` client opens and gets its message echoed. */
  async expectServes(server: WsServer): Promise<void> {
    const client = await this.open(server);
    await client.roundTrip();
    client.ws.close();
    await client.waitClose();
  }

  /** Closes every client, socket and server of the test. */
  async cleanup(): Promise<void> {
    for (const ws of this.clients) ws.terminate();
    for (const raw of this.raws) raw.destroy();
    await Promise.all(this.servers.map((server) => server.shutdown(500)));
    this.clients.length = 0;
    this.raws.length = 0;
    this.servers.length = 0;
  }
}
