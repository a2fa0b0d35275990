import type { AddressInfo } from 'node:net';
import { WebSocketServer, type PerMessageDeflateOptions, type WebSocket } from 'ws';
import { WsServer } from '../../../src/gateway/ws-server.service.js';
import type { WsServerSettings } from '../../../src/gateway/ws-server-options.interface.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../../../src/protocol/frame-flag.constants.js';
import { CloseFrame, type Frame } from '../../../src/protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../../../src/protocol/opcode.constants.js';
import { captureLogger, Inbox, withTimeout } from '../../e2e/support/wait.js';

/** A message a peer server received. */
export interface PeerMessage {
  data: Buffer;
  binary: boolean;
  /** Whether it came compressed (known for our server only; undefined for ws). */
  compressed: boolean | undefined;
}

/** One connection, seen from the server. */
export interface PeerConnection {
  readonly messages: Inbox<PeerMessage>;
  readonly pongs: Inbox<Buffer>;
  /** The client's close frame (code and reason) once it came; 1005 for an empty one. */
  readonly closeFrame: Promise<{ code: number; reason: string }>;
  /** Resolves when the TCP connection is gone. */
  readonly gone: Promise<void>;
  /** Wire bytes read from the client so far (to see compression on the way in). */
  bytesRead(): number;
  send(data: Buffer | string, options?: { binary?: boolean; compress?: boolean }): void;
  /** Sends one message in several frames. */
  sendFragments(pieces: readonly (Buffer | string)[], binary: boolean): void;
  ping(payload: Buffer | string): void;
  close(code: number, reason: string): void;
}

/** What the tests ask of a server. */
export interface PeerServerOptions {
  maxPayload?: number;
  /** Echo every message back with its opcode (and compression). Default true. */
  echo?: boolean;
  compression?: {
    serverNoContextTakeover?: boolean;
    clientNoContextTakeover?: boolean;
    serverMaxWindowBits?: number;
  };
  subprotocol?: string;
}

/** A server the client is tested against: ours or the `ws` package's. */
export interface PeerServer {
  readonly name: string;
  url(path?: string): string;
  /** The next connection the server accepts (in order). */
  connection(ms?: number): Promise<PeerConnection>;
  close(): Promise<void>;
}

export type PeerServerFactory = (options?: PeerServerOptions) => Promise<PeerServer>;

class Deferred<T> {
  readonly promise: Promise<T>;
  resolve: (value: T) => void = () => undefined;
  constructor() {
    this.promise = new Promise((resolve) => (this.resolve = resolve));
  }
}

/** Our server, bare `WsServer` (no Nest), with close and pong frames delivered to the handler. */
export const startOurServer: PeerServerFactory = async (options = {}) => {
  const settings: WsServerSettings = {
    open_websocket_close_frame: true,
    open_websocket_pong_frame: true,
    package_max_length: options.maxPayload,
    buffer_output_size: options.maxPayload,
    websocket_subprotocol: options.subprotocol,
  };
  if (options.compression) {
    settings.websocket_compression = true;
    settings.websocket_compression_server_no_context_takeover =
      options.compression.serverNoContextTakeover;
    settings.websocket_compression_client_no_context_takeover =
      options.compression.clientNoContextTakeover;
    settings.websocket_compression_server_max_window_bits = options.compression.serverMaxWindowBits;
  }
  const server = new WsServer({ host: '127.0.0.1', port: 0, settings }, captureLogger().logger);
  const accepted = new Inbox<PeerConnection>();
  const byFd = new Map<number, OurConnection>();
  server.on('open', (request) => {
    const connection = new OurConnection(server, request.fd, request.raw.socket);
    byFd.set(request.fd, connection);
    accepted.push(connection);
  });
  server.on('message', (frame: Frame) => {
    const connection = byFd.get(frame.fd);
    if (connection === undefined) return;
    connection.received(frame, options.echo !== false);
  });
  server.on('close', (fd: number) => {
    byFd.get(fd)?.ended();
    byFd.delete(fd);
  });
  await server.start();
  return {
    name: 'ours',
    url: (path = '/') => `ws://127.0.0.1:${server.port}${path}`,
    connection: (ms = 3000) => accepted.next(ms),
    close: () => server.shutdown(500),
  };
};

class OurConnection implements PeerConnection {
  readonly messages = new Inbox<PeerMessage>();
  readonly pongs = new Inbox<Buffer>();
  private readonly closeFrameSeen = new Deferred<{ code: number; reason: string }>();
  private readonly goneSeen = new Deferred<void>();
  readonly closeFrame = this.closeFrameSeen.promise;
  readonly gone = this.goneSeen.promise;

  constructor(
    private readonly server: WsServer,
    private readonly fd: number,
    private readonly socket: { bytesRead: number } | undefined,
  ) {}

  received(frame: Frame, echo: boolean): void {
    if (frame instanceof CloseFrame) {
      this.closeFrameSeen.resolve({ code: frame.code, reason: frame.reason });
      return;
    }
    if (frame.opcode === WEBSOCKET_OPCODE_PONG) {
      this.pongs.push(frame.payload);
      return;
    }
    const compressed = (frame.flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS) !== 0;
    this.messages.push({
      data: frame.payload,
      binary: frame.opcode === WEBSOCKET_OPCODE_BINARY,
      compressed,
    });
    if (echo) this.server.push(this.fd, frame.payload, frame.opcode, frame.flags);
  }

  ended(): void {
    this.goneSeen.resolve();
  }

  bytesRead(): number {
    return this.socket?.bytesRead ?? 0;
  }

  send(data: Buffer | string, options: { binary?: boolean; compress?: boolean } = {}): void {
    const opcode = options.binary ? WEBSOCKET_OPCODE_BINARY : WEBSOCKET_OPCODE_TEXT;
    const flags =
      SWOOLE_WEBSOCKET_FLAG_FIN | (options.compress ? SWOOLE_WEBSOCKET_FLAG_COMPRESS : 0);
    if (!this.server.push(this.fd, data, opcode, flags)) throw new Error('push refused');
  }

  sendFragments(pieces: readonly (Buffer | string)[], binary: boolean): void {
    pieces.forEach((piece, i) => {
      const opcode =
        i > 0
          ? WEBSOCKET_OPCODE_CONTINUATION
          : binary
            ? WEBSOCKET_OPCODE_BINARY
            : WEBSOCKET_OPCODE_TEXT;
      const flags = i === pieces.length - 1 ? SWOOLE_WEBSOCKET_FLAG_FIN : 0;
      if (!this.server.push(this.fd, piece, opcode, flags)) throw new Error('push refused');
    });
  }

  ping(payload: Buffer | string): void {
    if (!this.server.push(this.fd, payload, WEBSOCKET_OPCODE_PING)) throw new Error('ping refused');
  }

  close(code: number, reason: string): void {
    if (!this.server.disconnect(this.fd, code, reason)) throw new Error('disconnect refused');
  }
}

/** The `ws` package's server. */
export const startWsServer: PeerServerFactory = async (options = {}) => {
  const perMessageDeflate: PerMessageDeflateOptions | false = options.compression
    ? {
        threshold: 0,
        serverNoContextTakeover: options.compression.serverNoContextTakeover,
        clientNoContextTakeover: options.compression.clientNoContextTakeover,
        serverMaxWindowBits: options.compression.serverMaxWindowBits,
      }
    : false;
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: options.maxPayload ?? 2 * 1024 * 1024,
    perMessageDeflate,
    handleProtocols: (protocols) => {
      const wanted = options.subprotocol;
      return wanted !== undefined && protocols.has(wanted) ? wanted : false;
    },
  });
  const accepted = new Inbox<PeerConnection>();
  wss.on('connection', (socket, request) =>
    accepted.push(new WsPeerConnection(socket, request.socket, options.echo !== false)),
  );
  await new Promise<void>((ready) => wss.once('listening', () => ready()));
  const { port } = wss.address() as AddressInfo;
  return {
    name: 'ws',
    url: (path = '/') => `ws://127.0.0.1:${port}${path}`,
    connection: (ms = 3000) => accepted.next(ms),
    close: () =>
      withTimeout(
        new Promise<void>((done) => {
          for (const client of wss.clients) client.terminate();
          wss.close(() => done());
        }),
        3000,
        'the ws server to close',
      ),
  };
};

class WsPeerConnection implements PeerConnection {
  readonly messages = new Inbox<PeerMessage>();
  readonly pongs = new Inbox<Buffer>();
  readonly closeFrame: Promise<{ code: number; reason: string }>;
  readonly gone: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: { bytesRead: number },
    echo: boolean,
  ) {
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, binary: boolean) => {
      this.messages.push({ data, binary, compressed: undefined });
      if (echo) ws.send(data, { binary, compress: true });
    });
    ws.on('pong', (data: Buffer) => this.pongs.push(data));
    this.closeFrame = new Promise((resolve) =>
      ws.on('close', (code: number, reason: Buffer) =>
        resolve({ code, reason: reason.toString('utf8') }),
      ),
    );
    this.gone = this.closeFrame.then(() => undefined);
  }

  bytesRead(): number {
    return this.socket.bytesRead;
  }

  send(data: Buffer | string, options: { binary?: boolean; compress?: boolean } = {}): void {
    this.ws.send(data, { binary: options.binary ?? false, compress: options.compress ?? false });
  }

  sendFragments(pieces: readonly (Buffer | string)[], binary: boolean): void {
    pieces.forEach((piece, i) =>
      this.ws.send(piece, { binary, fin: i === pieces.length - 1, compress: false }),
    );
  }

  ping(payload: Buffer | string): void {
    this.ws.ping(payload);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
}

/** Both servers, for `describe.each`. */
export const PEER_SERVERS: readonly [string, PeerServerFactory][] = [
  ['our server', startOurServer],
  ['the ws server', startWsServer],
];
