import type { WsServer } from '../../../src/gateway/ws-server.service.js';
import type { FrameData } from '../../../src/protocol/frame.js';
import { Frame } from '../../../src/protocol/frame.js';
import { WEBSOCKET_OPCODE_TEXT } from '../../../src/protocol/opcode.constants.js';

/** The part of `WsServer` the message path of the module uses. */
export type MessagePathServer = Pick<
  WsServer,
  'exist' | 'closeConnection' | 'push' | 'isEstablished' | 'pathOf'
>;

/** A push the server took. */
export interface RecordedPush {
  fd: number;
  data: FrameData | Frame;
  opcode: number;
}

/** A `closeConnection` call. */
export interface RecordedClose {
  fd: number;
  code: number;
  reason: string;
}

/**
 * A small real server for unit tests of the module's message path: connections are fds the
 * test opens, closes (the close handshake started: still there, no pushes) and drops (gone), and
 * every push and close is recorded.
 */
export class RecordingWsServer implements MessagePathServer {
  readonly pushes: RecordedPush[] = [];
  readonly closes: RecordedClose[] = [];
  private readonly established = new Map<number, string>();
  private readonly closing = new Set<number>();

  /** A WebSocket connection on `path`, ready for pushes. */
  open(fd: number, path = '/'): this {
    this.established.set(fd, path);
    return this;
  }

  /** The TCP connection is gone. */
  drop(fd: number): void {
    this.established.delete(fd);
    this.closing.delete(fd);
  }

  exist(fd: number): boolean {
    return this.established.has(fd);
  }

  isEstablished(fd: number): boolean {
    return this.established.has(fd) && !this.closing.has(fd);
  }

  pathOf(fd: number): string | undefined {
    return this.established.get(fd);
  }

  push(fd: number, data: FrameData | Frame, opcode = WEBSOCKET_OPCODE_TEXT): boolean {
    if (!this.isEstablished(fd)) return false;
    this.pushes.push({ fd, data, opcode: data instanceof Frame ? data.opcode : opcode });
    return true;
  }

  /** Starts the close handshake: the connection still exists, but takes no more pushes. */
  closeConnection(fd: number, code: number, reason = ''): boolean {
    if (!this.isEstablished(fd)) return false;
    this.closes.push({ fd, code, reason });
    this.closing.add(fd);
    return true;
  }

  /** What was pushed to `fd`, in order. */
  pushedTo(fd: number): Array<FrameData | Frame> {
    return this.pushes.filter((push) => push.fd === fd).map((push) => push.data);
  }
}
