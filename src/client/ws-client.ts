import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { WEBSOCKET_CLOSE_NORMAL } from '../protocol/close-code.constants.js';
import { SWOOLE_WEBSOCKET_FLAG_FIN } from '../protocol/frame-flag.constants.js';
import { CloseFrame, type Frame, type FrameData } from '../protocol/frame.js';
import { WEBSOCKET_OPCODE_PING, WEBSOCKET_OPCODE_TEXT } from '../protocol/opcode.constants.js';
import type { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import { clientCanCompress, createClientDeflateCodec } from './client-deflate.codec.js';
import { type ClientHandshake, performHandshake } from './client-handshake.js';
import { type ResolvedClientOptions, resolveClientOptions } from './client-options.resolver.js';
import { ClientReceiver } from './client-receiver.js';
import { ClientSender, MAX_CONTROL_PAYLOAD, outgoingFrameOf, toBytes } from './client-sender.js';
import { CloseHandshake, type WsClientState, isValidCloseRequest } from './close-handshake.js';
import { MAX_PENDING_PINGS, PingTracker } from './ping-tracker.js';
import type { WsConnectionError } from './ws-connection.error.js';
import type { WsClientOptions } from './ws-client-options.interface.js';

export type { WsClientState } from './close-handshake.js';

/**
 * A WebSocket client on this library's own RFC 6455 engine: Swoole's coroutine client
 * (`upgrade`, `push`, `recv`) in Node form.
 *
 * ```ts
 * const client = await WsClient.connect('ws://127.0.0.1:9501/chat', { subprotocols: ['chat'] });
 * client.push('hello');
 * const frame = await client.recv(5000); // a Frame, or false on timeout or once closed
 * for await (const message of client) console.log(message.data);
 * await client.close(1000, 'bye');
 * ```
 *
 * Every frame it sends is masked with a fresh key. It fails the connection (with a close frame
 * carrying the code RFC 6455 asks for) on a masked server frame, reserved bits or opcodes, bad
 * fragmentation (1002), invalid UTF-8 (1007) and messages above `maxPayload` (1009); the reason
 * is kept in `closeReason` and `error`. Pings from the server are answered automatically.
 */
export class WsClient implements AsyncIterable<Frame> {
  /** The status of the handshake response: always 101 for a connected client. */
  readonly statusCode: number;
  /** The headers of the 101 response (names in lower case). */
  readonly headers: IncomingHttpHeaders;
  /** The subprotocol the server chose, `''` when none. */
  readonly protocol: string;
  /** The extensions the server agreed to (`Sec-WebSocket-Extensions`), `''` when none. */
  readonly extensions: string;

  private readonly socket: Socket;
  private readonly codec: PerMessageDeflateCodec | null;
  private readonly receiver: ClientReceiver;
  private readonly sender: ClientSender;
  private readonly closing: CloseHandshake;
  private readonly pings = new PingTracker();
  private readonly closed: Promise<void>;
  private resolveClosed: () => void = () => undefined;

  /**
   * Connects to a `ws://` or `wss://` URL and completes the opening handshake. Resolves once
   * the 101 response is validated; rejects with a `WsConnectionError` otherwise: invalid options,
   * connection refused, handshake timeout, a status other than 101 (in the message and in
   * `statusCode`), a wrong `Sec-WebSocket-Accept`, an extension or subprotocol the client did
   * not offer.
   */
  static async connect(url: string | URL, options: WsClientOptions = {}): Promise<WsClient> {
    const resolved = resolveClientOptions(url, options);
    return performHandshake(resolved, (handshake) => new WsClient(handshake, resolved));
  }

  private constructor(handshake: ClientHandshake, options: ResolvedClientOptions) {
    this.statusCode = handshake.statusCode;
    this.headers = handshake.headers;
    this.protocol = handshake.protocol;
    this.extensions = handshake.extensions;
    this.socket = handshake.socket;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const deflate = handshake.deflate;
    this.codec = deflate === null ? null : createClientDeflateCodec(deflate, options.maxPayload);
    this.receiver = new ClientReceiver(this.codec, options, {
      ping: (payload) => this.answerPing(payload),
      pong: (payload) => this.pings.pong(payload),
      close: (code, reason) => this.closing.received(code, reason),
      fail: (code, reason) => this.closing.fail(code, reason),
      pressure: () => this.updateReading(),
    });
    this.sender = new ClientSender(this.socket, {
      codec: this.codec,
      compresses: deflate !== null && clientCanCompress(deflate),
      maxOutputBuffer: options.maxOutputBuffer,
    });
    this.closing = new CloseHandshake(
      {
        writeClose: (code, reason) => this.sender.close(code, reason),
        closingStarted: () => this.updateReading(),
        stopReceiving: () => this.receiver.abort(),
        endWhenWritten: () => this.sender.endWhenWritten(),
        destroy: () => this.socket.destroy(),
      },
      options.closeTimeout,
    );
    this.attachSocket(handshake.head);
  }

  // ---- state ------------------------------------------------------------------------------

  /** `open`, `closing` (our close frame is out, or the server's came), or `closed`. */
  get state(): WsClientState {
    return this.closing.state;
  }

  /** Whether the TCP connection is still up (true while the closing handshake runs). */
  get connected(): boolean {
    return this.closing.state !== 'closed';
  }

  /**
   * Once closed: the code of the server's close frame (1005 when it carried none), or the code
   * the client failed the connection with, or 1006 when it ended without a close frame.
   * `undefined` while connected.
   */
  get closeCode(): number | undefined {
    return this.closing.outcome?.code;
  }

  /** Once closed: the reason that goes with `closeCode` (`''` when none). */
  get closeReason(): string | undefined {
    return this.closing.outcome?.reason;
  }

  /**
   * Whether the connection ended with a complete closing handshake: both close frames
   * exchanged and the TCP connection closed by the server, without a timeout.
   */
  get wasClean(): boolean {
    return this.closing.outcome?.clean ?? false;
  }

  /** Why the connection failed (a protocol error or a socket error), if it did. */
  get error(): WsConnectionError | undefined {
    return this.closing.error;
  }

  /** Received messages waiting for `recv()`. */
  get queuedMessages(): number {
    return this.receiver.queued;
  }

  /** Bytes pushed but not yet handed to the operating system. */
  get bufferedAmount(): number {
    return this.sender.bufferedAmount;
  }

  // ---- sending ----------------------------------------------------------------------------

  /**
   * Sends data as one frame, as Swoole's `push`: a text message by default. `flags` without
   * `SWOOLE_WEBSOCKET_FLAG_FIN` sends a fragment (continue it with
   * `WEBSOCKET_OPCODE_CONTINUATION`); with `SWOOLE_WEBSOCKET_FLAG_COMPRESS` a whole text or
   * binary message is compressed when permessage-deflate was agreed. A `Frame` carries its own
   * opcode and flags (the later arguments are ignored); a `CloseFrame` starts the closing
   * handshake with its code and reason.
   *
   * Returns false, sending nothing, when the connection is not open or the arguments are bad:
   * an unknown opcode, a control frame above 125 bytes, a continuation outside a fragmented
   * message (or a new message inside one), text that is not valid UTF-8, or a frame that would
   * take the output buffer past `maxOutputBuffer`.
   */
  push(
    data: FrameData | Frame,
    opcode: number = WEBSOCKET_OPCODE_TEXT,
    flags: number = SWOOLE_WEBSOCKET_FLAG_FIN,
  ): boolean {
    if (data instanceof CloseFrame) return this.startClose(data.code, data.reason);
    const frame = outgoingFrameOf(data, opcode, flags);
    if (frame === null) return false;
    if (this.closing.state !== 'open' || !Number.isInteger(frame.flags)) return false;
    return this.sender.send(frame);
  }

  /**
   * Sends a ping; resolves true when its pong arrives, false if the connection closes first,
   * if `timeoutMs` passes first, or at once when it cannot be sent (not open, payload above 125
   * bytes). A pong answers the ping with the same payload and every ping sent before it.
   */
  ping(payload: FrameData = '', timeoutMs?: number): Promise<boolean> {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return Promise.resolve(false);
    const bytes = toBytes(payload);
    if (
      this.closing.state !== 'open' ||
      bytes.length > MAX_CONTROL_PAYLOAD ||
      this.pings.size >= MAX_PENDING_PINGS
    ) {
      return Promise.resolve(false);
    }
    const answered = this.pings.track(Buffer.from(bytes), timeoutMs);
    this.sender.control(WEBSOCKET_OPCODE_PING, bytes);
    return answered;
  }

  // ---- receiving --------------------------------------------------------------------------

  /**
   * The next whole message, as Swoole's `recv`: a `Frame` whose `data` is a string for text
   * and a Buffer for binary (fragments merged, compressed messages inflated). Resolves false
   * when `timeoutMs` passes first, or once the connection is closed and every message received
   * before has been read. Without `timeoutMs` it waits until a message comes or the connection
   * closes; 0 only takes a message already received.
   */
  recv(timeoutMs?: number): Promise<Frame | false> {
    return this.receiver.next(timeoutMs);
  }

  /** Yields every message as `recv()` does; ends when the connection is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Frame, void, undefined> {
    for (;;) {
      const frame = await this.receiver.next();
      if (frame === false) return;
      yield frame;
    }
  }

  // ---- closing ----------------------------------------------------------------------------

  /**
   * Starts the closing handshake (unless it already started) and resolves once the TCP
   * connection is closed: when the server has answered and closed it, or after `closeTimeout`.
   * `code` must be one RFC 6455 allows on the wire (1000-1003, 1007-1014, 3000-4999), or 1005
   * for a close frame without a code (and then no reason); the reason is at most 123 bytes of
   * UTF-8. Otherwise it resolves false at once and nothing is sent. Resolves true once closed.
   */
  close(code: number = WEBSOCKET_CLOSE_NORMAL, reason = ''): Promise<boolean> {
    if (!isValidCloseRequest(code, reason)) return Promise.resolve(false);
    if (this.closing.state === 'open') this.closing.request(code, reason);
    return this.closed.then(() => true);
  }

  private startClose(code: number, reason: string): boolean {
    if (this.closing.state !== 'open' || !isValidCloseRequest(code, reason)) return false;
    this.closing.request(code, reason);
    return true;
  }

  private answerPing(payload: Buffer): void {
    // Nothing may follow our close frame.
    if (!this.closing.sentClose) this.sender.pong(payload);
  }

  // ---- the socket -------------------------------------------------------------------------

  private attachSocket(head: Buffer): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('data', (chunk: Buffer) => this.receiver.read(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', (error: Error) => this.closing.socketFailed(error));
    socket.on('close', () => this.socketClosed());
    if (head.length > 0) this.receiver.read(head);
    if (socket.destroyed) process.nextTick(() => this.socketClosed());
    else socket.resume();
  }

  /** Pauses the socket while the application is behind; always reads once closing. */
  private updateReading(): void {
    const state = this.closing.state;
    if (state === 'closed') return;
    const hold = state === 'open' && this.receiver.behind;
    if (hold) this.socket.pause();
    else this.socket.resume();
  }

  /** The TCP connection is gone; messages still being inflated are delivered first. */
  private socketClosed(): void {
    this.receiver.whenIdle(() => this.finish());
  }

  private finish(): void {
    if (!this.closing.finish()) return;
    this.receiver.stop();
    this.codec?.release();
    this.pings.cancelAll();
    this.receiver.end();
    this.resolveClosed();
  }
}
