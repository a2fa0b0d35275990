import { Inject, Injectable } from '@nestjs/common';
import { OnRequest, WsServer, type WsRequest, type WsResponse } from '../../src/index.js';
import { CHAT_PAGE } from './chat-page.js';

/**
 * Plain HTTP on the WebSocket port (Swoole's `onRequest`): the chat page, a broadcast trigger
 * (the seed's example: push a message to every connection) and the stats of every worker or
 * node (`statsAsync()`: this process first).
 */
@Injectable()
export class HttpGateway {
  constructor(@Inject(WsServer) private readonly server: WsServer) {}

  @OnRequest()
  async handle(request: WsRequest, response: WsResponse): Promise<void> {
    const { request_method: method, path_info: path } = request.server;
    if (method !== 'GET') return this.send(response, 405, { error: 'method not allowed' });
    if (path === '/') {
      response.header('Content-Type', 'text/html; charset=utf-8');
      response.end(CHAT_PAGE);
      return;
    }
    if (path === '/broadcast') return this.broadcast(request, response);
    if (path === '/stats') return this.send(response, 200, await this.server.statsAsync());
    this.send(response, 404, { error: 'not found' });
  }

  /**
   * `GET /broadcast?message=hi`: pushes the message to every WebSocket, in every worker or node
   * (the seed's onRequest example, made cluster-wide by `broadcast`). Answers how many of this
   * process's connections got it.
   */
  private broadcast(request: WsRequest, response: WsResponse): void {
    const message = request.get['message'];
    if (!message) return this.send(response, 400, { error: 'missing ?message=' });
    this.send(response, 200, { delivered: this.server.broadcast(message) });
  }

  private send(response: WsResponse, status: number, body: unknown): void {
    response.status(status);
    response.header('Content-Type', 'application/json');
    response.end(JSON.stringify(body));
  }
}
