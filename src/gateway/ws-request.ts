import type { HttpRequestHead } from './http-request-head.interface.js';

/** Swoole's `$request->server`: what the server knows about the request and its connection. */
export interface WsRequestServerInfo {
  request_method: string;
  request_uri: string;
  path_info: string;
  query_string: string;
  server_protocol: string;
  request_time: number;
  request_time_float: number;
  server_port: number;
  remote_addr: string;
  remote_port: number;
}

/**
 * An HTTP request as Swoole's `Swoole\Http\Request`: the opening handshake of a WebSocket
 * connection, or a plain HTTP request on the same port. Header names are lower case.
 *
 * `header`, `server`, `get` and `cookie` are worked out on first use and kept: most handshakes
 * never read them.
 */
export class WsRequest {
  /** The connection's fd. */
  readonly fd: number;
  /**
   * The request as received: Node's `HttpRequestHead` for plain HTTP requests, the head read by
   * the upgrade sniffer for most handshakes (method, url, httpVersion, headers, socket).
   */
  readonly raw: HttpRequestHead;
  private readonly body: Buffer;
  private readonly receivedAt = Date.now();
  private headerCache: Record<string, string> | undefined;
  private serverCache: WsRequestServerInfo | undefined;
  private getCache: Record<string, string> | undefined;
  private cookieCache: Record<string, string> | undefined;

  constructor(fd: number, request: HttpRequestHead, body: Buffer = EMPTY_BODY) {
    this.fd = fd;
    this.raw = request;
    this.body = body;
  }

  /** Request headers, names in lower case (repeated headers joined with `, `). */
  get header(): Record<string, string> {
    return (this.headerCache ??= flattenHeaders(this.raw));
  }

  /** Method, URI, path, query string, protocol, time and addresses. */
  get server(): WsRequestServerInfo {
    return (this.serverCache ??= serverInfo(this.raw, this.receivedAt));
  }

  /** Query string parameters. */
  get get(): Record<string, string> {
    return (this.getCache ??= Object.fromEntries(new URLSearchParams(this.server.query_string)));
  }

  /** Cookies. */
  get cookie(): Record<string, string> {
    return (this.cookieCache ??= parseCookies(this.header['cookie']));
  }

  /** The request body as received (empty for a handshake). */
  rawContent(): Buffer {
    return this.body;
  }

  /** Alias of `rawContent()`, as in Swoole. */
  getContent(): Buffer {
    return this.body;
  }

  /** The request method. */
  getMethod(): string {
    return this.server.request_method;
  }
}

const EMPTY_BODY = Buffer.alloc(0);

/** The path of a request target, without its query string (`/` when there is none). */
export function pathOfUrl(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function serverInfo(request: HttpRequestHead, receivedAt: number): WsRequestServerInfo {
  const uri = request.url ?? '/';
  const queryAt = uri.indexOf('?');
  const path = pathOfUrl(uri);
  const now = receivedAt / 1000;
  return {
    request_method: request.method ?? 'GET',
    request_uri: path,
    path_info: path,
    query_string: queryAt < 0 ? '' : uri.slice(queryAt + 1),
    server_protocol: `HTTP/${request.httpVersion}`,
    request_time: Math.floor(now),
    request_time_float: now,
    server_port: request.socket.localPort ?? 0,
    remote_addr: request.socket.remoteAddress ?? '',
    remote_port: request.socket.remotePort ?? 0,
  };
}

function flattenHeaders(request: HttpRequestHead): Record<string, string> {
  const header: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) header[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return header;
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    cookies[name] = safeDecode(value);
  }
  return cookies;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
