import { EventEmitter } from 'node:events';
import type { WsServer } from '../gateway/ws-server.service.js';
import {
  WEBSOCKET_CLOSE_ABNORMAL,
  WEBSOCKET_CLOSE_NORMAL,
  isValidWireCloseCode,
} from '../protocol/close-code.constants.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../protocol/frame-flag.constants.js';
import { CloseFrame, type Frame } from '../protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../protocol/opcode.constants.js';

/** `ws`'s ready states. */
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

/** The largest close reason (a close frame holds 125 bytes, 2 of them the code). */
const MAX_CLOSE_REASON_BYTES = 123;
/** The largest control frame payload (RFC 6455 section 5.5). */
const MAX_CONTROL_PAYLOAD_BYTES = 125;
const EMPTY = Buffer.alloc(0);

/** `send()` options, as `ws` takes them. */
export interface SwooleWsSendOptions {
  /** Send as binary (default: true unless the data is a string or a number). */
  binary?: boolean;
  /** Compress with permessage-deflate, when the peer negotiated it. */
  compress?: boolean;
  /** False: more fragments of this message follow (default true). */
  fin?: boolean;
  /** Ignored: a server never masks. */
  mask?: boolean;
}

/** What `send()` and `ping()` take: `ws`'s data types. */
export type SwooleWsData = string | number | Buffer | ArrayBuffer | ArrayBufferView;

/** A callback of `send()` / `ping()` / `pong()`: an error when the data was not sent. */
export type SwooleWsCallback = (error?: Error) => void;

/**
 * What the adapter routes a client's messages through (one per gateway bound to the client).
 * @internal
 */
export interface ClientMessageRoute {
  route(client: SwooleWsClient, data: string | Buffer): void;
  dispose(): void;
}

/**
 * A gateway's view of one connection, shaped like the `ws` package's `WebSocket` (what
 * `@ConnectedSocket()` and `handleConnection` receive): `send`, `close`, `terminate`, `ping`,
 * `readyState`, `bufferedAmount`, `protocol` and `ws`'s events with `ws`'s arguments
 * (`message`: `(data: Buffer, isBinary)`, `close`: `(code, reason: Buffer)`, `pong`, `ping`).
 *
 * `fd` is the connection's `WsServer` fd, so the same code can call Swoole's methods on it:
 * `wsServer.push(client.fd, ...)`, `getClientInfo`, the cluster-wide `...Async` calls.
 */
export class SwooleWsClient extends EventEmitter {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  private state = OPEN;
  /** The code and reason the `close` event reports: the peer's close frame, or ours. */
  private closeCode = WEBSOCKET_CLOSE_ABNORMAL;
  private closeReason = EMPTY;
  /** A fragmented message is being sent: the next frames are continuations. */
  private fragmenting = false;
  private routes: ClientMessageRoute[] = [];

  /**
   * @param fd the connection's fd in `server`
   * @param server the engine serving the connection
   * @param protocol the subprotocol the handshake agreed on ('' when none)
   */
  constructor(
    readonly fd: number,
    private readonly server: WsServer,
    readonly protocol: string,
  ) {
    super();
  }

  /** `ws`'s `readyState`: OPEN until a close starts (from either side), CLOSED once closed. */
  get readyState(): number {
    if (this.state === OPEN && !this.server.isEstablished(this.fd)) return CLOSING;
    return this.state;
  }

  /** Bytes queued for this connection and not yet written to the socket. */
  get bufferedAmount(): number {
    const info = this.server.getClientInfo(this.fd);
    return info === false ? 0 : info.send_queued_bytes;
  }

  /** `ws`'s `binaryType`: messages always arrive as Buffers. */
  get binaryType(): 'nodebuffer' {
    return 'nodebuffer';
  }

  /**
   * Sends a message: a string (or number) as text, anything else as binary unless `binary` says
   * otherwise. The callback gets an error when the connection is not open or the engine refused
   * the message (larger than `buffer_output_size`, or a full output buffer under `drop`);
   * otherwise it runs once the message is queued (not once it is written, as in `ws`).
   */
  send(data: SwooleWsData, callback?: SwooleWsCallback): void;
  send(data: SwooleWsData, options: SwooleWsSendOptions, callback?: SwooleWsCallback): void;
  send(
    data: SwooleWsData,
    optionsOrCallback?: SwooleWsSendOptions | SwooleWsCallback,
    callback?: SwooleWsCallback,
  ): void {
    const options = typeof optionsOrCallback === 'object' ? optionsOrCallback : {};
    const done = typeof optionsOrCallback === 'function' ? optionsOrCallback : callback;
    if (this.readyState !== OPEN) return this.notOpen(done);
    const text = typeof data === 'string' || typeof data === 'number';
    const payload = toPayload(data);
    const binary = options.binary ?? !text;
    const opcode = this.fragmenting
      ? WEBSOCKET_OPCODE_CONTINUATION
      : binary
        ? WEBSOCKET_OPCODE_BINARY
        : WEBSOCKET_OPCODE_TEXT;
    const fin = options.fin !== false;
    // A message compresses as a whole; its fragments are sent as they are.
    const compress = options.compress === true && fin && !this.fragmenting;
    this.fragmenting = !fin;
    const flags =
      (fin ? SWOOLE_WEBSOCKET_FLAG_FIN : 0) | (compress ? SWOOLE_WEBSOCKET_FLAG_COMPRESS : 0);
    this.settle(this.server.push(this.fd, payload, opcode, flags), 'message', done);
  }

  /** Sends a ping; the peer's pong arrives as a `pong` event. */
  ping(
    data?: SwooleWsData | SwooleWsCallback,
    mask?: boolean | SwooleWsCallback,
    callback?: SwooleWsCallback,
  ): void {
    this.control(WEBSOCKET_OPCODE_PING, data, mask, callback);
  }

  /** Sends an unsolicited pong. */
  pong(
    data?: SwooleWsData | SwooleWsCallback,
    mask?: boolean | SwooleWsCallback,
    callback?: SwooleWsCallback,
  ): void {
    this.control(WEBSOCKET_OPCODE_PONG, data, mask, callback);
  }

  /**
   * Starts the closing handshake. `code` must be valid on the wire (1000-1003, 1007-1014,
   * 3000-4999), else a TypeError, as in `ws`; without a code the close frame carries 1000.
   * `reason`: at most 123 bytes of UTF-8, else a RangeError.
   */
  close(code?: number, reason?: string | Buffer): void {
    if (code !== undefined && !isValidWireCloseCode(code)) {
      throw new TypeError('First argument must be a valid error code number');
    }
    const text = reason === undefined ? '' : reason.toString();
    if (Buffer.byteLength(text) > MAX_CLOSE_REASON_BYTES) {
      throw new RangeError('The message must not be greater than 123 bytes');
    }
    if (this.readyState !== OPEN) return;
    this.state = CLOSING;
    const sent = code ?? WEBSOCKET_CLOSE_NORMAL;
    // The peer answers with the same code, which is what `ws` reports in its close event.
    this.closeCode = sent;
    this.closeReason = Buffer.from(text);
    this.server.closeConnection(this.fd, sent, text);
  }

  /** Drops the connection at once, without a close frame (the peer sees 1006). */
  terminate(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSING;
    this.server.close(this.fd);
  }

  /** @internal A reply as text (what the adapter sends back from handlers); false if not sent. */
  sendText(text: string): boolean {
    return this.server.push(this.fd, text);
  }

  /** @internal A gateway's message routing, set up by the adapter. */
  addRoute(route: ClientMessageRoute): void {
    this.routes.push(route);
  }

  /** @internal A frame the engine received for this connection. */
  receive(frame: Frame): void {
    switch (frame.opcode) {
      case WEBSOCKET_OPCODE_TEXT:
      case WEBSOCKET_OPCODE_BINARY:
        return this.receiveMessage(frame);
      case WEBSOCKET_OPCODE_PONG:
        this.emit('pong', frame.payload);
        return;
      case WEBSOCKET_OPCODE_PING:
        // Only with `open_websocket_ping_frame`: the engine then leaves the answer to us.
        this.server.push(this.fd, frame.payload, WEBSOCKET_OPCODE_PONG);
        this.emit('ping', frame.payload);
        return;
      default:
        if (frame instanceof CloseFrame) this.closeReceived(frame);
    }
  }

  /** @internal The connection closed: fires `close` with the code and reason of the handshake. */
  closed(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    for (const route of this.routes) route.dispose();
    this.routes = [];
    this.emit('close', this.closeCode, this.closeReason);
  }

  private receiveMessage(frame: Frame): void {
    const binary = frame.opcode === WEBSOCKET_OPCODE_BINARY;
    if (this.listenerCount('message') > 0) this.emit('message', frame.payload, binary);
    if (this.routes.length === 0) return;
    // Parsers get text as a string and binary as a Buffer, as platform-ws hands them over.
    const data = binary ? frame.payload : (frame.data as string);
    for (const route of this.routes) route.route(this, data);
  }

  /** The peer's close frame; the engine answers it with the same code. */
  private closeReceived(frame: CloseFrame): void {
    if (this.state === OPEN) this.state = CLOSING;
    this.closeCode = frame.code;
    this.closeReason = Buffer.from(frame.reason);
  }

  private control(
    opcode: number,
    data: SwooleWsData | SwooleWsCallback | undefined,
    mask: boolean | SwooleWsCallback | undefined,
    callback: SwooleWsCallback | undefined,
  ): void {
    // `ws` takes the callback in any position: ping(cb), ping(data, cb), ping(data, mask, cb).
    const done = typeof data === 'function' ? data : typeof mask === 'function' ? mask : callback;
    const payload = data === undefined || typeof data === 'function' ? EMPTY : toPayload(data);
    if (Buffer.byteLength(payload) > MAX_CONTROL_PAYLOAD_BYTES) {
      throw new RangeError('The data size must not be greater than 125 bytes');
    }
    if (this.readyState !== OPEN) return this.notOpen(done);
    const what = opcode === WEBSOCKET_OPCODE_PING ? 'ping' : 'pong';
    this.settle(this.server.push(this.fd, payload, opcode), what, done);
  }

  private notOpen(callback: SwooleWsCallback | undefined): void {
    if (!callback) return;
    const state = this.readyState;
    const error = new Error(`WebSocket is not open: readyState ${state} (${STATE_NAMES[state]})`);
    process.nextTick(callback, error);
  }

  private settle(sent: boolean, what: string, callback: SwooleWsCallback | undefined): void {
    if (!callback) return;
    const error = sent
      ? undefined
      : new Error(
          `the ${what} was not sent: larger than buffer_output_size, or the output buffer is full`,
        );
    process.nextTick(callback, error);
  }
}

/** `ws`'s data conversion: numbers as text, views and ArrayBuffers as their bytes. */
function toPayload(data: SwooleWsData): string | Buffer {
  if (typeof data === 'string' || Buffer.isBuffer(data)) return data;
  if (typeof data === 'number') return String(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(
    'The data argument must be a string, a number, a Buffer, an ArrayBuffer or an ArrayBufferView',
  );
}
