import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import {
  WEBSOCKET_CLOSE_MESSAGE_ERROR,
  WEBSOCKET_CLOSE_POLICY_ERROR,
  WEBSOCKET_CLOSE_STATUS_ERROR,
} from '../protocol/close-code.constants.js';
import {
  MAX_CLOSE_REASON_BYTES,
  encodeClosePayload,
  truncateUtf8,
} from '../protocol/close-payload.js';
import { FrameParser, type FrameParserSink } from '../protocol/frame-parser.js';
import { ReceiveSequencer } from '../protocol/receive-sequencer.js';
import { CloseFrame, Frame } from '../protocol/frame.js';
import {
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
  isControlOpcode,
} from '../protocol/opcode.constants.js';
import type { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import {
  WEBSOCKET_STATUS_ACTIVE,
  WEBSOCKET_STATUS_CLOSING,
  WEBSOCKET_STATUS_CONNECTION,
  WEBSOCKET_STATUS_HANDSHAKE,
} from '../protocol/websocket-status.constants.js';
import { FrameSender } from './frame-sender.js';
import { HOLD_INFLATE, ReadGate } from './read-gate.js';
import type { ServerStatistics } from './server-statistics.js';
import type { ResolvedSettings } from './ws-server-options.interface.js';

/** What a connection needs from the server that holds it. */
export interface ConnectionHost {
  readonly settings: ResolvedSettings;
  readonly statistics: ServerStatistics;
  /** Hands a received frame to the `message` handler. */
  dispatchFrame(connection: WsConnection, frame: Frame): void;
  /** The connection became a WebSocket. */
  connectionUpgraded(connection: WsConnection): void;
  /** The connection's socket closed: forget it and fire `close` or `disconnect`. */
  connectionClosed(connection: WsConnection): void;
}

/**
 * One TCP connection: a plain HTTP connection, or a WebSocket once its handshake is done. It
 * owns its state, and changes it only through its own methods: `beginHandshake(path)`,
 * `accept(head, codec)`, `close(...)`, `pushClose(...)`, `end()`. It reads frames (it is its
 * parser's sink), runs the close handshake, and sends through its `FrameSender`.
 */
export class WsConnection implements FrameParserSink {
  /** Unix time (seconds) of the connection. */
  readonly connectTime = Math.floor(Date.now() / 1000);

  private state = WEBSOCKET_STATUS_CONNECTION;
  private upgraded = false;
  private handshakePath = '';
  private recvTime = Date.now();
  private readonly sender: FrameSender;
  private readonly gate: ReadGate;
  /** The peer sent its close frame. */
  private peerClosed = false;
  private closeTimer: NodeJS.Timeout | null = null;
  /** Receives in order while a compressed message is inflated (only with compression). */
  private inboundSequencer: ReceiveSequencer | null = null;

  constructor(
    readonly fd: number,
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    const { settings, statistics } = host;
    this.sender = new FrameSender(socket, settings, statistics, () =>
      // Failed like a protocol error: what the peer sends next is read and ignored (destroying
      // now would reset the connection and lose the close frame for a peer that reads late).
      this.fail(WEBSOCKET_CLOSE_POLICY_ERROR, 'output buffer full'),
    );
    this.gate = new ReadGate(socket, settings.maxPayload);
  }

  /** `WEBSOCKET_STATUS_*`. */
  get status(): number {
    return this.state;
  }

  /** Whether the handshake completed at some point (decides `close` vs `disconnect`). */
  get wasUpgraded(): boolean {
    return this.upgraded;
  }

  /** The path of the upgrade request (for path-scoped handlers and `broadcast(..., { path })`). */
  get path(): string {
    return this.handshakePath;
  }

  /** permessage-deflate, when negotiated. */
  get codec(): PerMessageDeflateCodec | null {
    return this.sender.codec;
  }

  /** Milliseconds timestamps of the last read, the last write, and either. */
  get lastRecvTime(): number {
    return this.recvTime;
  }

  get lastSendTime(): number {
    return this.sender.lastSendTime;
  }

  get lastTime(): number {
    return Math.max(this.recvTime, this.sender.lastSendTime);
  }

  /** Bytes queued for the peer and not yet written. */
  get bufferedAmount(): number {
    return this.sender.bufferedAmount;
  }

  /** A plain HTTP request arrived: it counts as activity. */
  touch(): void {
    this.recvTime = Date.now();
  }

  /** An upgrade request arrived for `path`. */
  beginHandshake(path: string): void {
    this.state = WEBSOCKET_STATUS_HANDSHAKE;
    this.handshakePath = path;
  }

  /**
   * The handshake succeeded (the 101 is written): the connection speaks WebSocket from now on,
   * with permessage-deflate when `codec` is given. `head` is data already read after the 101.
   */
  accept(head: Buffer, codec: PerMessageDeflateCodec | null): void {
    this.state = WEBSOCKET_STATUS_ACTIVE;
    this.upgraded = true;
    this.sender.codec = codec;
    const parser = new FrameParser(this, {
      expectMasked: true,
      maxPayload: this.host.settings.maxPayload,
      allowRsv1: codec !== null,
    });
    this.gate.parser = parser;
    this.host.connectionUpgraded(this);
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.resume();
    if (head.length > 0) this.receive(head);
    // The peer may have ended while the handshake waited: that 'end' was emitted already.
    if (socket.readableEnded) this.peerEnded();
  }

  /**
   * Sends one frame: a data frame (compressed when asked and negotiated) or a ping/pong. False
   * when the connection cannot take it: not open, closed on our side, or its output full.
   */
  send(opcode: number, data: string | Buffer, fin: boolean, compress: boolean): boolean {
    if (this.state !== WEBSOCKET_STATUS_ACTIVE) return false;
    if (!isControlOpcode(opcode)) return this.sender.sendData(opcode, data, fin, compress);
    return this.sender.sendControl(opcode, typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** Writes a frame encoded once for many connections (a broadcast). */
  sendEncoded(buffers: readonly Buffer[], length: number): boolean {
    return this.state === WEBSOCKET_STATUS_ACTIVE && this.sender.sendEncoded(buffers, length);
  }

  /** Writes raw bytes (Swoole's `send`). */
  sendRaw(data: Buffer): boolean {
    return this.sender.sendRaw(data);
  }

  /** Sends a ping (the heartbeat's). */
  ping(): void {
    if (this.state === WEBSOCKET_STATUS_ACTIVE)
      this.sender.sendControl(WEBSOCKET_OPCODE_PING, EMPTY);
  }

  /**
   * Closes the connection (`disconnect`, a protocol failure, shutdown): the status becomes
   * CLOSING at once (no more messages in or out), a close frame goes out, and the peer's answer
   * is awaited for at most `websocket_close_timeout`. After a close frame was already sent (a
   * pushed one), the connection ends without a second one. `code` undefined sends an empty close
   * payload.
   */
  close(code: number | undefined, reason = ''): void {
    if (this.socket.destroyed) return;
    this.state = WEBSOCKET_STATUS_CLOSING;
    if (this.sender.closed) this.endWhenFlushed();
    else this.sendClose(encodeClosePayload(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES)));
  }

  /**
   * Sends a close frame pushed by the application (Swoole's `push` of a close frame only frames
   * and sends): the connection stays open and its messages still reach the handlers until the
   * peer answers, or `disconnect`/`close` is called. Nothing else may be sent after it. False
   * when a close frame was already sent or the connection is gone.
   */
  pushClose(payload: Buffer): boolean {
    if (this.sender.closed || this.state !== WEBSOCKET_STATUS_ACTIVE || !this.socket.writable)
      return false;
    this.sendClose(payload);
    return true;
  }

  /** Ends the TCP connection without a close frame (Swoole's `close`). */
  end(): void {
    if (this.socket.destroyed) return;
    this.state = WEBSOCKET_STATUS_CLOSING;
    this.endSocket();
    this.startCloseTimer();
  }

  /**
   * Counts a message its handler is still working on (a promise): while too many wait, the
   * connection is not read (see `ReadGate`).
   */
  handlerBusy(bytes: number, done: PromiseLike<unknown>, onError: (error: unknown) => void): void {
    this.gate.handlerBusy(bytes, done, onError);
  }

  /** Releases everything; called once the socket closed. */
  dispose(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.gate.parser?.stop();
    this.gate.parser = null;
    this.inboundSequencer?.clear();
    this.sender.dispose();
  }

  // ---- FrameParserSink: what the peer sends ------------------------------------------------

  onMessage(opcode: number, data: Buffer, compressed: boolean): void {
    this.host.statistics.messagesIn++;
    if (this.sender.codec === null) return this.deliver(opcode, data, FIN);
    this.inbound.run(() =>
      compressed ? this.inflate(opcode, data) : this.deliver(opcode, data, FIN),
    );
  }

  onPing(payload: Buffer): void {
    if (this.sender.codec !== null) this.inbound.run(() => this.answerPing(payload));
    else this.answerPing(payload);
  }

  onPong(payload: Buffer): void {
    if (this.sender.codec !== null) this.inbound.run(() => this.deliverPong(payload));
    else this.deliverPong(payload);
  }

  onClose(code: number, reason: string, payload: Buffer): void {
    if (this.sender.codec !== null)
      this.inbound.run(() => this.closeReceived(code, reason, payload));
    else this.closeReceived(code, reason, payload);
  }

  /** A protocol violation: close with the code the parser chose, and its reason. */
  onError(code: number, reason: string): void {
    if (this.sender.codec !== null) this.inbound.run(() => this.fail(code, reason));
    else this.fail(code, reason);
  }

  // ---- The socket's events --------------------------------------------------------------

  /** @internal Data read from the socket. */
  receive(chunk: Buffer): void {
    this.recvTime = Date.now();
    this.host.statistics.bytesIn += chunk.length;
    this.gate.parser?.push(chunk);
  }

  /** @internal The peer half-closed: nothing more will arrive, so finish our side too. */
  peerEnded(): void {
    this.endSocket();
  }

  /** @internal The socket closed. */
  socketClosed(): void {
    this.host.connectionClosed(this);
  }

  // ---- Internals ----------------------------------------------------------------------------

  /** Inflates a compressed message; what arrives meanwhile waits behind it. */
  private inflate(opcode: number, data: Buffer): void {
    const done = this.inbound.begin();
    (this.sender.codec as PerMessageDeflateCodec).decompress(data, (failure, inflated) => {
      if (failure) this.fail(failure.code, failure.reason);
      else if (opcode === WEBSOCKET_OPCODE_TEXT && !isUtf8(inflated as Buffer)) {
        this.fail(WEBSOCKET_CLOSE_MESSAGE_ERROR, 'invalid UTF-8 in a text message');
      } else this.deliver(opcode, inflated as Buffer, FIN_COMPRESSED);
      done();
    });
  }

  private deliver(opcode: number, data: Buffer, flags: number): void {
    if (this.state === WEBSOCKET_STATUS_ACTIVE) {
      this.host.dispatchFrame(this, Frame.fromPayload(this.fd, opcode, data, flags));
    }
  }

  private answerPing(payload: Buffer): void {
    if (this.host.settings.pingFrames) this.deliver(WEBSOCKET_OPCODE_PING, payload, FIN);
    else this.sender.sendControl(WEBSOCKET_OPCODE_PONG, payload);
  }

  private deliverPong(payload: Buffer): void {
    if (this.host.settings.pongFrames) this.deliver(WEBSOCKET_OPCODE_PONG, payload, FIN);
  }

  /**
   * The peer's close frame. If we sent ours already, the handshake is complete. Otherwise it is
   * answered with the same code and reason; with `open_websocket_close_frame` the frame goes to
   * the handlers first, which may answer it themselves within this turn of the event loop
   * (`disconnect(fd, code, reason)` or a pushed close frame); if they have not, the server
   * answers for them.
   */
  private closeReceived(code: number, reason: string, payload: Buffer): void {
    this.peerClosed = true;
    const settings = this.host.settings;
    if (settings.closeFrames && this.state === WEBSOCKET_STATUS_ACTIVE) {
      const frame = CloseFrame.fromClosePayload(payload, FIN, this.fd);
      frame.reason = reason;
      this.host.dispatchFrame(this, frame);
    }
    if (this.sender.closed) {
      this.state = WEBSOCKET_STATUS_CLOSING;
      this.endWhenFlushed();
      return;
    }
    const answer = code === WEBSOCKET_CLOSE_STATUS_ERROR ? undefined : code;
    if (settings.closeFrames) setImmediate(() => this.answerClose(answer, reason));
    else this.answerClose(answer, reason);
  }

  /** Answers the peer's close, echoing its code and reason, unless a handler already did. */
  private answerClose(code: number | undefined, reason: string): void {
    if (this.sender.closed || this.socket.destroyed) return;
    this.close(code, reason);
  }

  /** Our close frame. When the peer's came first, ours completes the handshake. */
  private sendClose(payload: Buffer): void {
    this.sender.sendClose(payload);
    if (this.peerClosed) {
      this.state = WEBSOCKET_STATUS_CLOSING;
      this.endWhenFlushed();
    } else {
      this.startCloseTimer();
    }
  }

  /** Fails the connection: stop reading frames, send the close frame, end once it is written. */
  private fail(code: number, reason: string): void {
    this.gate.parser?.stop();
    this.inboundSequencer?.clear();
    this.close(code, reason);
    this.endWhenFlushed();
  }

  /** Drops the socket if the peer does not finish the close within `websocket_close_timeout`. */
  private startCloseTimer(): void {
    this.closeTimer ??= setTimeout(() => this.socket.destroy(), this.host.settings.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /** Ends the TCP stream once every queued frame (a compressed one may be pending) is written. */
  private endWhenFlushed(): void {
    this.sender.whenFlushed(() => this.endSocket());
  }

  /** Ends the TCP stream after what is batched (once: a second end() costs Node an error object). */
  private endSocket(): void {
    if (this.socket.writableEnded) return;
    this.sender.flushBatch();
    this.socket.end();
  }

  private get inbound(): ReceiveSequencer {
    return (this.inboundSequencer ??= new ReceiveSequencer((paused) =>
      this.gate.hold(HOLD_INFLATE, paused),
    ));
  }
}

const EMPTY = Buffer.alloc(0);
const FIN = 1;
/** FIN | COMPRESS | RSV1, the flags of a received compressed message. */
const FIN_COMPRESSED = 1 | 2 | 4;

/** The connection a socket belongs to, kept on the socket (no closure per connection). */
export const SOCKET_CONNECTION = Symbol('wsConnection');

/** A socket that carries its connection. */
export type ConnectionSocket = Socket & { [SOCKET_CONNECTION]?: WsConnection };

function onSocketData(this: ConnectionSocket, chunk: Buffer): void {
  this[SOCKET_CONNECTION]?.receive(chunk);
}

function onSocketEnd(this: ConnectionSocket): void {
  this[SOCKET_CONNECTION]?.peerEnded();
}
