import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionRegistry } from './connection-registry.js';
import { refuseRaw, sendPlain } from './http-refusal.util.js';
import { BODY_ABORTED, BODY_TOO_LARGE, readRequestBody } from './request-body.reader.js';
import type { ServerEvents } from './server-events.js';
import type { WsLogger } from './ws-logger.interface.js';
import { WsRequest } from './ws-request.js';
import { NodeResponseTarget, WsResponse } from './ws-response.js';
import type { ResolvedSettings } from './ws-server-options.interface.js';

/**
 * Plain HTTP on the WebSocket port (Swoole's `onRequest`), as Node's HTTP server parsed it: 503
 * past `max_connection`, 400 without a `request` handler, 413 for a body over
 * `package_max_length`; a body cut short is dropped without calling the handler. A handler's
 * error answers 500 (if nothing was sent yet); nothing reaches the process.
 */
export class HttpRequestHandler {
  constructor(
    private readonly settings: ResolvedSettings,
    private readonly registry: ConnectionRegistry,
    private readonly events: ServerEvents,
    private readonly logger: WsLogger,
  ) {}

  /** Serves one request; never rejects. */
  handle(request: IncomingMessage, response: ServerResponse): void {
    this.serve(request, response).catch((error: unknown) => {
      this.logger.error('HTTP request failed', error);
      response.destroy();
    });
  }

  /** A request Node's parser refused: 431 for a large head, 408 for a timeout, else 400. */
  clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (!socket.writable) return void socket.destroy();
    if (error.code === 'HPE_HEADER_OVERFLOW')
      return refuseRaw(socket, 431, 'request header too large');
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return refuseRaw(socket, 408, 'request timeout');
    refuseRaw(socket, 400, 'bad request');
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const connection = this.registry.accept(request.socket);
    if (connection === null) return sendPlain(response, 503, 'too many connections');
    const handler = this.events.handler('request');
    if (!handler) return sendPlain(response, 400, 'this server speaks WebSocket only');
    const body = await readRequestBody(request, this.settings.maxPayload);
    // The client went away (reset, FIN, or Node's request timeout answered 408): nobody to answer.
    if (body === BODY_ABORTED) return void response.destroy();
    if (body === BODY_TOO_LARGE) return sendPlain(response, 413, 'request body too large');
    this.registry.statistics.requests++;
    connection.touch();
    const wsResponse = new WsResponse(connection.fd, new NodeResponseTarget(response));
    try {
      await handler(new WsRequest(connection.fd, request, body), wsResponse);
    } catch (error) {
      this.logger.error('"request" handler failed', error);
      if (!response.headersSent) return sendPlain(response, 500, 'internal server error');
    }
    if (!wsResponse.finished) wsResponse.end();
  }
}
