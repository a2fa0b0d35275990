import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { computeAcceptKey } from '../../../src/protocol/accept-key.js';
import { decodeFrame, type DecodedFrame } from '../../../src/protocol/frame-decoder.js';
import { Inbox } from '../../e2e/support/wait.js';

/** An upgrade request as a raw server read it. */
export interface RawRequest {
  requestLine: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The Sec-WebSocket-Accept that fits the request's key. */
  accept: string;
}

/** A frame the client sent: decoded, and its bytes as they came. */
export interface WireFrame extends DecodedFrame {
  wire: Buffer;
  /** The masking key, or null for an unmasked frame. */
  maskKey: Buffer | null;
}

/** One accepted TCP connection of a hand-written server. */
export class RawPeer {
  /** The client's frames, decoded (masked or not, as they came). */
  readonly frames = new Inbox<WireFrame>();
  /** Whether the client ended or dropped the connection. */
  ended = false;
  private buffer = Buffer.alloc(0);

  constructor(
    readonly socket: Socket,
    readonly request: RawRequest,
    rest: Buffer,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('close', () => (this.ended = true));
    if (rest.length > 0) this.read(rest);
  }

  /** Writes raw bytes (frames, a response...). */
  write(data: Buffer | string): void {
    if (this.socket.writable) this.socket.write(data);
  }

  /** A valid 101 for the request, plus `extra` header lines. */
  accept(extra: string[] = []): void {
    this.write(switchingProtocols(this.request.accept, extra));
  }

  /** Waits for the client's next frame of `opcode` (skipping others). */
  async nextFrame(opcode: number, ms = 3000): Promise<WireFrame> {
    for (;;) {
      const frame = await this.frames.next(ms);
      if (frame.opcode === opcode) return frame;
    }
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = decodeFrame(this.buffer);
      if (frame === null) return;
      const wire = Buffer.from(this.buffer.subarray(0, frame.length));
      const keyAt = frame.length - frame.payload.length - 4;
      const maskKey = frame.masked ? wire.subarray(keyAt, keyAt + 4) : null;
      this.buffer = this.buffer.subarray(frame.length);
      this.frames.push({ ...frame, wire, maskKey });
    }
  }
}

/** The lines of a valid 101 response, with `extra` header lines. */
export function switchingProtocols(accept: string, extra: string[] = []): string {
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
    ...extra,
    '',
    '',
  ].join('\r\n');
}

/**
 * A hand-written server on `node:net`: it reads each request head and hands it to `handler`,
 * which answers however a test wants, valid or hostile.
 */
export class RawServer {
  readonly peers = new Inbox<RawPeer>();
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(handler: (peer: RawPeer) => void = () => undefined): Promise<RawServer> {
    const server = createServer();
    const raw = new RawServer(server);
    server.on('connection', (socket) => raw.connected(socket, handler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return raw;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connected(socket: Socket, handler: (peer: RawPeer) => void): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const peer = new RawPeer(socket, parseRequest(head.subarray(0, end)), head.subarray(end + 4));
      this.peers.push(peer);
      handler(peer);
    };
    socket.on('data', onData);
  }
}

function parseRequest(head: Buffer): RawRequest {
  const [requestLine, ...lines] = head.toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return {
    requestLine,
    headers,
    accept: computeAcceptKey(headers['sec-websocket-key'] ?? ''),
  };
}
