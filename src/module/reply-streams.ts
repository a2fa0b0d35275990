import type { Observable, Subscription } from 'rxjs';
import type { WsServer } from '../gateway/ws-server.service.js';
import { pushReply } from './ws-reply.util.js';

/** What reply streams need of the server: whether a connection takes pushes, and pushing. */
export type ReplyStreamServer = Pick<WsServer, 'isEstablished' | 'push'>;

/**
 * The Observables returned by message handlers, still pushing to their connections: every value
 * a stream emits is pushed to the connection of the message that returned it, until the stream
 * completes, fails, or the connection closes (`stop`).
 */
export class ReplyStreams {
  private readonly streams = new Map<number, Set<Subscription>>();

  constructor(private readonly server: ReplyStreamServer) {}

  /** The connections with a stream still open. */
  get connections(): IterableIterator<number> {
    return this.streams.keys();
  }

  /**
   * Pushes each value of `stream` to connection `fd`; nothing when the connection takes no
   * pushes any more. `onFault` gets the stream's error, or the error of a value that cannot be
   * sent (then the stream is stopped): the caller applies the error rule. Neither ever
   * escapes into rxjs, which would hand it to the process.
   */
  start(fd: number, stream: Observable<unknown>, onFault: (error: unknown) => void): void {
    if (!this.server.isEstablished(fd)) return;
    const subscriptions = this.streams.get(fd) ?? new Set<Subscription>();
    this.streams.set(fd, subscriptions);
    // Filled in once `subscribe` returns: a synchronous Observable completes before that.
    const current: { subscription?: Subscription } = {};
    let done = false;
    const finish = (): void => {
      done = true;
      if (current.subscription) {
        current.subscription.unsubscribe();
        subscriptions.delete(current.subscription);
      }
      if (subscriptions.size === 0 && this.streams.get(fd) === subscriptions)
        this.streams.delete(fd);
    };
    const subscription = stream.subscribe({
      next: (value) => {
        if (done) return;
        try {
          pushReply(this.server, fd, value);
        } catch (error) {
          finish();
          onFault(error);
        }
      },
      error: (error: unknown) => {
        finish();
        onFault(error);
      },
      complete: finish,
    });
    if (done) {
      subscription.unsubscribe();
      return;
    }
    current.subscription = subscription;
    subscriptions.add(subscription);
  }

  /** A closed connection's streams stop: nothing could be pushed to it any more. */
  stop(fd: number): void {
    const subscriptions = this.streams.get(fd);
    if (!subscriptions) return;
    this.streams.delete(fd);
    for (const subscription of subscriptions) subscription.unsubscribe();
  }
}
