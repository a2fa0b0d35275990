import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import {
  WEBSOCKET_CLOSE_ABNORMAL,
  WEBSOCKET_CLOSE_MESSAGE_ERROR,
  WEBSOCKET_CLOSE_NORMAL,
  WEBSOCKET_CLOSE_STATUS_ERROR,
  isValidWireCloseCode,
} from '../protocol/close-code.constants.js';
import { encodeClosePayload } from '../protocol/close-payload.js';
import { encodeClientFrame } from '../protocol/frame-encoder.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
  SWOOLE_WEBSOCKET_FLAG_RSV1,
} from '../protocol/frame-flag.constants.js';
import { FrameParser, type FrameParserSink } from '../protocol/frame-parser.js';
import { CloseFrame, Frame, type FrameData } from '../protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../protocol/opcode.constants.js';
import type { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import { clientCanCompress, createClientDeflateCodec } from './client-deflate.codec.js';
import { type ClientHandshake, performHandshake } from './client-handshake.js';
import { type ResolvedClientOptions, resolveClientOptions } from './client-options.resolver.js';
import { MessageInbox } from './message-inbox.js';
import { OutgoingFragments } from './outgoing-fragments.js';
import { MAX_PENDING_PINGS, PingTracker } from './ping-tracker.js';
import { ReceiveSequencer } from './receive-sequencer.js';
import { SendQueue } from './send-queue.js';
import { WsConnectionError } from './ws-connection.error.js';
import type { WsClientOptions } from './ws-client-options.interface.js';

/** A close frame holds 125 bytes: the 2-byte code and at most 123 of reason. */
const MAX_CLOSE_REASON_BYTES = 123;
/** Control frames carry at most 125 bytes (RFC 6455 section 5.5). */
const MAX_CONTROL_PAYLOAD = 125;
/** The flags of a received message, and of one that arrived compressed. */
const RECEIVED = SWOOLE_WEBSOCKET_FLAG_FIN;
const RECEIVED_COMPRESSED =
  SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS | SWOOLE_WEBSOCKET_FLAG_RSV1;

/**
 * Where a client is: `open` (messages flow both ways), `closing` (a close frame was sent:
 * nothing more can be pushed, messages may still arrive), `closed` (the TCP connection is gone).
 */
export type WsClientState = 'open' | 'closing' | 'closed';

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
  private readonly options: ResolvedClientOptions;
  private readonly parser: FrameParser;
  private readonly codec: PerMessageDeflateCodec | null;
  private readonly compresses: boolean;
  private readonly inbox: MessageInbox<Frame>;
  private readonly pings = new PingTracker();
  private readonly sendQueue: SendQueue;
  private readonly sequencer: ReceiveSequencer | null;
  private readonly fragments = new OutgoingFragments();

  private currentState: WsClientState = 'open';
  private closeSent = false;
  private serverClose: { code: number; reason: string } | null = null;
  private failure: { code: number; reason: string } | null = null;
  private lastError: WsConnectionError | undefined = undefined;
  private closeTimer: NodeJS.Timeout | null = null;
  private forcedClose = false;
  private inboxFull = false;
  private sequencerFull = false;
  private closedOutcome: { code: number; reason: string; clean: boolean } | null = null;
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
    this.options = options;
    this.socket = handshake.socket;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const deflate = handshake.deflate;
    this.codec = deflate === null ? null : createClientDeflateCodec(deflate, options.maxPayload);
    this.compresses = deflate !== null && clientCanCompress(deflate);
    this.sequencer =
      this.codec === null
        ? null
        : new ReceiveSequencer((full) => {
            this.sequencerFull = full;
            this.updateReading();
          });
    this.inbox = new MessageInbox<Frame>(
      { maxMessages: options.maxQueuedMessages, maxBytes: options.maxQueuedBytes },
      (full) => {
        this.inboxFull = full;
        this.updateReading();
      },
    );
    this.sendQueue = new SendQueue(this.socket);
    this.parser = new FrameParser(this.parserSink(), {
      expectMasked: false,
      maxPayload: options.maxPayload,
      allowRsv1: this.codec !== null,
    });
    this.attachSocket(handshake.head);
  }

  // ---- state ------------------------------------------------------------------------------

  /** `open`, `closing` (our close frame is out, or the server's came), or `closed`. */
  get state(): WsClientState {
    return this.currentState;
  }

  /** Whether the TCP connection is still up (true while the closing handshake runs). */
  get connected(): boolean {
    return this.currentState !== 'closed';
  }

  /**
   * Once closed: the code of the server's close frame (1005 when it carried none), or the code
   * the client failed the connection with, or 1006 when it ended without a close frame.
   * `undefined` while connected.
   */
  get closeCode(): number | undefined {
    return this.closedOutcome?.code;
  }

  /** Once closed: the reason that goes with `closeCode` (`''` when none). */
  get closeReason(): string | undefined {
    return this.closedOutcome?.reason;
  }

  /**
   * Whether the connection ended with a complete closing handshake: both close frames
   * exchanged and the TCP connection closed by the server, without a timeout.
   */
  get wasClean(): boolean {
    return this.closedOutcome?.clean ?? false;
  }

  /** Why the connection failed (a protocol error or a socket error), if it did. */
  get error(): WsConnectionError | undefined {
    return this.lastError;
  }

  /** Received messages waiting for `recv()`. */
  get queuedMessages(): number {
    return this.inbox.size;
  }

  /** Bytes pushed but not yet handed to the operating system. */
  get bufferedAmount(): number {
    return this.sendQueue.bufferedAmount;
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
    let payload: FrameData;
    if (data instanceof Frame) {
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
    if (this.currentState !== 'open' || !Number.isInteger(flags)) return false;
    if (opcode === WEBSOCKET_OPCODE_PING || opcode === WEBSOCKET_OPCODE_PONG) {
      return this.sendControl(opcode, toBytes(payload));
    }
    if (
      opcode !== WEBSOCKET_OPCODE_TEXT &&
      opcode !== WEBSOCKET_OPCODE_BINARY &&
      opcode !== WEBSOCKET_OPCODE_CONTINUATION
    ) {
      return false;
    }
    return this.sendData(payload, opcode, flags);
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
      this.currentState !== 'open' ||
      bytes.length > MAX_CONTROL_PAYLOAD ||
      this.pings.size >= MAX_PENDING_PINGS
    ) {
      return Promise.resolve(false);
    }
    const answered = this.pings.track(Buffer.from(bytes), timeoutMs);
    this.sendQueue.write(encodeClientFrame(WEBSOCKET_OPCODE_PING, bytes));
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
    return this.inbox.next(timeoutMs);
  }

  /** Yields every message as `recv()` does; ends when the connection is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Frame, void, undefined> {
    for (;;) {
      const frame = await this.inbox.next();
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
    if (this.currentState === 'open') this.sendCloseRequest(code, reason);
    return this.closed.then(() => true);
  }

  private startClose(code: number, reason: string): boolean {
    if (this.currentState !== 'open' || !isValidCloseRequest(code, reason)) return false;
    this.sendCloseRequest(code, reason);
    return true;
  }

  /** 1005 ("no status code") is sent as an empty close payload, as `CloseFrame` packs it. */
  private sendCloseRequest(code: number, reason: string): void {
    this.sendClose(code === WEBSOCKET_CLOSE_STATUS_ERROR ? undefined : code, reason);
  }

  // ---- sending, the details ---------------------------------------------------------------

  private sendControl(opcode: number, payload: Buffer): boolean {
    if (payload.length > MAX_CONTROL_PAYLOAD) return false;
    this.sendQueue.write(encodeClientFrame(opcode, payload));
    return true;
  }

  private sendData(data: FrameData, opcode: number, flags: number): boolean {
    const fin = (flags & SWOOLE_WEBSOCKET_FLAG_FIN) !== 0;
    const payload = toBytes(data);
    if (this.sendQueue.bufferedAmount + payload.length > this.options.maxOutputBuffer) return false;
    if (!this.fragments.check(opcode, payload, fin, typeof data === 'string')) return false;
    const whole = fin && opcode !== WEBSOCKET_OPCODE_CONTINUATION;
    if (whole && this.compresses && (flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS) !== 0) {
      // zlib reads the buffer later: a copy keeps the caller free to reuse theirs at once.
      this.sendCompressed(opcode, typeof data === 'string' ? payload : Buffer.from(payload));
    } else {
      this.sendQueue.write(encodeClientFrame(opcode, payload, { fin }));
    }
    this.fragments.commit(opcode, payload, fin);
    return true;
  }

  /** Compresses with this connection's context; frames pushed meanwhile wait their turn. */
  private sendCompressed(opcode: number, payload: Buffer): void {
    const deliver = this.sendQueue.reserve(payload.length);
    (this.codec as PerMessageDeflateCodec).compress(payload, (compressed) =>
      deliver(encodeClientFrame(opcode, compressed, { rsv1: true })),
    );
  }

  /** Sends our close frame: nothing may follow it. The server has `closeTimeout` to finish. */
  private sendClose(code: number | undefined, reason: string): void {
    this.closeSent = true;
    this.currentState = 'closing';
    this.sendQueue.write(
      encodeClientFrame(WEBSOCKET_OPCODE_CLOSE, encodeClosePayload(code, reason)),
    );
    this.armCloseTimer();
    // The server's close frame must be read even if the application stopped reading messages.
    this.updateReading();
  }

  // ---- receiving, the details -------------------------------------------------------------

  /** What the frame parser reports, kept off the public surface of the class. */
  private parserSink(): FrameParserSink {
    return {
      onMessage: (opcode, data, compressed) =>
        this.sequenced(() => this.message(opcode, data, compressed)),
      onPing: (payload) => this.sequenced(() => this.answerPing(payload)),
      onPong: (payload) => this.sequenced(() => this.pings.pong(payload)),
      onClose: (code, reason) => this.sequenced(() => this.closeReceived(code, reason)),
      onError: (code, reason) => this.sequenced(() => this.fail(code, reason)),
    };
  }

  /** Runs a step now, or in order behind a message being inflated. */
  private sequenced(step: () => void): void {
    if (this.sequencer === null) step();
    else this.sequencer.run(step);
  }

  private message(opcode: number, data: Buffer, compressed: boolean): void {
    if (compressed) this.inflate(opcode, data);
    else this.deliver(opcode, data, RECEIVED);
  }

  private inflate(opcode: number, data: Buffer): void {
    const done = (this.sequencer as ReceiveSequencer).begin();
    (this.codec as PerMessageDeflateCodec).decompress(data, (failure, inflated) => {
      if (failure) this.fail(failure.code, failure.reason);
      else if (opcode === WEBSOCKET_OPCODE_TEXT && !isUtf8(inflated as Buffer)) {
        this.fail(WEBSOCKET_CLOSE_MESSAGE_ERROR, 'invalid UTF-8 in a text message');
      } else this.deliver(opcode, inflated as Buffer, RECEIVED_COMPRESSED);
      done();
    });
  }

  private deliver(opcode: number, data: Buffer, flags: number): void {
    if (this.failure !== null) return;
    this.inbox.push(Frame.fromPayload(0, opcode, data, flags), data.length);
  }

  private answerPing(payload: Buffer): void {
    // Nothing may follow our close frame.
    if (!this.closeSent) this.sendQueue.write(encodeClientFrame(WEBSOCKET_OPCODE_PONG, payload));
  }

  /**
   * The server's close frame. Answered with the same code if we did not close first; then the
   * server is to close the TCP connection (RFC 6455 section 7.1.1), within `closeTimeout`.
   */
  private closeReceived(code: number, reason: string): void {
    if (this.failure !== null) return;
    this.serverClose = { code, reason };
    if (!this.closeSent) {
      this.sendClose(code === WEBSOCKET_CLOSE_STATUS_ERROR ? undefined : code, '');
    }
  }

  /**
   * Fails the connection (RFC 6455 section 7.1.7): stop reading, send a close frame with the
   * code (unless ours is out already), end our side once it is written.
   */
  private fail(code: number, reason: string): void {
    if (this.failure !== null || this.currentState === 'closed') return;
    this.failure = { code, reason };
    this.lastError ??= new WsConnectionError(
      `${reason}: the client failed the connection with close code ${code}`,
      'PROTOCOL_ERROR',
      { closeCode: code },
    );
    this.parser.stop();
    this.sequencer?.clear();
    if (!this.closeSent) this.sendClose(code, reason);
    this.sendQueue.whenIdle(() => this.socket.end());
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null) return;
    this.closeTimer = setTimeout(() => {
      this.forcedClose = true;
      this.socket.destroy();
    }, this.options.closeTimeout);
    this.closeTimer.unref();
  }

  // ---- the socket -------------------------------------------------------------------------

  private attachSocket(head: Buffer): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('data', (chunk: Buffer) => this.parser.push(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', (error: Error) => this.socketFailed(error));
    socket.on('close', () => this.socketClosed());
    if (head.length > 0) this.parser.push(head);
    if (socket.destroyed) process.nextTick(() => this.socketClosed());
    else socket.resume();
  }

  /** Pauses the socket while the application is behind; always reads once closing. */
  private updateReading(): void {
    if (this.currentState === 'closed') return;
    const hold = this.currentState === 'open' && (this.inboxFull || this.sequencerFull);
    if (hold) this.socket.pause();
    else this.socket.resume();
  }

  private socketFailed(error: Error): void {
    // Once closing, a reset is how many servers end; only a failure while open is an error.
    if (this.currentState !== 'open' || this.lastError !== undefined) return;
    this.lastError = new WsConnectionError(
      `the connection failed: ${error.message}`,
      'SOCKET_ERROR',
      {
        cause: error,
      },
    );
  }

  /** The TCP connection is gone; messages still being inflated are delivered first. */
  private socketClosed(): void {
    if (this.sequencer === null) this.finish();
    else this.sequencer.whenIdle(() => this.finish());
  }

  private finish(): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.parser.stop();
    this.codec?.release();
    this.closedOutcome = this.outcome();
    this.pings.cancelAll();
    this.inbox.end();
    this.resolveClosed();
  }

  private outcome(): { code: number; reason: string; clean: boolean } {
    if (this.failure !== null) return { ...this.failure, clean: false };
    if (this.serverClose !== null) {
      return { ...this.serverClose, clean: this.closeSent && !this.forcedClose };
    }
    return { code: WEBSOCKET_CLOSE_ABNORMAL, reason: '', clean: false };
  }
}

function toBytes(data: FrameData): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

function isValidCloseRequest(code: number, reason: string): boolean {
  if (typeof reason !== 'string') return false;
  if (code === WEBSOCKET_CLOSE_STATUS_ERROR) return reason === '';
  return isValidWireCloseCode(code) && Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES;
}
