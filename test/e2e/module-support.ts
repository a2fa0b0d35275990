import 'reflect-metadata';
import { Logger, type INestApplicationContext, type ModuleMetadata } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { createTestingServer } from '../../src/testing/create-testing-server.js';
import type { WsServerModuleOptions } from '../../src/module/ws-server-module-options.interface.js';

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 5 ms until it is true; fails after `ms`. */
export async function waitFor(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** Silences Nest's logger for the test and records what it would have written. */
export function quietLogger(): { errors: string[]; restore: () => void } {
  const errors: string[] = [];
  const saved = {
    error: Logger.prototype.error,
    warn: Logger.prototype.warn,
    log: Logger.prototype.log,
    staticError: Logger.error,
  };
  Logger.prototype.error = function (...args: unknown[]) {
    errors.push(args.map((arg) => (arg instanceof Error ? arg.stack : String(arg))).join(' '));
  };
  Logger.error = (...args: unknown[]) => {
    errors.push(args.map(String).join(' '));
  };
  Logger.prototype.warn = () => undefined;
  Logger.prototype.log = () => undefined;
  return {
    errors,
    restore: () => {
      Logger.prototype.error = saved.error;
      Logger.prototype.warn = saved.warn;
      Logger.prototype.log = saved.log;
      Logger.error = saved.staticError;
    },
  };
}

/**
 * A test module with the WebSocket module on 127.0.0.1, a free port, and the given metadata:
 * the package's own `createTestingServer` (nest-swoole-ws/testing). Closing `app` closes it.
 */
export async function startApp(
  metadata: ModuleMetadata,
  options: WsServerModuleOptions = {},
): Promise<{ app: INestApplicationContext; port: number; server: WsServer }> {
  const { app, port, server } = await createTestingServer(metadata, options);
  return { app, port, server };
}

/** One received message. */
export interface Received {
  text: string;
  isBinary: boolean;
  data: Buffer;
}

/** A `ws` client that records what it receives. */
export class Client {
  readonly received: Received[] = [];
  closed: { code: number; reason: string } | undefined;
  private read = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary: boolean) =>
      this.received.push({ data, isBinary, text: data.toString('utf8') }),
    );
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString('utf8') };
    });
  }

  static async open(url: string, protocols?: string | string[]): Promise<Client> {
    const client = new Client(new WebSocket(url, protocols));
    await new Promise<void>((resolve, reject) => {
      client.ws.once('open', () => resolve());
      client.ws.once('error', reject);
      client.ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`unexpected response ${response.statusCode ?? '?'}`)),
      );
    });
    return client;
  }

  /** The next unread message. */
  async next(ms = 2000): Promise<Received> {
    await waitFor(() => this.received.length > this.read, 'a message', ms);
    return this.received[this.read++];
  }

  /** The next `count` unread messages as text. */
  async texts(count: number, ms = 2000): Promise<string[]> {
    const texts: string[] = [];
    for (let i = 0; i < count; i++) texts.push((await this.next(ms)).text);
    return texts;
  }

  /** The next message parsed as JSON. */
  async json(ms = 2000): Promise<unknown> {
    return JSON.parse((await this.next(ms)).text) as unknown;
  }

  async waitClose(ms = 2000): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed !== undefined, 'the close', ms);
    return this.closed as { code: number; reason: string };
  }

  /** Closes (if still open) and waits for the close to finish. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const done = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    if (this.ws.readyState !== WebSocket.CLOSING) this.ws.close();
    await done;
  }
}

/** The HTTP status a refused upgrade got, and its body. */
export async function refusedUpgrade(url: string): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', () => undefined);
    ws.once('unexpected-response', (request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
      });
    });
  });
}

/** A plain HTTP request: status, headers and body. */
export function httpGet(
  url: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          headers: response.headers,
        }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}
