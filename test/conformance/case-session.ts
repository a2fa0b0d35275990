import { ConditionWaiters } from './condition-waiters.js';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { encodeClosePayload } from '../../src/protocol/close-payload.js';
import { encodeFrame, randomMask } from '../../src/protocol/frame-encoder.js';
import { isUtf8 } from 'node:buffer';
import { ClientDeflate } from './client-deflate.js';
import { checkNegotiation, type Negotiation } from './deflate-agreement.js';
import { MessageAssembler } from './message-assembler.js';
import type { HandshakeResponse, RawWsClient } from './raw-ws-client.js';
import { ServerFrameReader } from './server-frame-reader.js';

/** An event received from the server, numbered on the session's timeline. */
export type ObservedEvent =
  /** `payload` is the message as sent, inflated if `compressed` (RSV1). */
  | { kind: 'message'; opcode: number; payload: Buffer; seq: number; compressed: boolean }
  | { kind: 'ping' | 'pong'; payload: Buffer; seq: number };

/** What a session saw: the judge's input. */
export interface Observation {
  handshake: HandshakeResponse;
  /** The extension negotiation: the offer, the answer, the agreement (permessage-deflate). */
  negotiation: Negotiation;
  /** Data messages, pings and pongs from the server, in arrival order. */
  events: ObservedEvent[];
  /** Named points of the case (after "part 2 sent", ...), on the same timeline as the events. */
  markers: { name: string; seq: number }[];
  serverClose?: { code: number | undefined; reason: Buffer; seq: number };
  clientClose?: { code: number | undefined; seq: number };
  /** When the TCP connection ended, and whether the server ended it (FIN or reset). */
  tcpEnd?: { seq: number; byServer: boolean };
  /** RFC 6455 violations in what the server sent. */
  violations: string[];
}

/** Options of a frame a case sends. */
export interface SendOptions {
  /** FIN bit; default true. */
  fin?: boolean;
  /** RSV bits as Autobahn numbers them: 4 = RSV1, 2 = RSV2, 1 = RSV3. */
  rsv?: number;
  /** Send the frame in chops of this many bytes, letting the server read each one alone. */
  chop?: number;
}

/** Options of a whole message a case sends (`sendMessage`). */
export interface MessageOptions {
  /** Compress it when permessage-deflate was agreed; default true. */
  compress?: boolean;
  /** Cut the (compressed) payload into frames of this many bytes; default one frame. */
  fragmentSize?: number;
}

/** How long a session's waits are. */
export interface SessionTimings {
  /** The pause of "frame-wise chops" (Autobahn's sync), so each frame arrives on its own. */
  syncMs: number;
  /** The pause between the parts of fail-fast and delayed cases. */
  waitMs: number;
}

/**
 * One connection of one case: the API `run` uses to send (frames built here, masked with a fresh
 * key, valid or deliberately not) and the recorder of everything the server sends back.
 */
export class CaseSession {
  readonly observation: Observation;
  private seq = 0;
  private destroying = false;
  private readonly reader = new ServerFrameReader();
  private readonly assembler: MessageAssembler;
  private readonly deflate: ClientDeflate | null;
  private readonly waiters = new ConditionWaiters();

  /** `offer`: the `Sec-WebSocket-Extensions` the client sent, which the answer is checked against. */
  constructor(
    private readonly client: RawWsClient,
    readonly timings: SessionTimings,
    offer?: string,
  ) {
    const negotiation = checkNegotiation(
      offer,
      client.handshake.headers['sec-websocket-extensions'],
    );
    this.observation = {
      handshake: client.handshake,
      negotiation,
      events: [],
      markers: [],
      violations: negotiation.violation === undefined ? [] : [negotiation.violation],
    };
    this.deflate = negotiation.params ? new ClientDeflate(negotiation.params) : null;
    this.assembler = new MessageAssembler(this.deflate ? RSV1 : 0);
    client.listen({
      data: (chunk) => this.receive(chunk),
      ended: () => {
        this.observation.tcpEnd = { seq: ++this.seq, byServer: !this.destroying };
        this.notify();
      },
    });
  }

  /** Whether the server closed or failed the connection (close frame or TCP end). */
  get serverGone(): boolean {
    return this.observation.serverClose !== undefined || this.observation.tcpEnd !== undefined;
  }

  get tcpEnded(): boolean {
    return this.observation.tcpEnd !== undefined;
  }

  // ---- building and sending -------------------------------------------------------------

  /** A masked client frame, without sending it. */
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

  /** Whether permessage-deflate was agreed (messages from `sendMessage` go out compressed). */
  get compressing(): boolean {
    return this.deflate !== null;
  }

  /**
   * Sends one data message in one write: compressed (RSV1 on its first frame only, RFC 7692
   * section 6) when permessage-deflate was agreed, optionally cut into frames.
   */
  sendMessage(opcode: number, payload: Buffer, options: MessageOptions = {}): void {
    const compress = this.deflate !== null && options.compress !== false;
    const data = compress ? (this.deflate as ClientDeflate).compress(payload) : payload;
    const size = options.fragmentSize ?? Math.max(1, data.length);
    const pieces: Buffer[] = [];
    for (let at = 0; at < data.length; at += size) pieces.push(data.subarray(at, at + size));
    if (pieces.length === 0) pieces.push(data);
    this.send(
      ...pieces.map((piece, i) =>
        this.frame(i === 0 ? opcode : 0x0, piece, {
          fin: i === pieces.length - 1,
          rsv: compress && i === 0 ? RSV1 : 0,
        }),
      ),
    );
  }

  /** Writes raw bytes in one write. */
  send(...buffers: Buffer[]): void {
    this.client.write(buffers.length === 1 ? buffers[0] : Buffer.concat(buffers));
  }

  /** Builds and sends one frame, in one write or in chops. */
  async sendFrame(
    opcode: number,
    payload: Buffer | string = '',
    options: SendOptions = {},
  ): Promise<void> {
    const frame = this.frame(opcode, payload, options);
    if (options.chop === undefined) this.send(frame);
    else await this.sendChopped(frame, options.chop);
  }

  /**
   * Sends bytes in chops of `size`, yielding to the event loop after each so the server (in this
   * process) reads them one at a time.
   */
  async sendChopped(bytes: Buffer, size: number): Promise<void> {
    for (let at = 0; at < bytes.length; at += size) {
      this.client.write(bytes.subarray(at, at + size));
      await nextTurn();
    }
  }

  /** Sends frames one after another with a sync pause after each (Autobahn's frame-wise chops). */
  async sendFramewise(frames: readonly Buffer[]): Promise<void> {
    for (const frame of frames) {
      this.send(frame);
      await this.sync();
    }
  }

  /**
   * Starts the closing handshake with a close frame: a code and reason, or a raw `payload`
   * (to send malformed ones); no arguments sends an empty close payload.
   */
  sendClose(code?: number, reason: Buffer | string = '', payload?: Buffer): void {
    const body =
      payload ??
      (code === undefined
        ? Buffer.alloc(0)
        : Buffer.concat([encodeClosePayload(code), Buffer.from(reason)]));
    if (this.observation.clientClose === undefined) {
      this.observation.clientClose = {
        code: body.length >= 2 ? body.readUInt16BE(0) : undefined,
        seq: ++this.seq,
      };
    }
    this.send(this.frame(0x8, body));
  }

  // ---- time ------------------------------------------------------------------------------

  /** Records a named point of the case on the timeline. */
  mark(name: string): void {
    this.observation.markers.push({ name, seq: ++this.seq });
  }

  /** Waits `ms` (default: the session's wait), or less if the server closes or fails first. */
  async pause(ms = this.timings.waitMs): Promise<void> {
    await this.waitUntil(() => this.serverGone, ms);
  }

  /** The short pause of frame-wise sending. */
  async sync(): Promise<void> {
    await sleep(this.timings.syncMs);
  }

  /** Waits until `condition` holds (re-checked on every frame and TCP event) or `ms` passed. */
  waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
    return this.waiters.waitUntil(condition, ms);
  }

  /** Waits until the server sent `count` events (or left). */
  async waitEvents(count: number, ms: number): Promise<boolean> {
    return this.waitUntil(() => this.observation.events.length >= count || this.serverGone, ms);
  }

  // ---- closing -----------------------------------------------------------------------------

  /**
   * Finishes the closing handshake as a well-behaved client would: starts it if nobody did,
   * answers the server's close (echoing its code), then waits for the server to drop TCP.
   */
  async closeHandshake(timeoutMs: number): Promise<void> {
    const observation = this.observation;
    if (!this.tcpEnded) {
      if (observation.clientClose === undefined) {
        const code = observation.serverClose ? echoCode(observation.serverClose.code) : 1000;
        this.sendClose(code);
      }
      await this.waitUntil(() => this.tcpEnded, timeoutMs);
    }
    this.dispose();
  }

  /** Drops the connection (whatever state it is in). */
  dispose(): void {
    if (!this.tcpEnded) this.destroying = true;
    this.client.destroy();
    this.waiters.notify();
  }

  // ---- receiving ---------------------------------------------------------------------------

  private receive(chunk: Buffer): void {
    let frames;
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.observation.violations.push(`unreadable frame: ${(error as Error).message}`);
      return;
    }
    for (const frame of frames) {
      const { event, violation } = this.assembler.push(frame);
      if (violation !== undefined) this.observation.violations.push(violation);
      if (event === undefined) continue;
      const seq = ++this.seq;
      if (event.kind === 'close') {
        this.observation.serverClose ??= { code: event.code, reason: event.reason, seq };
      } else if (event.kind === 'message') {
        const payload = event.compressed
          ? this.inflate(event.opcode, event.payload)
          : event.payload;
        if (payload !== null) this.observation.events.push({ ...event, payload, seq });
      } else {
        this.observation.events.push({ kind: event.kind, payload: event.payload, seq });
      }
    }
    this.notify();
  }

  /** A compressed message inflated with the agreed window and context; null (and a violation) if it is not valid. */
  private inflate(opcode: number, data: Buffer): Buffer | null {
    let payload: Buffer;
    try {
      payload = (this.deflate as ClientDeflate).decompress(data);
    } catch (error) {
      const { serverMaxWindowBits, serverNoContextTakeover } = (this.deflate as ClientDeflate)
        .params;
      const context = serverNoContextTakeover ? ', no context takeover' : '';
      this.observation.violations.push(
        `compressed message does not inflate with the agreed window (${serverMaxWindowBits} bits${context}): ${(error as Error).message}`,
      );
      return null;
    }
    if (opcode === 0x1 && !isUtf8(payload)) {
      this.observation.violations.push('compressed text message is not valid UTF-8 once inflated');
      return null;
    }
    return payload;
  }

  private notify(): void {
    this.waiters.notify();
  }
}

/** RSV1 as `SendOptions.rsv` and the frame reader number it. */
const RSV1 = 4;

/** The code a client echoes in its reply to a server's close frame (none for reserved ones). */
function echoCode(code: number | undefined): number | undefined {
  if (code === undefined || code === 1005 || code === 1006 || code === 1015) return undefined;
  return code;
}
