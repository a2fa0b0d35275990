import type { Frame } from '../protocol/frame.js';
import { isPromiseLike } from './promise-like.util.js';
import type { WsConnection } from './ws-connection.js';
import type { WsLogger } from './ws-logger.interface.js';
import type { WsServerEvent, WsServerEventHandlers } from './ws-server-events.interface.js';

/**
 * The handlers of Swoole's events (`on(event, handler)`), and how they are run: a handler's
 * throw or rejection is logged and never reaches the process; a message handler still working
 * (a promise) counts against its connection's bound of waiting messages.
 */
export class ServerEvents {
  private readonly handlers: Partial<WsServerEventHandlers> = {};

  constructor(private readonly logger: WsLogger) {}

  /** Registers the handler of an event, replacing any earlier one (as Swoole's `on()`). */
  on<E extends WsServerEvent>(event: E, handler: WsServerEventHandlers[E]): void {
    this.handlers[event] = handler;
  }

  /** The handler of an event, if any. */
  handler<E extends WsServerEvent>(event: E): WsServerEventHandlers[E] | undefined {
    return this.handlers[event];
  }

  has(event: WsServerEvent): boolean {
    return this.handlers[event] !== undefined;
  }

  /** Hands a received frame to the `message` handler. */
  message(connection: WsConnection, frame: Frame): void {
    const handler = this.handlers.message;
    if (handler === undefined) return;
    let result: unknown;
    try {
      result = handler(frame);
    } catch (error) {
      this.logger.error('"message" handler failed', error);
      return;
    }
    if (isPromiseLike(result)) {
      connection.handlerBusy(frame.payload.length, result, (error) =>
        this.logger.error('"message" handler failed', error),
      );
    }
  }

  /** Runs a handler (or a deferred callback) without waiting; a throw or rejection is logged. */
  fire(event: WsServerEvent | 'defer', run: () => unknown): void {
    try {
      const result = run();
      if (isPromiseLike(result))
        result.then(undefined, (error: unknown) =>
          this.logger.error(`"${event}" handler failed`, error),
        );
    } catch (error) {
      this.logger.error(`"${event}" handler failed`, error);
    }
  }

  /** Runs a handler and waits for it; a failure is logged. */
  async run(event: WsServerEvent, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.logger.error(`"${event}" handler failed`, error);
    }
  }
}
