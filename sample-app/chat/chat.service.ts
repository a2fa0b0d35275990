import { Inject, Injectable } from '@nestjs/common';
import { WsServer } from '../../src/index.js';

/** Who is in the chat, and broadcasting to them through the injected `WsServer`. */
@Injectable()
export class ChatService {
  private readonly members = new Set<number>();

  constructor(@Inject(WsServer) private readonly server: WsServer) {}

  join(fd: number): void {
    this.members.add(fd);
  }

  leave(fd: number): void {
    this.members.delete(fd);
  }

  get size(): number {
    return this.members.size;
  }

  /**
   * Sends an event to every connection on `/chat`, in every worker or node; the frame is encoded
   * once per process. Returns how many of this process's connections got it.
   */
  broadcast(event: Record<string, unknown>): number {
    return this.server.broadcast(JSON.stringify(event), undefined, undefined, { path: '/chat' });
  }
}
