import type { Socket } from 'node:net';
import { headerHasToken } from '../protocol/header-token.util.js';
import {
  findHeadEnd,
  parseRequestHead,
  type ParsedRequestHead,
} from '../protocol/request-head.parser.js';

/** What the sniffer does with a connection once it has read its first request head. */
export interface SnifferHandlers {
  /** A plain, well-formed WebSocket upgrade: served without Node's HTTP parser. */
  upgrade(socket: Socket, head: ParsedRequestHead, rest: Buffer): void;
  /** Anything else: handed to Node's HTTP server with the bytes read so far. */
  fallback(socket: Socket, buffered: Buffer): void;
  /** The head took too long (408) or grew too large (431). */
  refuse(socket: Socket, status: number, reason: string): void;
}

/** A connection whose first request head is still arriving. */
interface Sniffing {
  sniffer: UpgradeSniffer;
  since: number;
  /** What arrived so far, joined (most heads arrive in one chunk). */
  buffered: Buffer | null;
}

/** The sniffing state, kept on the socket: shared listeners, no closure per connection. */
const SNIFFING = Symbol('sniffing');
type SniffedSocket = Socket & { [SNIFFING]?: Sniffing };

/**
 * Reads the first request head of each new connection. A WebSocket upgrade in plain form (the
 * overwhelming case) is parsed here and served at once, skipping Node's HTTP parser, request
 * and response objects; any other request, or an upgrade in an unusual form, is handed to Node's
 * HTTP server untouched, which answers it as it always does. Heads that trickle in are dropped
 * after the handshake timeout by one shared timer, not a timer per connection.
 */
export class UpgradeSniffer {
  private readonly sniffing = new Set<SniffedSocket>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly maxHeaderSize: number,
    private readonly timeoutMs: number,
    private readonly handlers: SnifferHandlers,
  ) {}

  /** Starts reading a new connection's first request head. */
  add(socket: Socket): void {
    const sniffed = socket as SniffedSocket;
    sniffed[SNIFFING] = { sniffer: this, since: Date.now(), buffered: null };
    this.sniffing.add(sniffed);
    socket.on('data', onSniffedData);
    socket.once('close', onSniffedClose);
    socket.once('end', onSniffedEnd);
    this.timer ??= this.startTimer();
  }

  /** Stops the timeout timer (the server is shutting down). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sniffing.clear();
  }

  /** @internal A chunk of a head. */
  receive(socket: SniffedSocket, state: Sniffing, chunk: Buffer): void {
    const buffered = state.buffered === null ? chunk : Buffer.concat([state.buffered, chunk]);
    state.buffered = buffered;
    const end = findHeadEnd(buffered);
    if (end < 0) {
      if (buffered.length > this.maxHeaderSize)
        this.finish(socket, () => this.handlers.refuse(socket, 431, 'request header too large'));
      return;
    }
    const head = end <= this.maxHeaderSize ? parseRequestHead(buffered.subarray(0, end)) : null;
    if (head !== null && isWebSocketUpgrade(head)) {
      this.finish(socket, () => this.handlers.upgrade(socket, head, buffered.subarray(end)));
    } else {
      this.finish(socket, () => this.handlers.fallback(socket, buffered));
    }
  }

  /** @internal The socket closed while its head was arriving. */
  forget(socket: SniffedSocket): void {
    this.sniffing.delete(socket);
    socket[SNIFFING] = undefined;
  }

  /**
   * Stops sniffing a socket (paused, so nothing is lost before its next reader) and hands it on.
   * @internal
   */
  finish(socket: SniffedSocket, next: () => void): void {
    socket.off('data', onSniffedData);
    socket.off('close', onSniffedClose);
    socket.off('end', onSniffedEnd);
    socket.pause();
    this.forget(socket);
    next();
  }

  private startTimer(): NodeJS.Timeout {
    const timer = setInterval(() => this.expire(Date.now()), Math.min(1000, this.timeoutMs));
    timer.unref();
    return timer;
  }

  private expire(now: number): void {
    for (const socket of this.sniffing) {
      const state = socket[SNIFFING];
      if (state !== undefined && now - state.since >= this.timeoutMs)
        this.finish(socket, () => this.handlers.refuse(socket, 408, 'request timeout'));
    }
  }
}

function onSniffedData(this: SniffedSocket, chunk: Buffer): void {
  const state = this[SNIFFING];
  state?.sniffer.receive(this, state, chunk);
}

function onSniffedClose(this: SniffedSocket): void {
  this[SNIFFING]?.sniffer.forget(this);
}

/** The peer finished without a complete request head: nothing will ever be served. */
function onSniffedEnd(this: SniffedSocket): void {
  this[SNIFFING]?.sniffer.finish(this, () => this.destroy());
}

/** A GET asking to upgrade to websocket; everything else is Node's. */
function isWebSocketUpgrade(head: ParsedRequestHead): boolean {
  return head.method === 'GET' && headerHasToken(head.headers['upgrade'], 'websocket');
}
