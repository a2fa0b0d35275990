import type { Socket } from 'node:net';
import { type ResponseHeaders, buildResponseHead } from '../protocol/http-response.builder.js';
import { peerLeft } from './http-refusal.util.js';
import type { WsResponse, WsResponseTarget } from './ws-response.js';

/**
 * Where a `handshake` handler's response goes: straight to the raw socket. A 101 it ends is
 * written with the headers `headersFor` returns (the handler's, plus what the server adds,
 * such as the negotiated extension), then `opened` switches the connection to frames; any
 * other status is written with its body and the connection closed.
 */
export class CustomHandshake implements WsResponseTarget {
  private readonly body: Buffer[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly headersFor: (headers: ResponseHeaders) => ResponseHeaders,
    private readonly opened: () => void,
  ) {}

  write(_response: WsResponse, chunk: Buffer): boolean {
    this.body.push(chunk);
    return true;
  }

  end(response: WsResponse, chunk: Buffer | undefined): void {
    const socket = this.socket;
    if (peerLeft(socket)) return void socket.destroy();
    if (response.statusCode === 101) {
      socket.write(buildResponseHead(101, this.headersFor(response.headerEntries())));
      this.opened();
      return;
    }
    if (chunk) this.body.push(chunk);
    const content = Buffer.concat(this.body);
    const head = buildResponseHead(response.statusCode, {
      ...response.headerEntries(),
      'Content-Length': content.length,
      Connection: 'close',
    });
    socket.end(Buffer.concat([Buffer.from(head), content]));
  }
}
