/**
 * The validated gateway both @nestjs/websockets servers of the validated scenario run, as an
 * application would write it: `@SubscribeMessage('echo')`, a class-validator DTO checked by
 * `ValidationPipe`, the reply `{ event: 'echo', data: dto }`, the very bytes the client sent.
 */
import { UsePipes, ValidationPipe } from '@nestjs/common';
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type WsResponse,
} from '@nestjs/websockets';
import { EchoDto } from './echo.dto.js';

@WebSocketGateway()
export class ValidatedEchoGateway {
  @SubscribeMessage('echo')
  @UsePipes(new ValidationPipe())
  echo(@MessageBody() dto: EchoDto): WsResponse<EchoDto> {
    return { event: 'echo', data: dto };
  }
}
