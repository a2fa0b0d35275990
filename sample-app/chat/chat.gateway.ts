import { Inject, Injectable, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import {
  OnClose,
  OnMessage,
  OnOpen,
  WsFd,
  WsGateway,
  WsJson,
  type WsRequest,
  WsServer,
} from '../../src/index.js';
import { ChatMessageDto } from './chat-message.dto.js';
import { requestedRoom } from './chat-room.js';
import { ChatService } from './chat.service.js';
import { RoomGuard } from './room.guard.js';
import { STATS_TOPIC } from '../stats/stats.publisher.js';

/**
 * `/chat?room=<name>` (`lobby` without one): JSON messages validated against `ChatMessageDto`
 * and published to the sender's room. On joining, the connection gets a `welcome` event (its
 * fd and the room's member count) and the others a `joined` event; `left` when it closes.
 * `&stats=1` also subscribes it to the servers' `stats` events (see `StatsPublisher`).
 * An invalid room is refused with 400; an invalid message is answered to its sender only:
 * `{"event":"error","status":400,...}`.
 */
@WsGateway('/chat')
@Injectable()
export class ChatGateway {
  constructor(
    @Inject(ChatService) private readonly chat: ChatService,
    @Inject(WsServer) private readonly server: WsServer,
  ) {}

  @OnOpen()
  @UseGuards(RoomGuard)
  async open(request: WsRequest): Promise<void> {
    const fd = request.fd;
    const room = requestedRoom(request.get);
    if (room === null || !this.chat.join(fd, room)) {
      this.server.disconnect(fd, 4000, 'cannot join the room');
      return;
    }
    if (request.get['stats'] === '1') this.server.subscribe(fd, STATS_TOPIC);
    const members = await this.chat.members(room);
    this.chat.tell(fd, { event: 'welcome', fd, room, members });
    this.chat.publish(room, { event: 'joined', fd, members }, fd);
  }

  @OnMessage()
  @UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }))
  message(@WsFd() fd: number, @WsJson() message: ChatMessageDto): string | undefined {
    const room = this.chat.roomOf(fd);
    if (room === undefined) {
      return JSON.stringify({ event: 'error', status: 409, message: 'not in a room yet' });
    }
    this.chat.publish(room, { event: 'chat', fd, name: message.name, text: message.text });
    return undefined;
  }

  @OnClose()
  async close(fd: number): Promise<void> {
    const room = this.chat.leave(fd);
    if (room === undefined) return;
    this.chat.publish(room, { event: 'left', fd, members: await this.chat.members(room) });
  }
}
