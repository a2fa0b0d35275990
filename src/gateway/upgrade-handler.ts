import type { Socket } from 'node:net';
import { formatExtensionHeader } from '../protocol/extension-header.parser.js';
import { type AcceptedUpgrade, validateUpgradeRequest } from '../protocol/handshake-validator.js';
import { type ResponseHeaders, buildHandshakeResponse } from '../protocol/http-response.builder.js';
import { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import { negotiatePerMessageDeflate } from '../protocol/permessage-deflate.negotiator.js';
import { selectSubprotocol } from '../protocol/subprotocol.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { CustomHandshake } from './custom-handshake.js';
import type { HttpRequestHead } from './http-request-head.interface.js';
import { peerLeft, refuseRaw } from './http-refusal.util.js';
import { isPromiseLike } from './promise-like.util.js';
import type { ServerEvents } from './server-events.js';
import type { WsConnection } from './ws-connection.js';
import type { WsLogger } from './ws-logger.interface.js';
import { WsRequest, pathOfUrl } from './ws-request.js';
import { WsResponse, type WsResponseTarget } from './ws-response.js';
import type { UpgradeGuard, UpgradeRefusal } from './ws-server-events.interface.js';
import type { ResolvedSettings } from './ws-server-options.interface.js';

/**
 * The opening handshake (RFC 6455 section 4), from an upgrade request to the 101: the RFC's
 * checks, `websocket_allowed_origins`, the upgrade guard (path routing and guards), then the
 * built-in handshake (subprotocol, permessage-deflate, `beforeHandshakeResponse`, `open`) or
 * the application's `handshake` handler, and finally the connection's switch to frames.
 *
 * The common case (built-in handshake, no hooks, a guard that answers at once) completes
 * synchronously, without a timer or a promise; anything that may wait continues in
 * `upgradeSlowly`, bounded by `handshake_timeout` (408).
 */
export class UpgradeHandler {
  /** The check run before every handshake (path routing, guards). */
  guard: UpgradeGuard | null = null;

  constructor(
    private readonly settings: ResolvedSettings,
    private readonly registry: ConnectionRegistry,
    private readonly events: ServerEvents,
    private readonly logger: WsLogger,
    /** What a `handshake` handler returns to have the built-in handshake run instead. */
    private readonly defaultHandshake: symbol,
  ) {}

  /** An upgrade request: read by our sniffer, or parsed by Node's HTTP server. */
  upgrade(request: HttpRequestHead, socket: Socket, head: Buffer): void {
    // Nothing may be read before the connection's frame reader is attached.
    socket.pause();
    const connection = this.registry.accept(socket);
    if (connection === null) return refuseRaw(socket, 503, 'too many connections');
    connection.beginHandshake(pathOfUrl(request.url));
    try {
      const check = validateUpgradeRequest(request);
      if (!check.ok) return refuseRaw(socket, check.status, check.reason, check.headers);
      if (!this.originAllowed(request)) return refuseRaw(socket, 403, 'origin not allowed');
      const wsRequest = new WsRequest(connection.fd, request);
      const verdict = this.guard ? this.guard(wsRequest) : null;
      if (
        isPromiseLike(verdict) ||
        this.events.has('handshake') ||
        this.events.has('beforeHandshakeResponse')
      ) {
        this.upgradeSlowly(connection, wsRequest, check, head, verdict).catch((error: unknown) => {
          this.logger.error('handshake failed', error);
          socket.destroy();
        });
        return;
      }
      if (verdict) return refuseRaw(socket, verdict.status, verdict.reason, verdict.headers);
      const extension = this.negotiateCompression(check);
      this.accept(
        connection,
        wsRequest,
        check,
        head,
        this.builtInHeaders(check, extension),
        extension,
      );
    } catch (error) {
      this.logger.error('handshake failed', error);
      refuseRaw(socket, 500, 'handshake failed');
    }
  }

  /** Everything that may wait: a guard's promise, a handshake or beforeHandshakeResponse handler. */
  private async upgradeSlowly(
    connection: WsConnection,
    request: WsRequest,
    check: AcceptedUpgrade,
    head: Buffer,
    verdict: ReturnType<UpgradeGuard>,
  ): Promise<void> {
    const socket = connection.socket;
    const timer = setTimeout(
      () => refuseRaw(socket, 408, 'handshake timeout'),
      this.settings.handshakeTimeoutMs,
    );
    try {
      const refusal: UpgradeRefusal | null = await verdict;
      if (peerLeft(socket)) return void socket.destroy();
      if (refusal) return refuseRaw(socket, refusal.status, refusal.reason, refusal.headers);
      const useBuiltIn =
        !this.events.has('handshake') ||
        (await this.customHandshake(connection, request, check, head));
      if (useBuiltIn) await this.builtInHandshake(connection, request, check, head);
    } catch (error) {
      this.logger.error('handshake failed', error);
      refuseRaw(socket, 500, 'handshake failed');
    } finally {
      clearTimeout(timer);
    }
  }

  private async builtInHandshake(
    connection: WsConnection,
    request: WsRequest,
    check: AcceptedUpgrade,
    head: Buffer,
  ): Promise<void> {
    const extension = this.negotiateCompression(check);
    let headers = this.builtInHeaders(check, extension);
    const hook = this.events.handler('beforeHandshakeResponse');
    if (hook) {
      const response = new WsResponse(connection.fd, DETACHED_TARGET);
      for (const name in headers) response.header(name, headers[name] as string);
      await this.events.run('beforeHandshakeResponse', () => hook(request, response));
      headers = response.headerEntries();
    }
    // Refused meanwhile (handshake timeout), or the client left while we waited.
    if (peerLeft(connection.socket)) return void connection.socket.destroy();
    this.accept(connection, request, check, head, headers, extension);
  }

  /** The built-in 101's extra headers: the chosen subprotocol and extension, if any. */
  private builtInHeaders(
    check: AcceptedUpgrade,
    extension: Negotiated | null,
  ): ResponseHeaders | undefined {
    const protocol = selectSubprotocol(check.subprotocols, this.settings.subprotocol);
    if (protocol === undefined && extension === null) return undefined;
    const headers: ResponseHeaders = {};
    if (protocol !== undefined) headers['Sec-WebSocket-Protocol'] = protocol;
    if (extension !== null) headers['Sec-WebSocket-Extensions'] = extension.header;
    return headers;
  }

  /** Writes the 101, switches the connection to frames and fires `open`. */
  private accept(
    connection: WsConnection,
    request: WsRequest,
    check: AcceptedUpgrade,
    head: Buffer,
    headers: ResponseHeaders | undefined,
    extension: Negotiated | null,
  ): void {
    connection.socket.write(buildHandshakeResponse(check.key, headers));
    connection.accept(head, extension?.codec ?? null);
    const open = this.events.handler('open');
    if (open) this.events.fire('open', () => open(request));
  }

  /**
   * Swoole's `onHandshake`: the handler answers; a 101 it ends opens the connection. Returns
   * true when the handler resolved to `defaultHandshake` without answering: the built-in
   * handshake then runs (the module uses this for paths without a handshake handler).
   */
  private async customHandshake(
    connection: WsConnection,
    request: WsRequest,
    check: AcceptedUpgrade,
    head: Buffer,
  ): Promise<boolean> {
    const socket = connection.socket;
    let extension: Negotiated | null = null;
    const handshake = new CustomHandshake(
      socket,
      (headers) => {
        const [answer, negotiated] = this.customUpgradeHeaders(check, headers);
        extension = negotiated;
        return answer;
      },
      () => connection.accept(head, extension?.codec ?? null),
    );
    const response = new WsResponse(connection.fd, handshake);
    const handler = this.events.handler('handshake');
    let outcome: unknown;
    await this.events.run('handshake', async () => {
      outcome = await handler?.(request, response);
    });
    if (response.finished || !socket.writable) return false;
    if (outcome === this.defaultHandshake) return true;
    refuseRaw(socket, 400, 'handshake not completed by the handshake handler');
    return false;
  }

  /**
   * The headers of a 101 sent by a handshake handler. With `websocket_compression`,
   * permessage-deflate is negotiated as in the built-in handshake, unless the handler answered
   * `Sec-WebSocket-Extensions` itself (it then owns the extensions; none is applied here).
   */
  private customUpgradeHeaders(
    check: AcceptedUpgrade,
    headers: ResponseHeaders,
  ): [ResponseHeaders, Negotiated | null] {
    const answered = Object.keys(headers).some(
      (name) => name.toLowerCase() === 'sec-websocket-extensions',
    );
    const extension = answered ? null : this.negotiateCompression(check);
    if (extension === null) return [headers, null];
    return [{ ...headers, 'Sec-WebSocket-Extensions': extension.header }, extension];
  }

  /**
   * permessage-deflate, with `websocket_compression`: the first acceptable offer, its codec and
   * the extension to answer in the 101 (null when compression is off or no offer is acceptable).
   */
  private negotiateCompression(check: AcceptedUpgrade): Negotiated | null {
    if (!this.settings.compression) return null;
    const agreement = negotiatePerMessageDeflate(check.extensions, this.settings.deflatePolicy);
    if (agreement === null) return null;
    return {
      codec: new PerMessageDeflateCodec(agreement.params, this.settings.maxPayload),
      header: formatExtensionHeader([agreement.response]),
    };
  }

  private originAllowed(request: HttpRequestHead): boolean {
    const allowed = this.settings.allowedOrigins;
    if (allowed === undefined) return true;
    // Browsers always send Origin; a client without one is not a browser page, and could send
    // any Origin it liked, so the list guards against cross-site pages, not against it.
    const origin = request.headers['origin'];
    return origin === undefined || (typeof origin === 'string' && allowed.has(origin));
  }
}

/** A negotiated permessage-deflate: the connection's codec and the 101's extension header. */
interface Negotiated {
  codec: PerMessageDeflateCodec;
  header: string;
}

/** A response that goes nowhere: `beforeHandshakeResponse` only adds headers. */
const DETACHED_TARGET: WsResponseTarget = { write: () => false, end: () => undefined };
