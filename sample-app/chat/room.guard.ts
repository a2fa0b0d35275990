import {
  BadRequestException,
  type CanActivate,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import type { WsRequest } from '../../src/index.js';
import { requestedRoom } from './chat-room.js';

/**
 * Refuses a `/chat` upgrade whose `?room=` is not a valid room name, with 400, before the
 * connection becomes a WebSocket (a guard on an `@OnOpen` handler runs before the upgrade).
 */
@Injectable()
export class RoomGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToWs().getClient<WsRequest>();
    if (requestedRoom(request.get) === null) {
      throw new BadRequestException('room: 1-32 characters, a-z, 0-9, - and _');
    }
    return true;
  }
}
