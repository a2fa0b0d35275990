import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import {
  WEBSOCKET_CLOSE_MESSAGE_ERROR,
  WEBSOCKET_CLOSE_MESSAGE_TOO_BIG,
  WEBSOCKET_CLOSE_PROTOCOL_ERROR,
} from './close-code.constants.js';
import { decodeClosePayload } from './close-payload.js';
import { DEFAULT_PACKAGE_MAX_LENGTH } from './frame-flag.constants.js';
import { ByteQueue } from './byte-queue.js';
import { applyMask } from './mask.util.js';
import {
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_TEXT,
  isControlOpcode,
  isKnownOpcode,
} from './opcode.constants.js';
import { Utf8Validator } from './utf8-validator.js';

/** Where a parser delivers what it finds. Every method is called synchronously from `push`. */
export interface FrameParserSink {
  /** A complete data message (fragments already merged). `compressed`: RSV1 was set. */
  onMessage(opcode: number, data: Buffer, compressed: boolean): void;
  /** A ping frame. */
  onPing(payload: Buffer): void;
  /** A pong frame. */
  onPong(payload: Buffer): void;
  /** A valid close frame; `code` is 1005 when the frame carried no code. */
  onClose(code: number, reason: string, payload: Buffer): void;
  /** A protocol violation: close the connection with `code`. The parser stops. */
  onError(code: number, reason: string): void;
}

/** How a parser reads frames. */
export interface FrameParserOptions {
  /** Server side: every frame must be masked (true). Client side: none may be (false). */
  expectMasked: boolean;
  /** The largest message, in bytes, before 1009 (`package_max_length`). Default 2 MiB. */
  maxPayload?: number;
  /** Whether an extension (permessage-deflate) negotiated the RSV1 bit. Default false. */
  allowRsv1?: boolean;
}

/** Header bytes are read into this and parsed at once, so every parser can share it. */
const SCRATCH = Buffer.alloc(8);
/** The masking key handed to `applyMask`, filled just before each call. */
const MASK_KEY = Buffer.alloc(4);

const enum State {
  Header,
  Length16,
  Length64,
  Mask,
  Payload,
  Stopped,
}

/**
 * A streaming RFC 6455 frame parser: a small state machine fed arbitrary chunks of a byte
 * stream (one byte at a time works) that delivers complete messages and control frames to a
 * sink. It does no I/O and never throws on bad input: every violation of RFC 6455 section 5 is
 * reported once through `sink.onError` with the close code the RFC asks for, and the parser
 * stops.
 *
 * The parser takes ownership of the chunks it is given: payloads are unmasked in place and
 * delivered as views of those chunks whenever a frame lies within one chunk.
 */
export class FrameParser {
  private readonly expectMasked: boolean;
  private readonly maxPayload: number;
  private readonly allowRsv1: boolean;

  private state = State.Header;
  /** What arrived and was not parsed yet. */
  private readonly queue = new ByteQueue();
  /** The frame header bytes being read: shared, since they are read right after `take`. */
  private readonly scratch = SCRATCH;
  /** The masking key of the current frame, as four bytes (no Buffer per connection). */
  private mask0 = 0;
  private mask1 = 0;
  private mask2 = 0;
  private mask3 = 0;

  private fin = false;
  private opcode = 0;
  private rsv1 = false;
  private masked = false;
  private payloadLength = 0;

  /**
   * The pieces of a frame payload that is still arriving, unmasked as they come. Nothing is
   * reserved ahead of the bytes: a peer that declares a large frame and stops holds only what
   * it actually sent.
   */
  private pieces: Buffer[] | null = null;
  private piecesLength = 0;
  /** Set by `pause()`: buffered bytes wait until `resume()`. */
  private paused = false;

  private fragmentOpcode = 0;
  private fragmentCompressed = false;
  private fragments: Buffer[] = [];
  private fragmentsLength = 0;
  /** Created on the first fragmented or partial text message; most connections never need it. */
  private utf8Validator: Utf8Validator | null = null;

  private get utf8(): Utf8Validator {
    return (this.utf8Validator ??= new Utf8Validator());
  }

  /** The masking key in the shared key buffer, for `applyMask` (which runs at once). */
  private maskKey(): Buffer {
    const key = MASK_KEY;
    key[0] = this.mask0;
    key[1] = this.mask1;
    key[2] = this.mask2;
    key[3] = this.mask3;
    return key;
  }

  constructor(
    private readonly sink: FrameParserSink,
    options: FrameParserOptions,
  ) {
    this.expectMasked = options.expectMasked;
    // A payload no Buffer can hold is too big whatever the limit (else allocation would throw).
    this.maxPayload = Math.min(
      options.maxPayload ?? DEFAULT_PACKAGE_MAX_LENGTH,
      bufferConstants.MAX_LENGTH,
    );
    this.allowRsv1 = options.allowRsv1 ?? false;
  }

  /** Bytes received but not yet part of a delivered frame. */
  get bufferedBytes(): number {
    return this.queue.length + this.piecesLength + this.fragmentsLength;
  }

  /** Whether `pause()` holds the parser. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Whether the parser stopped (after an error, a close frame, or `stop()`). */
  get stopped(): boolean {
    return this.state === State.Stopped;
  }

  /** Feeds the next chunk of the byte stream. */
  push(chunk: Buffer): void {
    if (this.state === State.Stopped || chunk.length === 0) return;
    this.queue.push(chunk);
    this.run();
  }

  /**
   * Holds what is buffered: nothing more is delivered until `resume()`. A sink may call it from
   * inside a delivery, to stop after the current frame (its consumer is behind); the bytes of
   * the chunk it is reading then wait here rather than become a pile of delivered messages.
   */
  pause(): void {
    this.paused = true;
  }

  /** Delivers what `pause()` held, then goes on with whatever `push` brings. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.run();
  }

  private run(): void {
    while (!this.paused && this.step());
  }

  /** Stops parsing and drops everything buffered (after a close, or when the socket ends). */
  stop(): void {
    this.state = State.Stopped;
    this.queue.clear();
    this.pieces = null;
    this.piecesLength = 0;
    this.fragments = [];
    this.fragmentsLength = 0;
  }

  /** Runs one state; returns whether it made progress and may continue. */
  private step(): boolean {
    switch (this.state) {
      case State.Header:
        return this.readHeader();
      case State.Length16:
        return this.readLength16();
      case State.Length64:
        return this.readLength64();
      case State.Mask:
        return this.readMask();
      case State.Payload:
        return this.readPayload();
      default:
        return false;
    }
  }

  private readHeader(): boolean {
    if (this.queue.length < 2) return false;
    this.queue.copyTo(this.scratch, 2);
    const b0 = this.scratch[0];
    const b1 = this.scratch[1];
    this.fin = (b0 & 0x80) !== 0;
    this.rsv1 = (b0 & 0x40) !== 0;
    this.opcode = b0 & 0x0f;
    this.masked = (b1 & 0x80) !== 0;
    this.payloadLength = b1 & 0x7f;
    const violation = this.checkHeader(b0 & 0x30);
    if (violation) return this.fail(WEBSOCKET_CLOSE_PROTOCOL_ERROR, violation);
    if (this.payloadLength === 126) this.state = State.Length16;
    else if (this.payloadLength === 127) this.state = State.Length64;
    else return this.lengthKnown();
    return true;
  }

  /** The reason the first two header bytes break RFC 6455, or null. */
  private checkHeader(rsv23: number): string | null {
    const opcode = this.opcode;
    if (rsv23 !== 0) return 'RSV2 and RSV3 must be clear';
    if (!isKnownOpcode(opcode)) return `reserved opcode ${opcode}`;
    if (this.masked !== this.expectMasked) {
      return this.expectMasked
        ? 'client frames must be masked'
        : 'server frames must not be masked';
    }
    if (isControlOpcode(opcode)) {
      if (!this.fin) return 'control frames must not be fragmented';
      if (this.rsv1) return 'RSV1 must be clear on control frames';
      if (this.payloadLength > 125) return 'control frame payload longer than 125 bytes';
      return null;
    }
    if (this.rsv1 && !this.allowRsv1) return 'RSV1 must be clear';
    if (opcode === WEBSOCKET_OPCODE_CONTINUATION) {
      if (this.fragmentOpcode === 0) return 'continuation frame without a message to continue';
      if (this.rsv1) return 'RSV1 must be clear on continuation frames';
      return null;
    }
    if (this.fragmentOpcode !== 0) return 'new data frame inside a fragmented message';
    return null;
  }

  private readLength16(): boolean {
    if (this.queue.length < 2) return false;
    this.queue.copyTo(this.scratch, 2);
    this.payloadLength = this.scratch.readUInt16BE(0);
    return this.lengthKnown();
  }

  private readLength64(): boolean {
    if (this.queue.length < 8) return false;
    this.queue.copyTo(this.scratch, 8);
    const high = this.scratch.readUInt32BE(0);
    if (high >= 0x80000000) {
      return this.fail(WEBSOCKET_CLOSE_PROTOCOL_ERROR, 'the top bit of a 64-bit length must be 0');
    }
    this.payloadLength = high * 0x100000000 + this.scratch.readUInt32BE(4);
    return this.lengthKnown();
  }

  /** Checks the message size from the header, before anything of the payload is buffered. */
  private lengthKnown(): boolean {
    if (
      !isControlOpcode(this.opcode) &&
      this.fragmentsLength + this.payloadLength > this.maxPayload
    ) {
      return this.fail(WEBSOCKET_CLOSE_MESSAGE_TOO_BIG, 'message too big');
    }
    this.state = this.masked ? State.Mask : State.Payload;
    return true;
  }

  private readMask(): boolean {
    if (this.queue.length < 4) return false;
    this.queue.copyTo(this.scratch, 4);
    // Byte by byte: a subarray here would allocate a Buffer per frame.
    const scratch = this.scratch;
    this.mask0 = scratch[0];
    this.mask1 = scratch[1];
    this.mask2 = scratch[2];
    this.mask3 = scratch[3];
    this.state = State.Payload;
    return true;
  }

  private readPayload(): boolean {
    const length = this.payloadLength;
    if (this.pieces === null && this.queue.length >= length) {
      const payload = this.queue.take(length);
      if (this.masked) applyMask(payload, this.maskKey());
      return this.frameComplete(payload, true);
    }
    if (this.queue.length === 0) return false;
    const piece = this.queue.take(Math.min(this.queue.length, length - this.piecesLength));
    if (this.masked) applyMask(piece, this.maskKey(), this.piecesLength);
    (this.pieces ??= []).push(piece);
    this.piecesLength += piece.length;
    if (this.checksText() && !this.utf8.write(piece)) return this.invalidUtf8();
    if (this.piecesLength < length) return false;
    const payload = Buffer.concat(this.pieces, length);
    this.pieces = null;
    this.piecesLength = 0;
    return this.frameComplete(payload, false);
  }

  /** Whether the current frame belongs to a text message whose UTF-8 we check here. */
  private checksText(): boolean {
    if (this.opcode === WEBSOCKET_OPCODE_TEXT) return !this.rsv1;
    return (
      this.opcode === WEBSOCKET_OPCODE_CONTINUATION &&
      this.fragmentOpcode === WEBSOCKET_OPCODE_TEXT &&
      !this.fragmentCompressed
    );
  }

  /** A whole frame payload is here. `unchecked`: its UTF-8 was not yet fed to the validator. */
  private frameComplete(payload: Buffer, unchecked: boolean): boolean {
    this.state = State.Header;
    if (isControlOpcode(this.opcode)) return this.controlFrame(payload);
    const single = this.fin && this.fragmentOpcode === 0;
    if (this.checksText()) {
      const valid = single && unchecked ? isUtf8(payload) : this.textPieceValid(payload, unchecked);
      if (!valid) return this.invalidUtf8();
    }
    if (single) {
      this.sink.onMessage(this.opcode, payload, this.rsv1);
      return !this.stopped;
    }
    return this.fragment(payload);
  }

  private textPieceValid(payload: Buffer, unchecked: boolean): boolean {
    if (unchecked && !this.utf8.write(payload)) return false;
    return this.fin ? this.utf8.end() : true;
  }

  private fragment(payload: Buffer): boolean {
    if (this.opcode !== WEBSOCKET_OPCODE_CONTINUATION) {
      this.fragmentOpcode = this.opcode;
      this.fragmentCompressed = this.rsv1;
    }
    if (payload.length > 0) this.fragments.push(payload);
    this.fragmentsLength += payload.length;
    if (!this.fin) return true;
    const data =
      this.fragments.length === 1
        ? this.fragments[0]
        : Buffer.concat(this.fragments, this.fragmentsLength);
    const opcode = this.fragmentOpcode;
    const compressed = this.fragmentCompressed;
    this.fragmentOpcode = 0;
    this.fragmentCompressed = false;
    this.fragments = [];
    this.fragmentsLength = 0;
    this.sink.onMessage(opcode, data, compressed);
    return !this.stopped;
  }

  private controlFrame(payload: Buffer): boolean {
    if (this.opcode === WEBSOCKET_OPCODE_CLOSE) return this.closeFrame(payload);
    if (this.opcode === WEBSOCKET_OPCODE_PING) this.sink.onPing(payload);
    else this.sink.onPong(payload);
    return !this.stopped;
  }

  /** Validates a close payload (RFC 6455 section 5.5.1) and stops: nothing follows a close. */
  private closeFrame(payload: Buffer): boolean {
    const close = decodeClosePayload(payload);
    if ('error' in close) return this.fail(close.error, close.message);
    this.stop();
    this.sink.onClose(close.code, close.reason, payload);
    return false;
  }

  private invalidUtf8(): boolean {
    return this.fail(WEBSOCKET_CLOSE_MESSAGE_ERROR, 'invalid UTF-8 in a text message');
  }

  private fail(code: number, reason: string): boolean {
    this.stop();
    this.utf8Validator?.reset();
    this.sink.onError(code, reason);
    return false;
  }
}
