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
  since: number;
  chunks: Buffer[];
  length: number;
  onData: (chunk: Buffer) => void;
  onClose: () => void;
  onEnd: () => void;
}

/**
 * Reads the first request head of each new connection. A WebSocket upgrade in plain form (the
 * overwhelming case) is parsed here and served at once, skipping Node's HTTP parser, request
 * and response objects; any other request, or an upgrade in an unusual form, is handed to Node's
 * HTTP server untouched, which answers it as it always does. Heads that trickle in are dropped
 * after the handshake timeout by one shared timer, not a timer per connection.
 */
export class UpgradeSniffer {
  private readonly sniffing = new Map<Socket, Sniffing>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly maxHeaderSize: number,
    private readonly timeoutMs: number,
    private readonly handlers: SnifferHandlers,
  ) {}

  /** Starts reading a new connection's first request head. */
  add(socket: Socket): void {
    const state: Sniffing = {
      since: Date.now(),
      chunks: [],
      length: 0,
      onData: (chunk) => this.receive(socket, state, chunk),
      onClose: () => this.sniffing.delete(socket),
      // The peer finished without a complete request head: nothing will ever be served.
      onEnd: () => this.finish(socket, state, () => socket.destroy()),
    };
    this.sniffing.set(socket, state);
    socket.on('data', state.onData);
    socket.once('close', state.onClose);
    socket.once('end', state.onEnd);
    this.timer ??= this.startTimer();
  }

  /** Stops the timeout timer (the server is shutting down). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sniffing.clear();
  }

  private receive(socket: Socket, state: Sniffing, chunk: Buffer): void {
    state.chunks.push(chunk);
    state.length += chunk.length;
    const buffered = state.chunks.length === 1 ? chunk : Buffer.concat(state.chunks, state.length);
    if (state.chunks.length > 1) state.chunks = [buffered];
    const end = findHeadEnd(buffered);
    if (end < 0) {
      if (state.length > this.maxHeaderSize)
        this.finish(socket, state, () =>
          this.handlers.refuse(socket, 431, 'request header too large'),
        );
      return;
    }
    const head = end <= this.maxHeaderSize ? parseRequestHead(buffered.subarray(0, end)) : null;
    if (head !== null && isWebSocketUpgrade(head)) {
      this.finish(socket, state, () => this.handlers.upgrade(socket, head, buffered.subarray(end)));
    } else {
      this.finish(socket, state, () => this.handlers.fallback(socket, buffered));
    }
  }

  /** Stops sniffing a socket (paused, so nothing is lost before its next reader) and hands it on. */
  private finish(socket: Socket, state: Sniffing, next: () => void): void {
    socket.off('data', state.onData);
    socket.off('close', state.onClose);
    socket.off('end', state.onEnd);
    socket.pause();
    this.sniffing.delete(socket);
    next();
  }

  private startTimer(): NodeJS.Timeout {
    const timer = setInterval(() => this.expire(Date.now()), Math.min(1000, this.timeoutMs));
    timer.unref();
    return timer;
  }

  private expire(now: number): void {
    for (const [socket, state] of this.sniffing) {
      if (now - state.since >= this.timeoutMs)
        this.finish(socket, state, () => this.handlers.refuse(socket, 408, 'request timeout'));
    }
  }
}

/** A GET asking to upgrade to websocket; everything else is Node's. */
function isWebSocketUpgrade(head: ParsedRequestHead): boolean {
  return head.method === 'GET' && headerHasToken(head.headers['upgrade'], 'websocket');
}
