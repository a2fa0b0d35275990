import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type CanActivate,
  HttpException,
  Injectable,
  type INestApplicationContext,
  UseGuards,
} from '@nestjs/common';
import { OnClose, OnMessage, OnOpen, WsGateway } from '../../src/decorators/index.js';
import { WsServerLifecycle } from '../../src/module/ws-server.lifecycle.js';
import type { Frame } from '../../src/protocol/frame.js';
import { clientFrame } from './support/frames.js';
import { RawClient } from './support/raw-client.js';
import { Client, delay, quietLogger, startApp, waitFor } from './module-support.js';

let app: INestApplicationContext | undefined;
const clients: Array<{ destroy(): void }> = [];
let logs: ReturnType<typeof quietLogger> | undefined;

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await app?.close();
  app = undefined;
  logs?.restore();
  logs = undefined;
});

async function rawClient(port: number, path: string): Promise<RawClient> {
  const raw = await RawClient.connect(port);
  clients.push(raw);
  await raw.handshake(path);
  return raw;
}

/** Counts handled messages, and those whose handling started after their connection closed. */
@WsGateway('/slow')
@Injectable()
class SlowGateway {
  handled = 0;
  afterClose = 0;
  readonly closed = new Set<number>();

  @OnMessage()
  async message(frame: Frame): Promise<void> {
    if (this.closed.has(frame.fd)) this.afterClose++;
    await delay(20);
    this.handled++;
  }

  @OnClose()
  close(fd: number): void {
    this.closed.add(fd);
  }
}

describe('messages waiting for a slow handler are bounded', () => {
  it('reading pauses while a connection has many messages waiting', async () => {
    const started = await startApp({ providers: [SlowGateway] });
    app = started.app;
    const slow = app.get(SlowGateway);
    const raw = await rawClient(started.port, '/slow');
    const message = clientFrame(0x1, 'm');
    raw.write(Buffer.concat(Array.from({ length: 20_000 }, () => message)));
    await delay(500);
    // Without a bound all 20,000 are read at once and queued behind the handler.
    const read = started.server.stats().messages_in;
    expect(read).toBeLessThan(500);
    expect(read).toBeGreaterThan(0);
    await waitFor(() => slow.handled >= read, 'the first messages to be handled', 5000);
    expect(started.server.stats().messages_in).toBeGreaterThan(read);
  });

  it('messages still waiting when the connection closes are dropped', async () => {
    const started = await startApp({ providers: [SlowGateway] });
    app = started.app;
    const slow = app.get(SlowGateway);
    const raw = await rawClient(started.port, '/slow');
    const message = clientFrame(0x1, 'm');
    raw.write(Buffer.concat(Array.from({ length: 40 }, () => message)));
    await waitFor(() => started.server.stats().messages_in === 40, 'the messages to be read');
    raw.socket.resetAndDestroy();
    await waitFor(() => slow.closed.size === 1, 'the close event');
    const handledAtClose = slow.handled;
    await delay(300);
    expect(slow.afterClose).toBe(0);
    expect(slow.handled - handledAtClose).toBeLessThanOrEqual(1);
  });
});

@WsGateway('/unserialisable')
@Injectable()
class UnserialisableErrorGateway {
  @OnMessage()
  async message(frame: Frame): Promise<string> {
    await delay(1);
    if (frame.data === 'bad') throw new HttpException({ message: 10n }, 400);
    return `ok ${String(frame.data)}`;
  }
}

describe('the error path itself failing', () => {
  it('an error whose reply cannot be serialised closes with 1011, no unhandled rejection', async () => {
    logs = quietLogger();
    const started = await startApp({ providers: [UnserialisableErrorGateway] });
    app = started.app;
    const url = `ws://127.0.0.1:${started.port}/unserialisable`;
    const client = await Client.open(url);
    clients.push({ destroy: () => client.ws.terminate() });
    client.ws.send('one');
    expect((await client.next()).text).toBe('ok one');
    client.ws.send('bad');
    client.ws.send('after');
    expect((await client.waitClose()).code).toBe(1011);
    expect(logs.errors.some((line) => line.includes('UnserialisableErrorGateway'))).toBe(true);
    const other = await Client.open(url);
    clients.push({ destroy: () => other.ws.terminate() });
    other.ws.send('two');
    expect((await other.next()).text).toBe('ok two');
  });
});

@Injectable()
class SlowGuard implements CanActivate {
  async canActivate(): Promise<boolean> {
    await delay(50);
    return true;
  }
}

@WsGateway('/a')
@Injectable()
class PathGatewayA {
  @OnOpen()
  @UseGuards(SlowGuard)
  open(): void {}

  @OnMessage()
  message(frame: Frame): string {
    return `a:${String(frame.data)}`;
  }
}

describe('per-connection state lives with the connection', () => {
  it('clients that leave during an upgrade guard leave nothing behind in the router', async () => {
    const started = await startApp({ providers: [PathGatewayA, SlowGuard] });
    app = started.app;
    for (let i = 0; i < 20; i++) {
      const raw = await RawClient.connect(started.port);
      raw.write(
        'GET /a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      raw.destroy();
    }
    await delay(200);
    const client = await Client.open(`ws://127.0.0.1:${started.port}/a`);
    client.ws.send('x');
    expect((await client.next()).text).toBe('a:x');
    await client.close();
    await waitFor(
      () => started.server.stats().connection_num === 0,
      `every connection to close: ${JSON.stringify(started.server.stats())}`,
    );
    const lifecycle = started.app.get(WsServerLifecycle);
    expect(lifecycle.router?.trackedConnections).toBe(0);
  });
});
