import { describe, expect, it } from '@jest/globals';
import { Observable, Subject, of, throwError } from 'rxjs';
import { ReplyStreams } from '../../src/module/reply-streams.js';
import { RecordingWsServer } from './support/recording-ws-server.js';

/** Collects what a stream's owner is told went wrong. */
function faults(): { errors: unknown[]; onFault: (error: unknown) => void } {
  const errors: unknown[] = [];
  return { errors, onFault: (error) => errors.push(error) };
}

/** An Observable that reports whether it is subscribed, around a Subject the test drives. */
function watched<T>(): {
  source: Subject<T>;
  stream: Observable<T>;
  state: { subscribed: number; tornDown: number };
} {
  const source = new Subject<T>();
  const state = { subscribed: 0, tornDown: 0 };
  const stream = new Observable<T>((subscriber) => {
    state.subscribed++;
    const inner = source.subscribe(subscriber);
    return () => {
      state.tornDown++;
      inner.unsubscribe();
    };
  });
  return { source, stream, state };
}

describe('ReplyStreams', () => {
  it('pushes each value of a stream to its connection, as replies, until it completes', () => {
    const server = new RecordingWsServer().open(1).open(2);
    const streams = new ReplyStreams(server);
    const { source, stream, state } = watched<unknown>();
    const { errors, onFault } = faults();
    streams.start(1, stream, onFault);
    expect([...streams.connections]).toEqual([1]);

    source.next('one');
    source.next({ n: 2 });
    source.next(undefined); // nothing to send
    source.complete();
    source.next('after'); // the Subject is done: nothing more arrives

    expect(server.pushedTo(1)).toEqual(['one', '{"n":2}']);
    expect(server.pushedTo(2)).toEqual([]);
    expect(state.tornDown).toBe(1);
    expect(errors).toEqual([]);
    expect([...streams.connections]).toEqual([]);
  });

  it('stops every stream of a connection when it closes, and only those', () => {
    const server = new RecordingWsServer().open(1).open(2);
    const streams = new ReplyStreams(server);
    const first = watched<string>();
    const second = watched<string>();
    const other = watched<string>();
    const { onFault } = faults();
    streams.start(1, first.stream, onFault);
    streams.start(1, second.stream, onFault);
    streams.start(2, other.stream, onFault);
    expect([...streams.connections].sort()).toEqual([1, 2]);

    streams.stop(1);
    first.source.next('lost');
    second.source.next('lost');
    other.source.next('kept');

    expect(first.state.tornDown).toBe(1);
    expect(second.state.tornDown).toBe(1);
    expect(other.state.tornDown).toBe(0);
    expect(server.pushedTo(1)).toEqual([]);
    expect(server.pushedTo(2)).toEqual(['kept']);
    expect([...streams.connections]).toEqual([2]);
    streams.stop(2);
    expect(other.state.tornDown).toBe(1);
    expect([...streams.connections]).toEqual([]);
  });

  it("hands a stream error to the owner and keeps the connection's other streams", () => {
    const server = new RecordingWsServer().open(1);
    const streams = new ReplyStreams(server);
    const failing = watched<string>();
    const healthy = watched<string>();
    const { errors, onFault } = faults();
    streams.start(1, failing.stream, onFault);
    streams.start(1, healthy.stream, onFault);

    const boom = new Error('stream failed');
    failing.source.next('before');
    failing.source.error(boom);
    healthy.source.next('still here');

    expect(errors).toEqual([boom]);
    expect(failing.state.tornDown).toBe(1);
    expect(server.pushedTo(1)).toEqual(['before', 'still here']);
    expect([...streams.connections]).toEqual([1]);
    healthy.source.complete();
    expect([...streams.connections]).toEqual([]);
  });

  it('stops a stream whose value cannot be sent, and reports it', () => {
    const server = new RecordingWsServer().open(1);
    const streams = new ReplyStreams(server);
    const { source, stream, state } = watched<unknown>();
    const { errors, onFault } = faults();
    streams.start(1, stream, onFault);

    source.next(10n); // JSON.stringify throws on a BigInt
    source.next('never sent');

    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect(state.tornDown).toBe(1);
    expect(server.pushedTo(1)).toEqual([]);
    expect([...streams.connections]).toEqual([]);
  });

  it('handles a synchronous Observable that completes before subscribe returns', () => {
    const server = new RecordingWsServer().open(1);
    const streams = new ReplyStreams(server);
    let tornDown = 0;
    const stream = new Observable<string>((subscriber) => {
      subscriber.next('a');
      subscriber.next('b');
      subscriber.complete();
      return () => tornDown++;
    });
    const { errors, onFault } = faults();
    streams.start(1, stream, onFault);
    streams.start(1, of('c'), onFault);

    expect(server.pushedTo(1)).toEqual(['a', 'b', 'c']);
    expect(tornDown).toBe(1);
    expect(errors).toEqual([]);
    expect([...streams.connections]).toEqual([]);
  });

  it('reports a synchronous Observable that fails before subscribe returns', () => {
    const server = new RecordingWsServer().open(1);
    const streams = new ReplyStreams(server);
    const boom = new Error('at once');
    const { errors, onFault } = faults();
    streams.start(
      1,
      throwError(() => boom),
      onFault,
    );
    expect(errors).toEqual([boom]);
    expect([...streams.connections]).toEqual([]);
  });

  it('does not subscribe for a connection that takes no pushes', () => {
    const server = new RecordingWsServer().open(1);
    server.closeConnection(1, 1000);
    const streams = new ReplyStreams(server);
    const { stream, state } = watched<string>();
    streams.start(1, stream, faults().onFault);
    streams.start(7, stream, faults().onFault);
    expect(state.subscribed).toBe(0);
    expect([...streams.connections]).toEqual([]);
  });

  it('ignores stop for a connection without streams', () => {
    const streams = new ReplyStreams(new RecordingWsServer().open(1));
    expect(() => streams.stop(1)).not.toThrow();
    expect([...streams.connections]).toEqual([]);
  });
});
