import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The server's answer to the opening handshake. */
export interface HandshakeResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

/** What the client reports while connected. */
export interface RawClientListener {
  data(chunk: Buffer): void;
  /** The server half-closed (FIN), or the socket failed or closed. Called once. */
  ended(how: 'fin' | 'error' | 'close'): void;
}

/** How to open a connection. */
export interface RawConnectOptions {
  /** A `Sec-WebSocket-Extensions` offer (compression cases, later). */
  extensions?: string;
  timeoutMs: number;
}

/**
 * A WebSocket client on a bare `node:net` socket: it performs the opening handshake (RFC 6455
 * section 4.1) itself and then only moves bytes. Framing is the session's business, so it can
 * send anything, valid or not, chopped however a case wants.
 */
export class RawWsClient {
  private ended = false;
  private listener: RawClientListener | null = null;
  private pending: Buffer[] = [];

  private constructor(
    readonly socket: Socket,
    readonly handshake: HandshakeResponse,
    rest: Buffer,
  ) {
    if (rest.length > 0) this.pending.push(rest);
    socket.on('data', (chunk: Buffer) => this.deliver(chunk));
    socket.on('end', () => this.end('fin'));
    socket.on('error', () => this.end('error'));
    socket.on('close', () => this.end('close'));
  }

  /** Connects to a `ws://host:port/path` URL and completes the handshake, or rejects. */
  static open(url: string, options: RawConnectOptions): Promise<RawWsClient> {
    const target = new URL(url);
    if (target.protocol !== 'ws:') throw new Error(`only ws:// URLs are supported: ${url}`);
    const key = randomBytes(16).toString('base64');
    const lines = [
      `GET ${target.pathname}${target.search} HTTP/1.1`,
      `Host: ${target.host}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13',
    ];
    if (options.extensions !== undefined)
      lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
    const request = lines.join('\r\n') + '\r\n\r\n';
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.hostname, port: Number(target.port || 80) });
      socket.setNoDelay(true);
      let received = Buffer.alloc(0);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new Error('opening handshake timed out')),
        options.timeoutMs,
      );
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        const headEnd = received.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        socket.off('data', onData);
        socket.off('error', fail);
        socket.off('close', onClose);
        clearTimeout(timer);
        let response: HandshakeResponse;
        try {
          response = parseResponse(received.subarray(0, headEnd).toString('latin1'), key);
        } catch (error) {
          fail(error as Error);
          return;
        }
        resolve(new RawWsClient(socket, response, received.subarray(headEnd + 4)));
      };
      const onClose = (): void => fail(new Error('connection closed during the opening handshake'));
      socket.on('data', onData);
      socket.on('error', fail);
      socket.on('close', onClose);
      socket.once('connect', () => socket.write(request));
    });
  }

  /** Starts delivering bytes (those that came with the handshake response first). */
  listen(listener: RawClientListener): void {
    this.listener = listener;
    const pending = this.pending;
    this.pending = [];
    for (const chunk of pending) listener.data(chunk);
    if (this.ended) listener.ended('close');
  }

  /** Whether the TCP connection is over (ended by the server, failed, or destroyed). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Writes bytes; a write to a closed socket is dropped silently (the server may have failed us). */
  write(data: Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(data, () => undefined);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private deliver(chunk: Buffer): void {
    if (this.listener) this.listener.data(chunk);
    else this.pending.push(chunk);
  }

  private end(how: 'fin' | 'error' | 'close'): void {
    if (this.ended) return;
    this.ended = true;
    this.listener?.ended(how);
  }
}

function parseResponse(head: string, key: string): HandshakeResponse {
  const [statusLine, ...headerLines] = head.split('\r\n');
  const match = /^HTTP\/1\.1 (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP/1.1 response: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  const status = Number(match[1]);
  if (status !== 101) throw new Error(`handshake refused with ${status}`);
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  if (headers['sec-websocket-accept'] !== accept) throw new Error('wrong Sec-WebSocket-Accept');
  return { status, headers };
}
