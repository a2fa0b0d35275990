import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import {
  WEBSOCKET_CLOSE_MESSAGE_ERROR,
  WEBSOCKET_CLOSE_POLICY_ERROR,
  WEBSOCKET_CLOSE_STATUS_ERROR,
} from '../protocol/close-code.constants.js';
import {
  encodeFrame,
  frameHeaderSize,
  SMALL_FRAME_LIMIT,
  writeFrameHeader,
} from '../protocol/frame-encoder.js';
import { FrameParser, type FrameParserSink } from '../protocol/frame-parser.js';
import type { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import { InboundSequencer } from './inbound-sequencer.js';
import { OutboundQueue } from './outbound-queue.js';
import { writeBatcher } from './write-batcher.js';
import { CloseFrame, Frame } from '../protocol/frame.js';
import {
  MAX_CLOSE_REASON_BYTES,
  encodeClosePayload,
  truncateUtf8,
} from '../protocol/close-payload.js';
import {
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../protocol/opcode.constants.js';
import {
  WEBSOCKET_STATUS_ACTIVE,
  WEBSOCKET_STATUS_CLOSING,
  WEBSOCKET_STATUS_CONNECTION,
} from '../protocol/websocket-status.constants.js';
import type { ResolvedSettings } from './ws-server-options.interface.js';
import type { ServerStatistics } from './server-statistics.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly settings: ResolvedSettings;
  readonly statistics: ServerStatistics;
  /** Hands a received frame to the `message` handlers. */
  dispatchFrame(connection: WsConnection, frame: Frame): void;
  /** The connection's socket closed: forget it and fire `close` or `disconnect`. */
  connectionClosed(connection: WsConnection): void;
}

/**
 * One TCP connection: a plain HTTP connection, or a WebSocket once its handshake is done. It
 * owns the frame parser, the send path and the close handshake.
 *
 * Writes are batched until the end of the event-loop turn (see `WriteBatcher`), so everything
 * sent to one connection in a turn leaves in one write (one syscall) rather than one per frame.
 */
export class WsConnection implements FrameParserSink {
  /** `WEBSOCKET_STATUS_*`. */
  status = WEBSOCKET_STATUS_CONNECTION;
  /** Whether the handshake completed at some point (decides `close` vs `disconnect`). */
  isWebSocket = false;
  /** Unix time (seconds) of the connection. */
  readonly connectTime = Math.floor(Date.now() / 1000);
  /** Milliseconds timestamps of the last read and write. */
  lastRecvTime = Date.now();
  lastSendTime = 0;
  /** The path of the upgrade request (for `broadcast(..., { path })`). */
  path = '';
  /** permessage-deflate, when negotiated in the handshake (set before `activate`). */
  codec: PerMessageDeflateCodec | null = null;

  private parser: FrameParser | null = null;
  /** Frames written this turn and not yet handed to the socket: one buffer, or several. */
  private batch: Buffer | Buffer[] | null = null;
  private batchBytes = 0;
  /** We sent our close frame: nothing may follow it. */
  private closeSent = false;
  /** The peer sent its close frame. */
  private peerClosed = false;
  private closeTimer: NodeJS.Timeout | null = null;
  /** Sends in order when a compressed frame is still being produced (created on first need). */
  private outboundQueue: OutboundQueue | null = null;
  /** Receives in order while a compressed message is inflated (only with compression). */
  private inboundSequencer: InboundSequencer | null = null;
  /** Why reading is held (`HOLD_*` bits); zero when the socket is read. */
  private readHolds = 0;
  /** Messages handed to a handler that has not finished with them, and their bytes. */
  private pendingMessages = 0;
  private pendingBytes = 0;

  constructor(
    readonly fd: number,
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {}

  /** Milliseconds timestamp of the last activity either way. */
  get lastTime(): number {
    return Math.max(this.lastRecvTime, this.lastSendTime);
  }

  /** Bytes queued on the socket, or waiting behind a compressed frame, not yet written. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.batchBytes + (this.outboundQueue?.pendingBytes ?? 0);
  }

  /** Switches to WebSocket framing after a successful handshake; `head` is data already read. */
  activate(head: Buffer): void {
    this.status = WEBSOCKET_STATUS_ACTIVE;
    this.isWebSocket = true;
    this.parser = new FrameParser(this, {
      expectMasked: true,
      maxPayload: this.host.settings.maxPayload,
      allowRsv1: this.codec !== null,
    });
    this.socket.setNoDelay(true);
    this.socket.setTimeout(0);
    this.socket.on('data', onSocketData);
    this.socket.on('end', onSocketEnd);
    this.socket.resume();
    if (head.length > 0) this.receive(head);
    // The peer may have ended while the handshake waited: that 'end' was emitted already.
    if (this.socket.readableEnded) this.peerEnded();
  }

  /**
   * Sends one data or control frame. Returns false when the connection cannot take it: not
   * open, or its output buffer is full (`buffer_output_size`).
   */
  sendFrame(opcode: number, data: string | Buffer, fin = true, compress = false): boolean {
    if (this.status !== WEBSOCKET_STATUS_ACTIVE || this.closeSent) return false;
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (!this.reserveOutput(length + 10)) return false;
    if (opcode < WEBSOCKET_OPCODE_CLOSE) this.host.statistics.messagesOut++;
    if (this.shouldCompress(opcode, fin, length, compress)) {
      this.sendCompressed(opcode, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      return true;
    }
    const headerSize = frameHeaderSize(length, false);
    if (length <= SMALL_FRAME_LIMIT || typeof data === 'string') {
      const frame = Buffer.allocUnsafe(headerSize + length);
      writeFrameHeader(frame, 0, opcode, length, { fin });
      if (typeof data === 'string') frame.write(data, headerSize, 'utf8');
      else data.copy(frame, headerSize);
      this.send([frame]);
    } else {
      const header = Buffer.allocUnsafe(headerSize);
      writeFrameHeader(header, 0, opcode, length, { fin });
      this.send([header, data]);
    }
    return true;
  }

  /**
   * Whether a message goes out compressed: permessage-deflate was negotiated, it is a whole data
   * message, and it was pushed with the COMPRESS flag or is at least
   * `websocket_compression_threshold` bytes.
   */
  private shouldCompress(
    opcode: number,
    fin: boolean,
    length: number,
    requested: boolean,
  ): boolean {
    if (this.codec === null || !fin || opcode >= WEBSOCKET_OPCODE_CLOSE || opcode === 0)
      return false;
    const threshold = this.host.settings.compressionThreshold;
    return requested || (threshold > 0 && length >= threshold);
  }

  /** Compresses with this connection's context; frames sent meanwhile wait their turn. */
  private sendCompressed(opcode: number, payload: Buffer): void {
    // Counted at its uncompressed size (as reserveOutput did) until the compressed frame exists.
    const deliver = this.outbound.reserve(payload.length + 10);
    (this.codec as PerMessageDeflateCodec).compress(payload, (compressed) => {
      deliver([encodeFrame(opcode, compressed, { rsv1: true })]);
    });
  }

  /** Writes an already encoded frame (a broadcast encodes once for every connection). */
  sendEncoded(buffers: readonly Buffer[], length: number): boolean {
    if (this.status !== WEBSOCKET_STATUS_ACTIVE || this.closeSent) return false;
    if (!this.reserveOutput(length)) return false;
    this.send(buffers);
    this.host.statistics.messagesOut++;
    return true;
  }

  /** Writes raw bytes (Swoole's `send`). */
  sendRaw(data: Buffer): boolean {
    if (!this.reserveOutput(data.length)) return false;
    this.send([data]);
    return true;
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
    this.status = WEBSOCKET_STATUS_CLOSING;
    if (this.closeSent) this.endWhenFlushed();
    else this.sendClose(encodeClosePayload(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES)));
  }

  /**
   * Sends a close frame pushed by the application (Swoole's `push` of a close frame only frames
   * and sends): the connection stays open and its messages still reach the handlers until the
   * peer answers, or `disconnect`/`close` is called. Nothing else may be sent after it. False
   * when a close frame was already sent or the connection is gone.
   */
  pushClose(payload: Buffer): boolean {
    if (this.closeSent || this.status !== WEBSOCKET_STATUS_ACTIVE || !this.socket.writable)
      return false;
    this.sendClose(payload);
    return true;
  }

  /** Our close frame: it always goes out, full buffer or not (it is the last one). */
  private sendClose(payload: Buffer): void {
    this.closeSent = true;
    this.writeFrame(WEBSOCKET_OPCODE_CLOSE, payload);
    if (this.peerClosed) {
      // The peer's close came first: ours completes the handshake.
      this.status = WEBSOCKET_STATUS_CLOSING;
      this.endWhenFlushed();
      return;
    }
    this.closeTimer ??= setTimeout(() => this.socket.destroy(), this.host.settings.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /** Ends the TCP connection without a close frame (Swoole's `close`). */
  end(): void {
    if (this.socket.destroyed) return;
    this.status = WEBSOCKET_STATUS_CLOSING;
    this.endSocket();
    this.closeTimer ??= setTimeout(() => this.socket.destroy(), this.host.settings.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /** Releases timers; called once the socket closed. */
  dispose(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.parser?.stop();
    this.parser = null;
    this.codec?.release();
    this.inboundSequencer?.clear();
    this.outboundQueue?.clear();
  }

  /** Sends a ping (heartbeat). */
  ping(): void {
    if (this.status === WEBSOCKET_STATUS_ACTIVE) this.writeControl(WEBSOCKET_OPCODE_PING, EMPTY);
  }

  onMessage(opcode: number, data: Buffer, compressed: boolean): void {
    this.host.statistics.messagesIn++;
    if (this.codec === null) {
      this.deliver(opcode, data, FIN);
      return;
    }
    this.inbound.run(() =>
      compressed ? this.inflate(opcode, data) : this.deliver(opcode, data, FIN),
    );
  }

  /** Inflates a compressed message; what arrives meanwhile waits behind it. */
  private inflate(opcode: number, data: Buffer): void {
    const done = this.inbound.begin();
    (this.codec as PerMessageDeflateCodec).decompress(data, (failure, inflated) => {
      if (failure) this.fail(failure.code, failure.reason);
      else if (opcode === WEBSOCKET_OPCODE_TEXT && !isUtf8(inflated as Buffer)) {
        this.fail(WEBSOCKET_CLOSE_MESSAGE_ERROR, 'invalid UTF-8 in a text message');
      } else this.deliver(opcode, inflated as Buffer, FIN_COMPRESSED);
      done();
    });
  }

  private deliver(opcode: number, data: Buffer, flags: number): void {
    if (this.status === WEBSOCKET_STATUS_ACTIVE) {
      this.host.dispatchFrame(this, Frame.fromPayload(this.fd, opcode, data, flags));
    }
  }

  onPing(payload: Buffer): void {
    if (this.codec !== null) this.inbound.run(() => this.answerPing(payload));
    else this.answerPing(payload);
  }

  private answerPing(payload: Buffer): void {
    if (this.host.settings.pingFrames) this.deliver(WEBSOCKET_OPCODE_PING, payload, FIN);
    // Nothing may follow our close frame (a ping queued behind a failed inflate, say).
    else if (!this.closeSent) this.writeControl(WEBSOCKET_OPCODE_PONG, payload);
  }

  onPong(payload: Buffer): void {
    if (this.codec !== null) this.inbound.run(() => this.deliverPong(payload));
    else this.deliverPong(payload);
  }

  private deliverPong(payload: Buffer): void {
    if (this.host.settings.pongFrames) this.deliver(WEBSOCKET_OPCODE_PONG, payload, FIN);
  }

  onClose(code: number, reason: string, payload: Buffer): void {
    if (this.codec !== null) this.inbound.run(() => this.closeReceived(code, reason, payload));
    else this.closeReceived(code, reason, payload);
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
    if (settings.closeFrames && this.status === WEBSOCKET_STATUS_ACTIVE) {
      const frame = CloseFrame.fromClosePayload(payload, FIN, this.fd);
      frame.reason = reason;
      this.host.dispatchFrame(this, frame);
    }
    if (this.closeSent) {
      this.status = WEBSOCKET_STATUS_CLOSING;
      this.endWhenFlushed();
      return;
    }
    const answer = code === WEBSOCKET_CLOSE_STATUS_ERROR ? undefined : code;
    if (settings.closeFrames) setImmediate(() => this.answerClose(answer, reason));
    else this.answerClose(answer, reason);
  }

  /** A protocol violation: close with the code the parser chose, and its reason. */
  onError(code: number, reason: string): void {
    if (this.codec !== null) this.inbound.run(() => this.fail(code, reason));
    else this.fail(code, reason);
  }

  /** Fails the connection: stop reading, send the close frame, end once it is written. */
  private fail(code: number, reason: string): void {
    this.parser?.stop();
    this.inbound.clear();
    this.close(code, reason);
    this.endWhenFlushed();
  }

  /** Answers the peer's close, echoing its code and reason, unless a handler already did. */
  private answerClose(code: number | undefined, reason: string): void {
    if (this.closeSent || this.socket.destroyed) return;
    this.close(code, reason);
  }

  /** Ends the TCP stream once every queued frame (a compressed one may be pending) is written. */
  private endWhenFlushed(): void {
    if (this.outboundQueue === null) this.endSocket();
    else this.outboundQueue.whenIdle(() => this.endSocket());
  }

  /**
   * Counts a message a handler is still working on (its promise). While too many messages, or
   * too many bytes, wait for a connection's handlers, the connection is not read: the peer is
   * held back by TCP instead of filling our memory.
   */
  handlerBusy(bytes: number, done: PromiseLike<unknown>, onError: (error: unknown) => void): void {
    this.pendingMessages++;
    this.pendingBytes += bytes;
    this.updateHandlerHold();
    const release = (): void => {
      this.pendingMessages--;
      this.pendingBytes -= bytes;
      this.updateHandlerHold();
    };
    // A thenable is not always a Promise: settle it through one, so every path has a catch.
    Promise.resolve(done)
      .then(release, (error: unknown) => {
        release();
        onError(error);
      })
      .catch(onError);
  }

  private updateHandlerHold(): void {
    const limitBytes = this.host.settings.maxPayload;
    if (this.pendingMessages >= MAX_PENDING_MESSAGES || this.pendingBytes > limitBytes) {
      this.holdReading(HOLD_HANDLERS, true);
    } else if (
      this.pendingMessages <= MAX_PENDING_MESSAGES / 2 &&
      this.pendingBytes <= limitBytes / 2
    ) {
      this.holdReading(HOLD_HANDLERS, false);
    }
  }

  /**
   * Holds or releases reading for one reason. Held: the socket is paused and the parser stops
   * after the frame it is on, so the rest of a chunk already read waits as bytes. Released by
   * every reason: the parser delivers what it held first (which may hold again), then the
   * socket is read.
   */
  private holdReading(reason: number, hold: boolean): void {
    const before = this.readHolds;
    this.readHolds = hold ? before | reason : before & ~reason;
    if (before === 0 && this.readHolds !== 0) {
      this.parser?.pause();
      this.socket.pause();
    } else if (before !== 0 && this.readHolds === 0) {
      this.parser?.resume();
      if (this.readHolds === 0 && !this.socket.destroyed) this.socket.resume();
    }
  }

  /** @internal The socket closed. */
  socketClosed(): void {
    this.host.connectionClosed(this);
  }

  /** @internal Data read from the socket. */
  receive(chunk: Buffer): void {
    this.lastRecvTime = Date.now();
    this.host.statistics.bytesIn += chunk.length;
    this.parser?.push(chunk);
  }

  /** The peer half-closed: nothing more will arrive, so finish our side too. */
  /** @internal The peer half-closed. */
  peerEnded(): void {
    this.endSocket();
  }

  /**
   * A ping or pong: it counts against `buffer_output_size` like any data, so a peer that sends
   * pings and never reads cannot grow the queue (the pong is dropped, or the connection closed).
   */
  private writeControl(opcode: number, payload: Buffer): void {
    if (this.reserveOutput(2 + payload.length)) this.writeFrame(opcode, payload);
  }

  /** Writes a control frame (payload at most 125 bytes). */
  private writeFrame(opcode: number, payload: Buffer): void {
    if (!this.socket.writable) return;
    const frame = Buffer.allocUnsafe(2 + payload.length);
    writeFrameHeader(frame, 0, opcode, payload.length);
    payload.copy(frame, 2);
    this.send([frame]);
  }

  /**
   * Whether `bytes` more fit the output buffer; on overflow, drops or closes with 1008. An idle
   * connection always takes one frame (the payload limit itself is checked by `push`), so a
   * payload of exactly `buffer_output_size` is not refused for its header.
   */
  private reserveOutput(bytes: number): boolean {
    if (!this.socket.writable) return false;
    const buffered = this.bufferedAmount;
    if (buffered === 0 || buffered + bytes <= this.host.settings.maxOutputBuffer) return true;
    // Failed like a protocol error: what the peer sends next is read and ignored (destroying
    // now would reset the connection and lose the close frame for a peer that reads late).
    if (this.host.settings.overflowCloses)
      this.fail(WEBSOCKET_CLOSE_POLICY_ERROR, 'output buffer full');
    return false;
  }

  private write(data: Buffer): void {
    this.lastSendTime = Date.now();
    this.host.statistics.bytesOut += data.length;
    this.batchBytes += data.length;
    const batch = this.batch;
    if (batch === null) {
      this.batch = data;
      writeBatcher.schedule(this);
    } else if (Array.isArray(batch)) {
      batch.push(data);
    } else {
      this.batch = [batch, data];
    }
  }

  /**
   * Hands this turn's frames to the socket: one buffer as is, small ones joined into one, large
   * ones corked into one writev (no copy).
   * @internal
   */
  flushBatch(): void {
    const batch = this.batch;
    const bytes = this.batchBytes;
    this.batch = null;
    this.batchBytes = 0;
    if (batch === null || !this.socket.writable) return;
    if (!Array.isArray(batch)) {
      this.socket.write(batch);
    } else if (bytes <= JOIN_LIMIT) {
      this.socket.write(Buffer.concat(batch, bytes));
    } else {
      this.socket.cork();
      for (const buffer of batch) this.socket.write(buffer);
      this.socket.uncork();
    }
  }

  /** Writes frames now, or behind a compressed frame still being produced. */
  private send(buffers: readonly Buffer[]): void {
    const queue = this.outboundQueue;
    if (queue === null || queue.idle) for (const buffer of buffers) this.write(buffer);
    else queue.push(buffers);
  }

  private get outbound(): OutboundQueue {
    return (this.outboundQueue ??= new OutboundQueue((data) => this.write(data)));
  }

  private get inbound(): InboundSequencer {
    return (this.inboundSequencer ??= new InboundSequencer((paused) =>
      this.holdReading(HOLD_INFLATE, paused),
    ));
  }

  /** Ends the TCP stream after what is batched. */
  private endSocket(): void {
    this.flushBatch();
    this.socket.end();
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

/** Reading is held while inflating falls behind (see `InboundSequencer`). */
const HOLD_INFLATE = 1;
/** Reading is held while handlers fall behind. */
const HOLD_HANDLERS = 2;
/** Messages a connection may have waiting for its handlers before reading pauses. */
const MAX_PENDING_MESSAGES = 64;

/** Batches up to this size are joined into one buffer; larger ones are written as a vector. */
const JOIN_LIMIT = 16 * 1024;
