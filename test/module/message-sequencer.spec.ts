import { describe, expect, it } from '@jest/globals';
import { MessageSequencer, type MessageDispatch } from '../../src/module/message-sequencer.js';
import { WEBSOCKET_CLOSE_SERVER_ERROR } from '../../src/protocol/close-code.constants.js';
import { Frame } from '../../src/protocol/frame.js';
import { WEBSOCKET_OPCODE_TEXT } from '../../src/protocol/opcode.constants.js';
import { RecordingWsServer } from './support/recording-ws-server.js';

/** A message of connection `fd` carrying `data`. */
function message(fd: number, data: string): Frame {
  return Frame.fromPayload(fd, WEBSOCKET_OPCODE_TEXT, Buffer.from(data));
}

/** A promise the test settles by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** Keeps what would be logged, so faults can be asserted (and the test output stays clean). */
class RecordingLogger {
  readonly errors: string[] = [];
  error(message: unknown): void {
    this.errors.push(String(message));
  }
}

/** A sequencer whose dispatch records each message it starts and finishes. */
function setup(handle: (frame: Frame) => Promise<void> | undefined = () => undefined): {
  server: RecordingWsServer;
  logger: RecordingLogger;
  sequencer: MessageSequencer;
  started: string[];
  finished: string[];
} {
  const server = new RecordingWsServer().open(1).open(2);
  const logger = new RecordingLogger();
  const started: string[] = [];
  const finished: string[] = [];
  const dispatch: MessageDispatch = (frame) => {
    const label = `${frame.fd}:${String(frame.data)}`;
    started.push(label);
    const rest = handle(frame);
    if (rest === undefined) {
      finished.push(label);
      return undefined;
    }
    return rest.then(() => {
      finished.push(label);
    });
  };
  return {
    server,
    logger,
    sequencer: new MessageSequencer(server, dispatch, logger),
    started,
    finished,
  };
}

describe('MessageSequencer', () => {
  it('dispatches a message with nothing before it synchronously', () => {
    const { sequencer, started, finished } = setup();
    expect(sequencer.handle(message(1, 'a'))).toBeUndefined();
    expect(started).toEqual(['1:a']);
    expect(finished).toEqual(['1:a']);
    expect([...sequencer.connections]).toEqual([]);
  });

  it('keeps the order of one connection across sync and async handlers', async () => {
    const slow = deferred();
    const later = deferred();
    const { sequencer, started, finished } = setup((frame) => {
      if (frame.data === 'slow') return slow.promise;
      if (frame.data === 'later') return later.promise;
      return undefined;
    });
    const first = sequencer.handle(message(1, 'slow'));
    expect(first).toBeInstanceOf(Promise);
    sequencer.handle(message(1, 'sync-1'));
    sequencer.handle(message(1, 'later'));
    const last = sequencer.handle(message(1, 'sync-2'));
    // Only the first one runs while it is unfinished.
    expect(started).toEqual(['1:slow']);
    expect([...sequencer.connections]).toEqual([1]);

    later.resolve(); // settled early: still waits its turn
    slow.resolve();
    await last;
    expect(started).toEqual(['1:slow', '1:sync-1', '1:later', '1:sync-2']);
    expect(finished).toEqual(started);
    expect([...sequencer.connections]).toEqual([]);
  });

  it('does not hold a connection behind another one', async () => {
    const blocked = deferred();
    const { sequencer, started } = setup((frame) => (frame.fd === 1 ? blocked.promise : undefined));
    const pending = sequencer.handle(message(1, 'a'));
    expect(sequencer.handle(message(2, 'b'))).toBeUndefined();
    expect(started).toEqual(['1:a', '2:b']);
    blocked.resolve();
    await pending;
  });

  it('closes the connection with 1011 when the error path itself fails, and runs the next messages', async () => {
    const failing = deferred();
    const { server, logger, sequencer, started, finished } = setup((frame) =>
      frame.data === 'bad' ? failing.promise : undefined,
    );
    const bad = sequencer.handle(message(1, 'bad'));
    const next = sequencer.handle(message(1, 'next'));
    failing.reject(new Error('the error reply failed'));

    await expect(bad).resolves.toBeUndefined();
    await expect(next).resolves.toBeUndefined();
    expect(server.closes).toEqual([
      { fd: 1, code: WEBSOCKET_CLOSE_SERVER_ERROR, reason: 'internal error' },
    ]);
    expect(logger.errors).toEqual([
      'handling a message of connection 1 failed; closing it with 1011',
    ]);
    expect(started).toEqual(['1:bad', '1:next']);
    expect(finished).toEqual(['1:next']);
    expect([...sequencer.connections]).toEqual([]);
  });

  it('treats a queued message whose dispatch throws as a fault, never a rejection', async () => {
    const first = deferred();
    const { server, sequencer } = setup((frame) => {
      if (frame.data === 'first') return first.promise;
      throw new Error('thrown by the dispatch');
    });
    sequencer.handle(message(1, 'first'));
    const thrown = sequencer.handle(message(1, 'throws'));
    first.resolve();
    await expect(thrown).resolves.toBeUndefined();
    expect(server.closes.map((close) => close.code)).toEqual([WEBSOCKET_CLOSE_SERVER_ERROR]);
  });

  it('drops the queued messages of a connection that closed meanwhile', async () => {
    const first = deferred();
    const { server, sequencer, started } = setup((frame) =>
      frame.data === 'first' ? first.promise : undefined,
    );
    sequencer.handle(message(1, 'first'));
    sequencer.handle(message(1, 'queued-1'));
    const last = sequencer.handle(message(1, 'queued-2'));
    server.drop(1);
    first.resolve();
    await last;
    expect(started).toEqual(['1:first']);
    expect(server.closes).toEqual([]);
    expect([...sequencer.connections]).toEqual([]);
  });

  it('keeps running the queue of a connection that is closing but still there', async () => {
    const first = deferred();
    const { server, sequencer, started } = setup((frame) =>
      frame.data === 'first' ? first.promise : undefined,
    );
    sequencer.handle(message(1, 'first'));
    const last = sequencer.handle(message(1, 'queued'));
    server.closeConnection(1, 1000);
    first.resolve();
    await last;
    expect(started).toEqual(['1:first', '1:queued']);
  });
});
