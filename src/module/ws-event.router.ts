import { HttpException, Logger } from '@nestjs/common';
import type { WsEventName } from '../decorators/ws-metadata.constants.js';
import { pathOfUrl, type WsRequest } from '../gateway/ws-request.js';
import type { WsResponse } from '../gateway/ws-response.js';
import type { UpgradeRefusal } from '../gateway/ws-server-events.interface.js';
import type { WsServer } from '../gateway/ws-server.service.js';
import { WEBSOCKET_CLOSE_SERVER_ERROR } from '../protocol/close-code.constants.js';
import type { Frame } from '../protocol/frame.js';
import { clientErrorOf, errorReply } from './ws-error.rule.js';
import type { WsBoundHandler } from './ws-handler.interface.js';
import { pathCovers } from '../gateway/path-scope.util.js';
import { isPromiseLike } from '../gateway/promise-like.util.js';
import { MessageSequencer } from './message-sequencer.js';
import { ReplyStreams } from './reply-streams.js';
import { isReplyStream, pushReply } from './ws-reply.util.js';

/**
 * Connects the discovered handlers to a `WsServer`: one server event fans out to every matching
 * handler, in discovery order, each awaited before the next. Handlers of a path-scoped gateway
 * only see connections (and HTTP requests) on their path. It also applies the error rule of
 * `ws-error.rule.ts` and pushes what `@OnMessage` handlers return. The messages of a connection
 * are kept in order by a `MessageSequencer`; returned Observables are kept by `ReplyStreams`.
 */
export class WsEventRouter {
  private readonly logger = new Logger('WsServer');
  private readonly byEvent = new Map<WsEventName, WsBoundHandler[]>();
  /** Whether any handshake or open handler has guards to run before the upgrade. */
  private readonly hasEarlyGuards: boolean;
  /** Whether any gateway is scoped to a path (else every handler sees every connection). */
  private readonly scoped: boolean;
  /** Messages of one connection, one after another. */
  private readonly sequencer: MessageSequencer;
  /** Observables returned by message handlers that still push to a connection. */
  private readonly streams: ReplyStreams;

  constructor(
    private readonly server: WsServer,
    handlers: readonly WsBoundHandler[],
  ) {
    this.hasEarlyGuards = handlers.some((handler) => handler.guard !== undefined);
    this.scoped = handlers.some((handler) => handler.path !== undefined && handler.path !== '/');
    this.sequencer = new MessageSequencer(
      server,
      (frame) => this.dispatchFrom(frame, 0),
      this.logger,
    );
    this.streams = new ReplyStreams(server);
    for (const handler of handlers) {
      const list = this.byEvent.get(handler.event) ?? [];
      list.push(handler);
      this.byEvent.set(handler.event, list);
    }
  }

  /** Registers the server events that have handlers. Throws, as Swoole, without `@OnMessage`. */
  wire(): void {
    if (!this.byEvent.has('message')) {
      throw new Error(
        'WsServerModule: no @OnMessage() handler found; Swoole refuses to start a WebSocket server without onMessage',
      );
    }
    const server = this.server;
    server.setUpgradeGuard((request) => this.checkUpgrade(request));
    if (this.byEvent.has('handshake'))
      server.on('handshake', (request, response) => this.handshake(request, response));
    if (this.byEvent.has('beforeHandshakeResponse')) {
      server.on('beforeHandshakeResponse', (request, response) =>
        this.runAll('beforeHandshakeResponse', this.pathOf(request.fd), [request, response]),
      );
    }
    if (this.byEvent.has('open')) server.on('open', (request) => this.open(request));
    server.on('message', (frame) => this.sequencer.handle(frame));
    server.on('close', (fd) => this.close(fd));
    if (this.byEvent.has('request'))
      server.on('request', (request, response) => this.request(request, response));
    if (this.byEvent.has('disconnect')) {
      server.on('disconnect', (fd) => this.disconnect(fd));
    }
  }

  private handlersFor(event: WsEventName, path: string | undefined): WsBoundHandler[] {
    const all = this.byEvent.get(event) ?? [];
    return path === undefined ? all : all.filter((handler) => pathCovers(handler.path, path));
  }

  /**
   * The connection's handshake path, for path-scoped handlers; undefined (every handler) when no
   * gateway is scoped. The connection itself knows its path: nothing is kept per fd here.
   */
  private pathOf(fd: number): string | undefined {
    return this.scoped ? this.server.pathOf(fd) : undefined;
  }

  /** Connections with a message still being handled or an Observable still pushing. */
  get trackedConnections(): number {
    return new Set([...this.sequencer.connections, ...this.streams.connections]).size;
  }

  /**
   * Before any handshake: 404 for a path no gateway serves, then the guards of the `handshake`
   * and `open` handlers of that path (a refusal is 401/403 or the exception's status).
   */
  private checkUpgrade(request: WsRequest): UpgradeRefusal | null | Promise<UpgradeRefusal | null> {
    if (!this.scoped && !this.hasEarlyGuards) return null;
    // The path alone, without building Swoole's whole `server` record.
    const path = pathOfUrl(request.raw.url);
    const messageHandlers = this.byEvent.get('message') as WsBoundHandler[];
    if (!messageHandlers.some((handler) => pathCovers(handler.path, path))) {
      return { status: 404, reason: `no WebSocket gateway serves ${path}` };
    }
    const guarded = this.hasEarlyGuards
      ? [...this.handlersFor('handshake', path), ...this.handlersFor('open', path)].filter(
          (handler) => handler.guard,
        )
      : [];
    if (guarded.length === 0) return null;
    return this.runEarlyGuards(request, guarded);
  }

  /** The guards of the path's handshake and open handlers, before the upgrade. */
  private async runEarlyGuards(
    request: WsRequest,
    guarded: WsBoundHandler[],
  ): Promise<UpgradeRefusal | null> {
    for (const handler of guarded) {
      try {
        await handler.guard?.(request);
      } catch (error) {
        return refusalOf(error, handler.name, this.logger);
      }
    }
    return null;
  }

  /** Custom handshake: the first handler of the path answers; none on this path means the built-in one. */
  private async handshake(request: WsRequest, response: WsResponse): Promise<unknown> {
    const handlers = this.handlersFor('handshake', this.pathOf(request.fd));
    if (handlers.length === 0) return this.server.defaultHandshake;
    for (const handler of handlers) {
      await this.runForResponse(handler, [request, response], response);
      if (response.finished) break;
    }
    return undefined;
  }

  private async open(request: WsRequest): Promise<void> {
    for (const handler of this.handlersFor('open', this.pathOf(request.fd))) {
      try {
        await handler.run(request);
      } catch (error) {
        this.serverFault(handler, error, request.fd);
        return;
      }
    }
  }

  /**
   * Runs the matching handlers from index `start` on; returns a promise only when one of them
   * is still working (the rest run after it). Handlers that answer synchronously (no enhancer,
   * no Promise) are run synchronously, so their replies join the write batch of the read that
   * carried the message.
   */
  private dispatchFrom(frame: Frame, start: number): Promise<void> | undefined {
    const path = this.pathOf(frame.fd);
    const handlers = this.byEvent.get('message') as WsBoundHandler[];
    for (let index = start; index < handlers.length; index++) {
      const handler = handlers[index];
      if (!acceptsOpcode(handler.opcode, frame.opcode)) continue;
      if (path !== undefined && !pathCovers(handler.path, path)) continue;
      let result: unknown;
      try {
        result = handler.run(frame);
      } catch (error) {
        this.messageError(handler, error, frame.fd);
        continue;
      }
      if (isPromiseLike(result)) {
        return Promise.resolve(result).then(
          (value) => {
            this.reply(frame.fd, value, handler);
            return this.dispatchFrom(frame, index + 1);
          },
          (error: unknown) => {
            this.messageError(handler, error, frame.fd);
            return this.dispatchFrom(frame, index + 1);
          },
        );
      }
      this.reply(frame.fd, result, handler);
    }
    return undefined;
  }

  private close(fd: number): Promise<void> | undefined {
    const path = this.pathOf(fd);
    this.streams.stop(fd);
    return this.byEvent.has('close') ? this.runAll('close', path, [fd]) : undefined;
  }

  private async disconnect(fd: number): Promise<void> {
    await this.runAll('disconnect', undefined, [fd]);
  }

  /** HTTP on the same port: handlers of the covering gateways, in order, until one ends the response. */
  private async request(request: WsRequest, response: WsResponse): Promise<void> {
    const handlers = this.handlersFor('request', request.server.path_info);
    for (const handler of handlers) {
      await this.runForResponse(handler, [request, response], response);
      if (response.finished) return;
    }
    if (handlers.length === 0 && response.isWritable()) {
      response.status(404);
      response.end(`no handler for ${request.server.path_info}\n`);
    }
  }

  /** Runs every handler of an event in order; errors are logged. */
  private async runAll(
    event: WsEventName,
    path: string | undefined,
    args: unknown[],
  ): Promise<void> {
    for (const handler of this.handlersFor(event, path)) {
      try {
        await handler.run(...args);
      } catch (error) {
        this.logger.error(
          `${handler.name} failed`,
          error instanceof Error ? error.stack : String(error),
        );
      }
    }
  }

  /** Runs an HTTP-style handler; an error becomes its HTTP status (client error) or 500. */
  private async runForResponse(
    handler: WsBoundHandler,
    args: unknown[],
    response: WsResponse,
  ): Promise<void> {
    try {
      await handler.run(...args);
    } catch (error) {
      const client = clientErrorOf(error);
      if (!client)
        this.logger.error(
          `${handler.name} failed`,
          error instanceof Error ? error.stack : String(error),
        );
      if (!response.isWritable()) return;
      response.status(client?.status ?? 500);
      response.header('Content-Type', 'application/json');
      response.end(
        JSON.stringify({
          status: client?.status ?? 500,
          message: client?.message ?? 'Internal server error',
        }),
      );
    }
  }

  /** Pushes what a message handler returned: a value, or each value of an Observable. */
  private reply(fd: number, result: unknown, handler: WsBoundHandler): void {
    if (!isReplyStream(result)) {
      // A value that cannot be sent (not serialisable) is a server fault, never a throw here.
      try {
        pushReply(this.server, fd, result);
      } catch (error) {
        this.messageError(handler, error, fd);
      }
      return;
    }
    this.streams.start(fd, result, (error) => this.messageError(handler, error, fd));
  }

  private messageError(handler: WsBoundHandler, error: unknown, fd: number): void {
    const client = clientErrorOf(error);
    if (client) {
      let reply: string | undefined;
      try {
        reply = errorReply(client);
      } catch (replyError) {
        // The exception's response cannot be serialised: the server's fault after all.
        this.serverFault(handler, replyError, fd);
        return;
      }
      this.server.push(fd, reply);
      return;
    }
    this.serverFault(handler, error, fd);
  }

  /** A server fault in a connection's handler: logged, and the connection closed with 1011. */
  private serverFault(handler: WsBoundHandler, error: unknown, fd: number): void {
    this.logger.error(
      `${handler.name} failed; closing connection ${fd} with 1011`,
      error instanceof Error ? error.stack : String(error),
    );
    this.server.closeConnection(fd, WEBSOCKET_CLOSE_SERVER_ERROR, 'internal error');
  }
}

/**
 * `@OnMessage()` without an opcode takes every frame the server delivers, as Swoole's single
 * onMessage: text and binary, plus ping, pong and close frames when their
 * `open_websocket_*_frame` option is on (the server delivers them only then). With an opcode,
 * only that opcode.
 */
function acceptsOpcode(wanted: number | undefined, opcode: number): boolean {
  return wanted === undefined || wanted === opcode;
}

function refusalOf(error: unknown, name: string, logger: Logger): UpgradeRefusal {
  if (error instanceof HttpException || clientErrorOf(error)) {
    const client = clientErrorOf(error);
    const status = client?.status ?? 403;
    return { status, reason: typeof client?.message === 'string' ? client.message : 'refused' };
  }
  logger.error(`${name} guard failed`, error instanceof Error ? error.stack : String(error));
  return { status: 500, reason: 'internal server error' };
}
