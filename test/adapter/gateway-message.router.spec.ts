import { describe, expect, it, jest } from '@jest/globals';
import type { LoggerService, WsMessageHandler } from '@nestjs/common';
import { Subject, of, throwError } from 'rxjs';
import type { WsMessageParser } from '../../src/adapter/adapter-options.interface.js';
import {
  defaultMessageParser,
  GatewayMessageRouter,
} from '../../src/adapter/gateway-message.router.js';
import { SwooleWsClient } from '../../src/adapter/swoole-ws-client.js';
import { RecordingWsServer } from './fixtures/recording-ws-server.js';

/** A logger that records instead of printing. */
function recordingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: unknown) =>
    void lines.push(`${level} ${message instanceof Error ? message.message : String(message)}`);
  return { lines, log: record('log'), error: record('error'), warn: record('warn') };
}

function setup(
  callbacks: Record<string, (data: unknown, event: string) => unknown>,
  parser: WsMessageParser = defaultMessageParser,
) {
  const engine = new RecordingWsServer();
  const client = new SwooleWsClient(1, engine.asWsServer, '');
  const logger = recordingLogger();
  const handlers = new Map<string, WsMessageHandler>(
    Object.entries(callbacks).map(([message, callback]) => [
      message,
      { message, callback: callback as WsMessageHandler['callback'], isAckHandledManually: false },
    ]),
  );
  const source = { messageParser: parser, usesDefaultParser: parser === defaultMessageParser };
  const router = new GatewayMessageRouter(handlers, source, logger);
  const sent = () => engine.calls.map((call) => (call.op === 'push' ? String(call.data) : call.op));
  return { engine, client, logger, router, sent };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GatewayMessageRouter', () => {
  it('calls the handler of the event with (data, event) and sends its value back as JSON', async () => {
    const echo = jest.fn((data: unknown, _event: string) =>
      Promise.resolve({ event: 'echo', data }),
    );
    const { client, router, sent } = setup({ echo });
    router.route(client, '{"event":"echo","data":{"a":1}}');
    router.route(client, Buffer.from('{"event":"echo","data":2}'));
    await settle();
    expect(echo).toHaveBeenNthCalledWith(1, { a: 1 }, 'echo');
    expect(sent()).toEqual(['{"event":"echo","data":{"a":1}}', '{"event":"echo","data":2}']);
  });

  it('sends plain values, each value of an Observable, and nothing for null or undefined', async () => {
    const { client, router, sent } = setup({
      plain: () => 'text',
      none: () => Promise.resolve(undefined),
      nil: () => null,
      stream: () => of(1, 2),
      later: () => Promise.resolve(of('a')),
    });
    for (const event of ['plain', 'none', 'nil', 'stream', 'later']) {
      router.route(client, JSON.stringify({ event }));
    }
    await settle();
    expect(sent()).toEqual(['"text"', '1', '2', '"a"']);
  });

  it('drops invalid JSON, non-objects and unknown events, logging nothing', async () => {
    const handler = jest.fn();
    const { client, router, sent, logger } = setup({ known: handler });
    for (const data of ['nope', 'null', '5', '{"event":"unknown"}', '{"data":1}']) {
      router.route(client, data);
    }
    await settle();
    expect(handler).not.toHaveBeenCalled();
    expect(sent()).toEqual([]);
    expect(logger.lines).toEqual([]);
  });

  it("logs a custom parser's error, and drops what it returns nothing for", async () => {
    const handler = jest.fn();
    const parser: WsMessageParser = (data) => {
      if (data === 'skip') return undefined;
      throw new Error('parser bug');
    };
    const { client, router, logger } = setup({ known: handler }, parser);
    router.route(client, 'skip');
    router.route(client, 'anything');
    expect(handler).not.toHaveBeenCalled();
    expect(logger.lines).toEqual(['error parser bug']);
  });

  it('logs a rejection (an exception a filter rethrew) and a failing stream', async () => {
    const { client, router, logger } = setup({
      rejects: () => Promise.reject(new Error('rethrown')),
      throws: () => {
        throw new Error('sync');
      },
      failing: () => throwError(() => new Error('stream failed')),
    });
    for (const event of ['rejects', 'throws', 'failing']) {
      router.route(client, JSON.stringify({ event }));
    }
    await settle();
    expect(logger.lines.sort()).toEqual(['error rethrown', 'error stream failed', 'error sync']);
  });

  it('logs a value JSON cannot hold, and a reply the engine refused on an open connection', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const { engine, client, router, logger } = setup({
      circular: () => circular,
      big: () => 'x',
    });
    router.route(client, '{"event":"circular"}');
    engine.accepts = false;
    router.route(client, '{"event":"big"}');
    await settle();
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[0]).toMatch(/^error .*circular/i);
    expect(logger.lines[1]).toMatch(/^warn reply to fd 1 not sent/);
  });

  it('ends open streams when disposed, and starts none on a closed connection', async () => {
    const values = new Subject<number>();
    const { client, router, sent } = setup({ live: () => values });
    router.route(client, '{"event":"live"}');
    values.next(1);
    router.dispose();
    values.next(2);
    expect(values.observed).toBe(false);
    client.closed();
    router.route(client, '{"event":"live"}');
    await settle();
    expect(values.observed).toBe(false);
    expect(sent()).toEqual(['1']);
  });
});
