import { Inject, Injectable } from '@nestjs/common';
import { WsServer } from '../../src/index.js';
import { roomTopic } from './chat-room.js';

/**
 * Rooms as topics: a member is subscribed to its room's topic, and an event for a room is
 * published to that topic, so it reaches each member once, on whichever worker or node holds
 * the connection. This process remembers the room of its own connections only (a close
 * handler needs it: by then the connection's subscriptions have ended).
 */
@Injectable()
export class ChatService {
  private readonly roomByFd = new Map<number, string>();

  constructor(@Inject(WsServer) private readonly server: WsServer) {}

  /** Puts a connection of this process in a room; false if it could not be subscribed. */
  join(fd: number, room: string): boolean {
    if (!this.server.subscribe(fd, roomTopic(room))) return false;
    this.roomByFd.set(fd, room);
    return true;
  }

  /** Forgets a closed connection; returns the room it was in, if any. */
  leave(fd: number): string | undefined {
    const room = this.roomByFd.get(fd);
    this.roomByFd.delete(fd);
    return room;
  }

  roomOf(fd: number): string | undefined {
    return this.roomByFd.get(fd);
  }

  /** How many connections of the whole cluster are in the room. */
  members(room: string): Promise<number> {
    return this.server.subscribersAsync(roomTopic(room));
  }

  /** Sends an event to one connection. */
  tell(fd: number, event: Record<string, unknown>): boolean {
    return this.server.push(fd, JSON.stringify(event));
  }

  /**
   * Sends an event to every member of the room, on every worker and node, each once (but the
   * `except` fd); the frame is encoded once per process. Returns how many members of this
   * process got it.
   */
  publish(room: string, event: Record<string, unknown>, except?: number): number {
    const delivered = this.server.publish(
      roomTopic(room),
      JSON.stringify({ ...event, room }),
      undefined,
      undefined,
      { except },
    );
    return delivered === false ? 0 : delivered;
  }
}
