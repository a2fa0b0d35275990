import { Inject, Injectable } from '@nestjs/common';
import { type Frame, OnMessage, WsGateway, WsServer } from '../../src/index.js';

/**
 * Every text or binary message on `/echo` goes back with the same opcode (Swoole's first
 * example). The received flags are passed on, so a compressed message is answered compressed
 * when permessage-deflate was negotiated.
 */
@WsGateway('/echo')
@Injectable()
export class EchoGateway {
  constructor(@Inject(WsServer) private readonly server: WsServer) {}

  @OnMessage()
  echo(frame: Frame): void {
    this.server.push(frame.fd, frame.payload, frame.opcode, frame.flags);
  }
}
