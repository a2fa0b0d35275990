import type { LoggerService, WsMessageHandler } from '@nestjs/common';
import { isObservable, type Observable, type Subscription } from 'rxjs';
import type {
  WsMessageData,
  WsMessageParser,
  WsParsedMessage,
} from './adapter-options.interface.js';
import type { ClientMessageRoute, SwooleWsClient } from './swoole-ws-client.js';
import { isPromiseLike } from '../gateway/promise-like.util.js';

/** Where a router reads the parser in use, so `setMessageParser()` applies to open connections. */
export interface MessageParserSource {
  readonly messageParser: WsMessageParser;
  /** Whether the parser is the built-in JSON one (its failures are the client's, not logged). */
  readonly usesDefaultParser: boolean;
}

/** platform-ws's format: `{ "event": ..., "data": ... }` as JSON, text or binary. */
export const defaultMessageParser: WsMessageParser = (data: WsMessageData) =>
  JSON.parse(data.toString()) as WsParsedMessage;

/**
 * Routes one client's messages to one gateway's `@SubscribeMessage` handlers, the way
 * platform-ws does: parse, pick the handler by `event`, call it with `(data, event)`, and send
 * what it returns back as JSON text (a Promise's value, each value of an Observable; `null` and
 * `undefined` send nothing). Unparsable messages and unknown events are dropped without an
 * answer. Replies go out as they are ready, so a slow handler does not hold up a fast one.
 *
 * Nest hands the adapter a `transform` that wraps each result in an Observable; the router
 * unwraps the result the same way (await the Promise, subscribe to an Observable) without
 * building one per message.
 */
export class GatewayMessageRouter implements ClientMessageRoute {
  /** Observables still sending replies: ended when the connection closes. */
  private readonly streams = new Set<Subscription>();

  constructor(
    private readonly handlers: ReadonlyMap<string, WsMessageHandler>,
    private readonly parser: MessageParserSource,
    private readonly logger: LoggerService,
  ) {}

  route(client: SwooleWsClient, data: WsMessageData): void {
    const message = this.parse(data);
    if (!message) return;
    const handler = this.handlers.get(message.event);
    if (handler === undefined) return;
    let result: unknown;
    try {
      result = handler.callback(message.data, message.event);
    } catch (error) {
      // Nest's handler wrapper is async and never throws; a throw here is a bug worth seeing.
      this.logger.error(error);
      return;
    }
    this.reply(client, result);
  }

  dispose(): void {
    for (const subscription of this.streams) subscription.unsubscribe();
    this.streams.clear();
  }

  private parse(data: WsMessageData): WsParsedMessage | null {
    try {
      return this.parser.messageParser(data) ?? null;
    } catch (error) {
      // Invalid JSON from a client is the client's problem (logging it would let anyone flood
      // the log); a custom parser that throws is the application's, so it is reported.
      if (!this.parser.usesDefaultParser) this.logger.error(error);
      return null;
    }
  }

  private reply(client: SwooleWsClient, result: unknown): void {
    if (isObservable(result)) return this.stream(client, result);
    if (!isPromiseLike(result)) return this.send(client, result);
    result.then(
      (value) => (isObservable(value) ? this.stream(client, value) : this.send(client, value)),
      // An error that an exception filter rethrew: Nest left it to the adapter.
      (error: unknown) => this.logger.error(error),
    );
  }

  private stream(client: SwooleWsClient, values: Observable<unknown>): void {
    // As platform-ws's `takeUntil(close)`: nothing is subscribed for a closed connection.
    if (client.readyState === client.CLOSED) return;
    let subscription: Subscription | undefined = undefined;
    const finished = (): void => void (subscription && this.streams.delete(subscription));
    subscription = values.subscribe({
      next: (value) => this.send(client, value),
      error: (error: unknown) => {
        finished();
        this.logger.error(error);
      },
      complete: finished,
    });
    // A synchronous Observable has completed before `subscribe` returns.
    if (!subscription.closed) this.streams.add(subscription);
  }

  private send(client: SwooleWsClient, value: unknown): void {
    if (value === null || value === undefined) return;
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      this.logger.error(error);
      return;
    }
    // A refusal on an open connection (a reply over buffer_output_size, or a full output
    // buffer under `drop`) is reported; on a closing one the reply has nowhere to go.
    if (!client.sendText(text) && client.readyState === client.OPEN) {
      this.logger.warn(
        `reply to fd ${client.fd} not sent: larger than buffer_output_size, or the output buffer is full`,
      );
    }
  }
}
