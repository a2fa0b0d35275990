import { isUtf8 } from 'node:buffer';
import { WEBSOCKET_CLOSE_MESSAGE_ERROR } from '../protocol/close-code.constants.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
  SWOOLE_WEBSOCKET_FLAG_RSV1,
} from '../protocol/frame-flag.constants.js';
import { FrameParser } from '../protocol/frame-parser.js';
import { Frame } from '../protocol/frame.js';
import { WEBSOCKET_OPCODE_TEXT } from '../protocol/opcode.constants.js';
import type { PerMessageDeflateCodec } from '../protocol/permessage-deflate.codec.js';
import { MessageInbox } from './message-inbox.js';
import { ReceiveSequencer } from '../protocol/receive-sequencer.js';

/** The flags of a received message, and of one that arrived compressed. */
const RECEIVED = SWOOLE_WEBSOCKET_FLAG_FIN;
const RECEIVED_COMPRESSED =
  SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS | SWOOLE_WEBSOCKET_FLAG_RSV1;

/** How much the receiver accepts and holds. */
export interface ReceiverLimits {
  maxPayload: number;
  maxQueuedMessages: number;
  maxQueuedBytes: number;
}

/** What the receiver hands on to the client, each in the order it arrived. */
export interface ReceiverEvents {
  /** A ping from the server, to be answered. */
  ping(payload: Buffer): void;
  /** A pong from the server. */
  pong(payload: Buffer): void;
  /** The server's close frame (`code` 1005 when it carried none). */
  close(code: number, reason: string): void;
  /** A protocol error: the connection is to be failed with `code`. */
  fail(code: number, reason: string): void;
  /** `behind` changed: the client pauses or resumes the socket. */
  pressure(): void;
}

/**
 * The receive side of a client: parses what the socket reads, inflates compressed messages,
 * and queues whole messages for `recv()`. While a message is being inflated, everything after
 * it (messages, pings, pongs, the close frame) waits its turn, so nothing overtakes a message.
 */
export class ClientReceiver {
  private readonly parser: FrameParser;
  private readonly sequencer: ReceiveSequencer | null;
  private readonly inbox: MessageInbox<Frame>;
  private inboxFull = false;
  private sequencerFull = false;
  /** The connection was failed: messages still being inflated are dropped. */
  private failed = false;

  constructor(
    private readonly codec: PerMessageDeflateCodec | null,
    limits: ReceiverLimits,
    private readonly events: ReceiverEvents,
  ) {
    this.sequencer =
      codec === null
        ? null
        : new ReceiveSequencer((full) => {
            this.sequencerFull = full;
            events.pressure();
          });
    this.inbox = new MessageInbox<Frame>(
      { maxMessages: limits.maxQueuedMessages, maxBytes: limits.maxQueuedBytes },
      (full) => {
        this.inboxFull = full;
        events.pressure();
      },
    );
    this.parser = new FrameParser(
      {
        onMessage: (opcode, data, compressed) =>
          this.sequenced(() => this.message(opcode, data, compressed)),
        onPing: (payload) => this.sequenced(() => events.ping(payload)),
        onPong: (payload) => this.sequenced(() => events.pong(payload)),
        onClose: (code, reason) => this.sequenced(() => events.close(code, reason)),
        onError: (code, reason) => this.sequenced(() => events.fail(code, reason)),
      },
      { expectMasked: false, maxPayload: limits.maxPayload, allowRsv1: codec !== null },
    );
  }

  /** Whether the application is behind: too many messages unread, or waiting to be inflated. */
  get behind(): boolean {
    return this.inboxFull || this.sequencerFull;
  }

  /** Received messages waiting for `recv()`. */
  get queued(): number {
    return this.inbox.size;
  }

  /** Feeds bytes read from the socket. */
  read(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  /** The next whole message; false on timeout, or once ended and everything was read. */
  next(timeoutMs?: number): Promise<Frame | false> {
    return this.inbox.next(timeoutMs);
  }

  /** The connection was failed: nothing more is read, and what waits to be handled is dropped. */
  abort(): void {
    this.failed = true;
    this.parser.stop();
    this.sequencer?.clear();
  }

  /** Runs `callback` once no message is being inflated or waiting (at once if none is). */
  whenIdle(callback: () => void): void {
    if (this.sequencer === null) callback();
    else this.sequencer.whenIdle(callback);
  }

  /** The TCP connection is gone: nothing more is parsed. */
  stop(): void {
    this.parser.stop();
  }

  /** No message will come any more: readers get what is queued, then false. */
  end(): void {
    this.inbox.end();
  }

  /** Runs a step now, or in order behind a message being inflated. */
  private sequenced(step: () => void): void {
    if (this.sequencer === null) step();
    else this.sequencer.run(step);
  }

  private message(opcode: number, data: Buffer, compressed: boolean): void {
    if (compressed) this.inflate(opcode, data);
    else this.deliver(opcode, data, RECEIVED);
  }

  private inflate(opcode: number, data: Buffer): void {
    const done = (this.sequencer as ReceiveSequencer).begin();
    (this.codec as PerMessageDeflateCodec).decompress(data, (failure, inflated) => {
      if (failure) this.events.fail(failure.code, failure.reason);
      else if (opcode === WEBSOCKET_OPCODE_TEXT && !isUtf8(inflated as Buffer)) {
        this.events.fail(WEBSOCKET_CLOSE_MESSAGE_ERROR, 'invalid UTF-8 in a text message');
      } else this.deliver(opcode, inflated as Buffer, RECEIVED_COMPRESSED);
      done();
    });
  }

  private deliver(opcode: number, data: Buffer, flags: number): void {
    if (this.failed) return;
    this.inbox.push(Frame.fromPayload(0, opcode, data, flags), data.length);
  }
}
