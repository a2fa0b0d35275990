import { Logger } from '@nestjs/common';
import type { WsServer } from '../gateway/ws-server.service.js';
import { WEBSOCKET_CLOSE_SERVER_ERROR } from '../protocol/close-code.constants.js';
import type { Frame } from '../protocol/frame.js';

/** Handles one message: a promise only while some of its work is still going on. */
export type MessageDispatch = (frame: Frame) => Promise<void> | undefined;

/** What the sequencer needs of the server: whether a connection is still there, and closing it. */
export type SequencerServer = Pick<WsServer, 'exist' | 'closeConnection'>;

/** Where a fault that escaped every handler's own error path is logged. */
export type SequencerLogger = Pick<Logger, 'error'>;

/**
 * Keeps the messages of one connection in order: each is handled once the one before it is
 * done, so replies keep the order of the messages even when one handler is slower (a pipe, an
 * await) than the next. Connections do not wait for each other. A message with nothing before
 * it is dispatched synchronously, so the replies of handlers that answer at once join the write
 * batch of the read that carried the message.
 */
export class MessageSequencer {
  /** The last message still being handled, per connection. */
  private readonly pending = new Map<number, Promise<void>>();

  constructor(
    private readonly server: SequencerServer,
    private readonly dispatch: MessageDispatch,
    private readonly logger: SequencerLogger = new Logger('WsServer'),
  ) {}

  /** The connections with a message still being handled. */
  get connections(): IterableIterator<number> {
    return this.pending.keys();
  }

  /**
   * Handles a message now, or once the messages of its connection received before it are done.
   * Returns a promise (that never rejects) while it, or a message before it, is unfinished.
   */
  handle(frame: Frame): Promise<void> | undefined {
    const fd = frame.fd;
    const previous = this.pending.get(fd);
    if (previous)
      return this.track(
        fd,
        previous.then(() => this.dispatchQueued(frame)),
      );
    const rest = this.dispatch(frame);
    return rest && this.track(fd, rest);
  }

  /** A message that waited behind others: dropped if its connection has closed meanwhile. */
  private dispatchQueued(frame: Frame): Promise<void> | undefined {
    if (!this.server.exist(frame.fd)) return undefined;
    return this.dispatch(frame);
  }

  /**
   * Remembers a connection's unfinished message so the next one waits for it. The chain never
   * rejects: a failure that escapes a handler's own error path (the error reply itself failing,
   * say) is a server fault for that connection, and the messages after it still run.
   */
  private track(fd: number, run: Promise<void>): Promise<void> {
    const safe = run.catch((error: unknown) => this.chainFault(fd, error));
    this.pending.set(fd, safe);
    // Cannot reject: `safe` never does, and this callback only reads and deletes a map entry.
    void safe.then(() => {
      if (this.pending.get(fd) === safe) this.pending.delete(fd);
    });
    return safe;
  }

  /** Never throws: it ends the chain's catch, so nothing after it may reject. */
  private chainFault(fd: number, error: unknown): void {
    try {
      this.logger.error(
        `handling a message of connection ${fd} failed; closing it with 1011`,
        error instanceof Error ? error.stack : String(error),
      );
      this.server.closeConnection(fd, WEBSOCKET_CLOSE_SERVER_ERROR, 'internal error');
    } catch {
      // A logger or a connection that throws here has nothing left to tell.
    }
  }
}
