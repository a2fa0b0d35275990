import { Inject, Injectable, UsePipes, ValidationPipe } from '@nestjs/common';
import {
  OnClose,
  OnMessage,
  OnOpen,
  WsFd,
  WsGateway,
  WsJson,
  type WsRequest,
} from '../../src/index.js';
import { ChatMessageDto } from './chat-message.dto.js';
import { ChatService } from './chat.service.js';

/**
 * `/chat`: JSON messages validated against `ChatMessageDto` and broadcast to every member.
 * An invalid message is answered to its sender only: `{"event":"error","status":400,...}`.
 */
@WsGateway('/chat')
@Injectable()
export class ChatGateway {
  constructor(@Inject(ChatService) private readonly chat: ChatService) {}

  @OnOpen()
  open(request: WsRequest): void {
    this.chat.join(request.fd);
    this.chat.broadcast({ event: 'joined', fd: request.fd, members: this.chat.size });
  }

  @OnMessage()
  @UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }))
  message(@WsFd() fd: number, @WsJson() message: ChatMessageDto): void {
    this.chat.broadcast({ event: 'chat', fd, name: message.name, text: message.text });
  }

  @OnClose()
  close(fd: number): void {
    this.chat.leave(fd);
    this.chat.broadcast({ event: 'left', fd, members: this.chat.size });
  }
}
