import type { ServerResponse } from 'node:http';
import type { ResponseHeaders } from '../protocol/http-response.builder.js';

/** Where a `WsResponse` goes: a Node HTTP response, or the raw socket of a handshake. */
export interface WsResponseTarget {
  /** Sends a body chunk (the head first, if not yet sent). */
  write(response: WsResponse, chunk: Buffer): boolean;
  /** Finishes the response. */
  end(response: WsResponse, chunk: Buffer | undefined): void;
}

/** Cookie attributes for `WsResponse.cookie()`. */
export interface WsCookieOptions {
  expires?: number;
  path?: string;
  domain?: string;
  secure?: boolean;
  httponly?: boolean;
  samesite?: 'Strict' | 'Lax' | 'None';
}

/**
 * An HTTP response as Swoole's `Swoole\Http\Response`: answers a plain HTTP request, or
 * completes an opening handshake from a `handshake` handler (status 101, then `end()`).
 */
export class WsResponse {
  /** The status code to send (default 200). */
  statusCode = 200;
  /** A custom reason phrase, if one was given to `status()`. */
  reasonPhrase: string | undefined;
  /** Headers to send, by the name given. */
  readonly headers: Record<string, string | string[]> = {};
  private ended = false;
  private headSent = false;

  constructor(
    /** The connection's fd. */
    readonly fd: number,
    private readonly target: WsResponseTarget,
  ) {}

  /** Sets the status code (and optionally the reason phrase). False once the head is sent. */
  status(code: number, reason?: string): boolean {
    if (this.headSent || !Number.isInteger(code) || code < 100 || code > 999) return false;
    this.statusCode = code;
    this.reasonPhrase = reason;
    return true;
  }

  /** Sets a response header. False once the head is sent or for an invalid name. */
  header(name: string, value: string | number | string[]): boolean {
    if (this.headSent || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return false;
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    // A CR, LF or NUL would end the header line early: a response-splitting hole, refused.
    if (values.some((item) => /[\r\n\0]/.test(item))) return false;
    this.headers[name] = Array.isArray(value) ? values : values[0];
    return true;
  }

  /** Alias of `header()`. */
  setHeader(name: string, value: string | number | string[]): boolean {
    return this.header(name, value);
  }

  /** Adds a `Set-Cookie` header. */
  cookie(name: string, value = '', options: WsCookieOptions = {}): boolean {
    const parts = [`${name}=${encodeURIComponent(value)}`];
    if (options.expires) parts.push(`Expires=${new Date(options.expires * 1000).toUTCString()}`);
    if (options.path) parts.push(`Path=${options.path}`);
    if (options.domain) parts.push(`Domain=${options.domain}`);
    if (options.secure) parts.push('Secure');
    if (options.httponly) parts.push('HttpOnly');
    if (options.samesite) parts.push(`SameSite=${options.samesite}`);
    const previous = this.headers['Set-Cookie'];
    const list = previous === undefined ? [] : Array.isArray(previous) ? previous : [previous];
    return this.header('Set-Cookie', [...list, parts.join('; ')]);
  }

  /** Sends a body chunk (chunked transfer). False once ended. */
  write(data: string | Buffer): boolean {
    if (this.ended) return false;
    this.headSent = true;
    return this.target.write(this, toBuffer(data));
  }

  /** Finishes the response, with an optional last chunk. False if already ended. */
  end(data?: string | Buffer): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.headSent = true;
    this.target.end(this, data === undefined ? undefined : toBuffer(data));
    return true;
  }

  /** Redirects (302 by default) and ends. */
  redirect(url: string, code = 302): boolean {
    this.status(code);
    this.header('Location', url);
    return this.end();
  }

  /** Whether the response can still be written to. */
  isWritable(): boolean {
    return !this.ended;
  }

  /** Whether `end()` was called. */
  get finished(): boolean {
    return this.ended;
  }

  /** The headers to send, for a raw response head. */
  headerEntries(): ResponseHeaders {
    return this.headers;
  }
}

/** A target writing to Node's `ServerResponse` (plain HTTP on the server's port). */
export class NodeResponseTarget implements WsResponseTarget {
  constructor(private readonly response: ServerResponse) {}

  write(response: WsResponse, chunk: Buffer): boolean {
    this.sendHead(response);
    return this.response.write(chunk);
  }

  end(response: WsResponse, chunk: Buffer | undefined): void {
    this.sendHead(response);
    this.response.end(chunk);
  }

  private sendHead(response: WsResponse): void {
    if (this.response.headersSent) return;
    this.response.statusCode = response.statusCode;
    if (response.reasonPhrase) this.response.statusMessage = response.reasonPhrase;
    for (const [name, value] of Object.entries(response.headers))
      this.response.setHeader(name, value);
  }
}

function toBuffer(data: string | Buffer): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
