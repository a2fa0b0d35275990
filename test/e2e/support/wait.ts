import type { EventEmitter } from 'node:events';
import type { WsLogger } from '../../../src/gateway/ws-logger.interface.js';

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles like `promise`, or rejects after `ms` with a message naming `what`; never leaks the timer. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The arguments of the next `event` of `emitter`, within `ms`. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string,
  ms = 3000,
): Promise<T> {
  let listener: ((...args: unknown[]) => void) | undefined;
  const promise = new Promise<T>((resolve) => {
    listener = (...args: unknown[]) => resolve(args as T);
    emitter.once(event, listener);
  });
  return withTimeout(promise, ms, `event "${event}"`).finally(() => {
    if (listener) emitter.off(event, listener);
  });
}

/** Polls `check` every 10 ms until it returns true, failing after `ms`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  ms = 3000,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(10);
  }
}

/** A queue of values pushed by callbacks, read in order with a timeout. */
export class Inbox<T> {
  readonly items: T[] = [];
  private read = 0;

  push = (item: T): void => {
    this.items.push(item);
  };

  /** The next unread item, waiting up to `ms` for it. */
  async next(ms = 3000): Promise<T> {
    await waitUntil(() => this.items.length > this.read, ms, 'the next item');
    return this.items[this.read++];
  }

  /** How many items arrived. */
  get size(): number {
    return this.items.length;
  }
}

/** A logged error or warning. */
export interface LoggedEntry {
  level: 'error' | 'warn';
  message: string;
  error?: unknown;
}

/** A logger that records what the server reports instead of printing it. */
export function captureLogger(): { logger: WsLogger; entries: LoggedEntry[] } {
  const entries: LoggedEntry[] = [];
  return {
    entries,
    logger: {
      error: (message, error) => void entries.push({ level: 'error', message, error }),
      warn: (message) => void entries.push({ level: 'warn', message }),
    },
  };
}
