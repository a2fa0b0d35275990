import { ConditionWaiters } from '../../conformance/condition-waiters.js';
import { isUtf8 } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WsClient } from '../../../src/client/ws-client.js';
import {
  isValidWireCloseCode,
  WEBSOCKET_CLOSE_STATUS_ERROR,
} from '../../../src/protocol/close-code.constants.js';
import { decodeFrame, type DecodedFrame } from '../../../src/protocol/frame-decoder.js';
import { encodeClosePayload } from '../../../src/protocol/close-payload.js';
import { encodeFrame, randomMask } from '../../../src/protocol/frame-encoder.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../../../src/protocol/frame-flag.constants.js';
import {
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
} from '../../../src/protocol/opcode.constants.js';
import type {
  CaseSession,
  MessageOptions,
  Observation,
  SendOptions,
  SessionTimings,
} from '../../conformance/case-session.js';
import { checkNegotiation } from '../../conformance/deflate-agreement.js';

/**
 * Thrown when a case asks for traffic a correct client cannot send: the case is then reported
 * as not expressible, with the reason, instead of being judged.
 */
export class NotExpressible extends Error {
  override readonly name = 'NotExpressible';
}

/**
 * The conformance suite's session API (what `ConformanceCase.run` uses), driven through
 * `WsClient` instead of a raw socket. The cases build frames with `frame()` and send them with
 * `send()`; here each frame is read back and expressed through the client's public API:
 * data frames with `push(payload, opcode, flags)`, pings with `ping()` (its resolution is the
 * observed pong), pongs with `push(..., PONG)`, the close frame with `close(code, reason)`.
 * Whatever the client refuses (reserved bits or opcodes, bad fragmentation, invalid UTF-8,
 * oversized control frames, anything after the close) makes the case `NotExpressible`.
 *
 * What comes back is recorded from the client's side too: messages from `recv()` (text,
 * binary, and whether they came compressed), pongs from `ping()`, the close from `closeCode`.
 * The observation has the shape the suite's judge reads.
 */
export class ClientCaseSession implements Pick<CaseSession, keyof CaseSession> {
  readonly observation: Observation;
  /** Notes about how the case was adapted, added to its result. */
  readonly adaptations = new Set<string>();
  private seq = 0;
  private readonly waiters = new ConditionWaiters();
  private readonly reading: Promise<void>;
  private closing: Promise<boolean> | null = null;

  constructor(
    private readonly client: WsClient,
    readonly timings: SessionTimings,
    offer: string | undefined,
  ) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(client.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const negotiation = checkNegotiation(offer, headers['sec-websocket-extensions']);
    this.observation = {
      handshake: { status: client.statusCode, headers },
      negotiation,
      events: [],
      markers: [],
      violations: negotiation.violation === undefined ? [] : [negotiation.violation],
    };
    this.reading = this.readAll();
  }

  get serverGone(): boolean {
    return this.observation.serverClose !== undefined || this.observation.tcpEnd !== undefined;
  }

  get tcpEnded(): boolean {
    return this.observation.tcpEnd !== undefined;
  }

  get compressing(): boolean {
    return this.client.extensions.startsWith('permessage-deflate');
  }

  // ---- sending ---------------------------------------------------------------------------

  /** A frame as the raw session builds it; `send` reads it back. */
  frame(opcode: number, payload: Buffer | string = '', options: SendOptions = {}): Buffer {
    const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const rsv = options.rsv ?? 0;
    return encodeFrame(opcode, data, {
      fin: options.fin ?? true,
      rsv1: (rsv & 4) !== 0,
      rsv2: (rsv & 2) !== 0,
      rsv3: (rsv & 1) !== 0,
      mask: randomMask(),
    });
  }

  /**
   * One message: compressed through `push(..., COMPRESS)` when permessage-deflate was agreed,
   * else pushed whole or in `fragmentSize` fragments. The client compresses whole messages
   * only, so a compressed message asked for in fragments goes out as one frame (noted).
   */
  sendMessage(opcode: number, payload: Buffer, options: MessageOptions = {}): void {
    if (this.compressing && options.compress !== false) {
      if (options.fragmentSize !== undefined && options.fragmentSize < payload.length) {
        this.adaptations.add(
          'compressed messages sent as one frame (WsClient compresses whole messages)',
        );
      }
      this.push(payload, opcode, SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS);
      return;
    }
    const size = options.fragmentSize ?? Math.max(1, payload.length);
    const pieces: Buffer[] = [];
    for (let at = 0; at < payload.length; at += size) pieces.push(payload.subarray(at, at + size));
    if (pieces.length === 0) pieces.push(payload);
    pieces.forEach((piece, i) =>
      this.push(
        piece,
        i === 0 ? opcode : WEBSOCKET_OPCODE_CONTINUATION,
        i === pieces.length - 1 ? SWOOLE_WEBSOCKET_FLAG_FIN : 0,
      ),
    );
  }

  /** Sends whole frames through the client's API; a partial frame cannot be expressed. */
  send(...buffers: Buffer[]): void {
    let bytes = buffers.length === 1 ? buffers[0] : Buffer.concat(buffers);
    while (bytes.length > 0) {
      const frame = decodeFrame(bytes);
      if (frame === null) {
        throw new NotExpressible('part of a frame: WsClient writes whole frames');
      }
      this.sendDecoded(frame);
      bytes = bytes.subarray(frame.length);
    }
  }

  async sendFrame(
    opcode: number,
    payload: Buffer | string = '',
    options: SendOptions = {},
  ): Promise<void> {
    if (options.chop !== undefined) {
      await this.sendChopped(this.frame(opcode, payload, options), options.chop);
    } else this.send(this.frame(opcode, payload, options));
  }

  /** TCP segmentation is not something a WebSocket client API chooses. */
  async sendChopped(_bytes: Buffer, _size?: number): Promise<void> {
    throw new NotExpressible('chopped writes: WsClient writes whole frames');
  }

  async sendFramewise(frames: readonly Buffer[]): Promise<void> {
    for (const frame of frames) {
      this.send(frame);
      await this.sync();
    }
  }

  /** `close(code, reason)`; an empty or malformed close payload cannot be expressed. */
  sendClose(code?: number, reason: Buffer | string = '', payload?: Buffer): void {
    const body =
      payload ??
      (code === undefined
        ? Buffer.alloc(0)
        : Buffer.concat([encodeClosePayload(code), Buffer.from(reason)]));
    this.closeWith(body);
  }

  // ---- time --------------------------------------------------------------------------------

  mark(name: string): void {
    this.observation.markers.push({ name, seq: ++this.seq });
  }

  async pause(ms = this.timings.waitMs): Promise<void> {
    await this.waitUntil(() => this.serverGone, ms);
  }

  async sync(): Promise<void> {
    await sleep(this.timings.syncMs);
  }

  waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
    return this.waiters.waitUntil(condition, ms);
  }

  async waitEvents(count: number, ms: number): Promise<boolean> {
    return this.waitUntil(() => this.observation.events.length >= count || this.serverGone, ms);
  }

  // ---- closing -----------------------------------------------------------------------------

  /** Closes (if nobody started to) and waits, bounded, until the connection is over. */
  async closeHandshake(timeoutMs: number): Promise<void> {
    if (this.client.state === 'open') this.closeWith(encodeClosePayload(1000));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.reading, timeout]);
    clearTimeout(timer);
    this.dispose();
  }

  /** Starts a close if the connection is still open (the client's closeTimeout bounds it). */
  dispose(): void {
    if (this.client.state === 'open') this.client.close().catch(() => undefined);
    this.waiters.notify();
  }

  /** Resolves once the client is closed and everything it received was recorded. */
  get finished(): Promise<void> {
    return this.reading;
  }

  // ---- the frames, through the client's API ------------------------------------------------

  private sendDecoded(frame: DecodedFrame): void {
    if (frame.rsv1 || frame.rsv2 || frame.rsv3) {
      throw new NotExpressible('RSV bits: WsClient sets RSV1 only on messages it compresses');
    }
    const { opcode, payload } = frame;
    const control = (opcode & 0x8) !== 0;
    if (control && !frame.fin) throw new NotExpressible('a fragmented control frame');
    if (opcode === WEBSOCKET_OPCODE_CLOSE) {
      this.closeWith(payload);
    } else if (opcode === WEBSOCKET_OPCODE_PING) {
      this.ping(payload);
    } else {
      this.push(payload, opcode, frame.fin ? SWOOLE_WEBSOCKET_FLAG_FIN : 0);
    }
  }

  private push(payload: Buffer, opcode: number, flags: number): void {
    if (!this.client.push(payload, opcode, flags)) {
      const what = opcode === WEBSOCKET_OPCODE_PONG ? 'pong' : `opcode ${opcode}`;
      throw new NotExpressible(`push refused (${what}, ${payload.length} bytes, flags ${flags})`);
    }
  }

  /** `ping()`, checked first as the client checks it (a refused ping only resolves false). */
  private ping(payload: Buffer): void {
    if (payload.length > 125) throw new NotExpressible('a ping above 125 bytes');
    if (this.client.state !== 'open') throw new NotExpressible('a ping after the close frame');
    void this.client.ping(payload).then((answered) => {
      if (answered) this.record({ kind: 'pong', payload, seq: 0 });
    });
  }

  /** `close(code, reason)` for a valid close payload, recorded as the client's close. */
  private closeWith(body: Buffer): void {
    if (this.closing !== null || this.client.state !== 'open') {
      throw new NotExpressible('a second close frame');
    }
    if (body.length === 0) {
      // close(1005): an empty close frame, "no status code" (RFC 6455 section 7.1.5).
      this.observation.clientClose = { code: undefined, seq: ++this.seq };
      this.closing = this.client.close(WEBSOCKET_CLOSE_STATUS_ERROR);
      return;
    }
    if (body.length < 2) throw new NotExpressible('a close payload of 1 byte');
    const code = body.readUInt16BE(0);
    const reason = body.subarray(2);
    if (!isValidWireCloseCode(code) || !isUtf8(reason) || reason.length > 123) {
      throw new NotExpressible(`an invalid close frame (code ${code})`);
    }
    this.observation.clientClose = { code, seq: ++this.seq };
    this.closing = this.client.close(code, reason.toString('utf8'));
  }

  // ---- receiving ---------------------------------------------------------------------------

  private async readAll(): Promise<void> {
    for (;;) {
      const frame = await this.client.recv();
      if (frame === false) break;
      this.record({
        kind: 'message',
        opcode: frame.opcode,
        payload: frame.payload,
        seq: 0,
        compressed: (frame.flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS) !== 0,
      });
    }
    this.recordEnd();
  }

  private record(event: Observation['events'][number]): void {
    this.observation.events.push({ ...event, seq: ++this.seq });
    this.notify();
  }

  /**
   * The connection is over. A client that failed it saw the server break the protocol (a
   * violation); otherwise the server's close frame and the end of TCP are what it observed.
   */
  private recordEnd(): void {
    const { client, observation } = this;
    const code = client.closeCode as number;
    if (client.error?.code === 'PROTOCOL_ERROR') {
      observation.violations.push(`the client failed the connection: ${client.closeReason}`);
    } else if (code !== 1006) {
      observation.serverClose = {
        code: code === 1005 ? undefined : code,
        reason: Buffer.from(client.closeReason ?? ''),
        seq: ++this.seq,
      };
    }
    // A clean close means the server ended TCP; 1006 means it dropped it without a close frame.
    observation.tcpEnd = { seq: ++this.seq, byServer: client.wasClean || code === 1006 };
    this.notify();
  }

  private notify(): void {
    this.waiters.notify();
  }
}
