import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { acceptKeyFor, decodeServerFrame, newClientKey, type ServerFrame } from './frames.js';
import { waitUntil } from './wait.js';

/** An HTTP response read off a raw socket. */
export interface RawHttpResponse {
  status: number;
  statusText: string;
  /** Header names in lower case; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Extra request headers; `null` leaves a default header out. */
export type HeaderOverrides = Record<string, string | null>;

/** The request head of an opening handshake, with defaults overridable or removable. */
export function handshakeRequest(
  path = '/',
  overrides: HeaderOverrides = {},
  key = newClientKey(),
  method = 'GET',
): string {
  const headers: Record<string, string | null> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
    ...overrides,
  };
  const lines = [`${method} ${path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== null) lines.push(`${name}: ${value}`);
  }
  return lines.join('\r\n') + '\r\n\r\n';
}

/**
 * A TCP (or TLS) client that collects every byte it receives, for speaking HTTP and WebSocket
 * by hand: requests and frames are written raw, responses and frames are parsed from the
 * collected bytes.
 */
export class RawClient {
  /** Bytes received and not consumed yet, as received (joined lazily). */
  private chunks: Buffer[] = [];
  /** Whether the peer ended its side (FIN) or the socket closed. */
  ended = false;
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => void this.chunks.push(chunk));
    socket.on('end', () => {
      this.ended = true;
    });
    socket.on('close', () => {
      this.ended = true;
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  /**
   * Connects to `127.0.0.1:port`. `allowHalfOpen` (plain TCP only) keeps our side open after
   * the server ends its side, as a slow or hostile peer would.
   */
  static connect(port: number, tls = false, allowHalfOpen = false): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tls
        ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () =>
            resolve(new RawClient(socket)),
          )
        : netConnect({ host: '127.0.0.1', port, allowHalfOpen }, () =>
            resolve(new RawClient(socket)),
          );
      socket.once('error', reject);
    });
  }

  /** The bytes received and not consumed yet. */
  private get buffer(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }

  private set buffer(rest: Buffer) {
    this.chunks = [rest];
  }

  /** The bytes received and not consumed yet. */
  get pending(): Buffer {
    return this.buffer;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Reads one HTTP response (Content-Length or chunked body; without either, none). */
  async readHttpResponse(ms = 3000): Promise<RawHttpResponse> {
    let parsed: { response: RawHttpResponse; size: number } | null = null;
    await waitUntil(
      () => (parsed = parseHttpResponse(this.buffer)) !== null || this.closed,
      ms,
      'an HTTP response',
    );
    const result = parsed as { response: RawHttpResponse; size: number } | null;
    if (result === null) {
      throw new Error(
        `connection closed before a full response: ${this.buffer.toString('latin1')}`,
      );
    }
    this.buffer = this.buffer.subarray(result.size);
    return result.response;
  }

  /** Reads one server frame. */
  async readFrame(ms = 3000): Promise<ServerFrame> {
    let decoded: ReturnType<typeof decodeServerFrame> = null;
    await waitUntil(
      () => (decoded = decodeServerFrame(this.buffer)) !== null || this.closed,
      ms,
      'a WebSocket frame',
    );
    const result = decoded as ReturnType<typeof decodeServerFrame>;
    if (result === null) throw new Error('connection closed before a full frame');
    this.buffer = this.buffer.subarray(result.size);
    return result.frame;
  }

  /** Waits until the server ended the TCP connection (FIN or close). */
  async waitEnded(ms = 3000): Promise<void> {
    await waitUntil(() => this.ended, ms, 'the connection to end');
  }

  /** Sends an opening handshake and expects the 101; returns the response. */
  async handshake(path = '/', overrides: HeaderOverrides = {}): Promise<RawHttpResponse> {
    const key = newClientKey();
    this.write(handshakeRequest(path, overrides, key));
    const response = await this.readHttpResponse();
    if (response.status !== 101) {
      throw new Error(`handshake refused: ${response.status} ${response.body.toString()}`);
    }
    if (response.headers['sec-websocket-accept'] !== acceptKeyFor(key)) {
      throw new Error('wrong Sec-WebSocket-Accept');
    }
    return response;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseHttpResponse(buffer: Buffer): { response: RawHttpResponse; size: number } | null {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const lines = buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]);
  if (!match) throw new Error(`not an HTTP response: ${lines[0]}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const at = line.indexOf(':');
    const name = line.slice(0, at).trim().toLowerCase();
    const value = line.slice(at + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const status = Number(match[1]);
  const bodyStart = headEnd + 4;
  const response = { status, statusText: match[2], headers, body: Buffer.alloc(0) };
  if (status === 101 || status === 204 || status === 304) return { response, size: bodyStart };
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (buffer.length < bodyStart + length) return null;
    response.body = Buffer.from(buffer.subarray(bodyStart, bodyStart + length));
    return { response, size: bodyStart + length };
  }
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const chunks: Buffer[] = [];
    let offset = bodyStart;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', offset);
      if (lineEnd < 0) return null;
      const size = parseInt(buffer.subarray(offset, lineEnd).toString('latin1'), 16);
      const dataStart = lineEnd + 2;
      if (buffer.length < dataStart + size + 2) return null;
      if (size === 0) {
        response.body = Buffer.concat(chunks);
        return { response, size: dataStart + 2 };
      }
      chunks.push(buffer.subarray(dataStart, dataStart + size));
      offset = dataStart + size + 2;
    }
  }
  return { response, size: bodyStart };
}
