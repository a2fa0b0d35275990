import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Inject, Injectable, type INestApplicationContext } from '@nestjs/common';
import { of } from 'rxjs';
import WebSocket from 'ws';
import {
  OnBeforeHandshakeResponse,
  OnClose,
  OnDisconnect,
  OnHandshake,
  OnMessage,
  OnOpen,
  OnRequest,
  WsData,
  WsFd,
  WsFrame,
  WsGateway,
  WsJson,
  WsReq,
  WsRes,
} from '../../src/decorators/index.js';
import type { WsRequest } from '../../src/gateway/ws-request.js';
import type { WsResponse } from '../../src/gateway/ws-response.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { computeAcceptKey } from '../../src/protocol/accept-key.js';
import { Frame } from '../../src/protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import {
  Client,
  delay,
  httpGet,
  quietLogger,
  refusedUpgrade,
  startApp,
  waitFor,
} from './module-support.js';

const logs = quietLogger();
afterAll(() => logs.restore());

/** What the handlers saw, shared by the gateways of one app. */
@Injectable()
class Journal {
  readonly events: string[] = [];
}

@WsGateway('/events')
@Injectable()
class EventsGateway {
  constructor(
    @Inject(WsServer) private readonly server: WsServer,
    @Inject(Journal) private readonly journal: Journal,
  ) {}

  @OnBeforeHandshakeResponse()
  before(@WsReq() request: WsRequest, @WsRes() response: WsResponse): void {
    response.header('X-Before', request.server.path_info);
  }

  @OnOpen()
  open(@WsReq() request: WsRequest, @WsFd() fd: number): void {
    this.journal.events.push(`open:${fd}`);
    this.server.push(fd, `welcome ${request.get.name ?? ''}`);
  }

  @OnMessage()
  message(@WsFrame() frame: Frame, @WsData() data: string | Buffer, @WsFd() fd: number): unknown {
    // A plain @OnMessage() gets the pings too (open_websocket_ping_frame): ping() answers them.
    if (frame.opcode === WEBSOCKET_OPCODE_PING) return undefined;
    if (Buffer.isBuffer(data)) return Buffer.from(data).reverse();
    switch (data) {
      case 'frame':
        return { fd: frame.fd === fd, opcode: frame.opcode, same: frame.data === data };
      case 'buffer':
        return Buffer.from([1, 2, 3]);
      case 'object':
        return { hello: 'world' };
      case 'promise':
        return delay(10).then(() => 'resolved');
      case 'observable':
        return of(1, 2, 3);
      case 'reply-frame': {
        const reply = new Frame();
        reply.opcode = WEBSOCKET_OPCODE_BINARY;
        reply.data = Buffer.from('as a frame');
        return reply;
      }
      case 'nothing':
        return undefined;
      default:
        return `text:${data}`;
    }
  }

  @OnMessage(WEBSOCKET_OPCODE_PING)
  ping(@WsFrame() frame: Frame): string {
    return `ping:${frame.payload.toString()}`;
  }

  @OnClose()
  close(@WsFd() fd: number): void {
    this.journal.events.push(`close:${fd}`);
  }

  @OnRequest()
  request(
    @WsReq() request: WsRequest,
    @WsRes() response: WsResponse,
    @WsData() body: Buffer,
  ): void {
    response.header('Content-Type', 'text/plain');
    response.end(
      `http ${request.server.request_method} ${request.server.path_info} ${String(body)}`,
    );
  }

  @OnDisconnect()
  disconnect(@WsFd() fd: number): void {
    this.journal.events.push(`disconnect:${fd}`);
  }
}

@WsGateway('/json')
@Injectable()
class JsonGateway {
  @OnMessage()
  json(@WsJson('name') name: unknown, @WsJson() whole: unknown): unknown {
    return { name, whole };
  }
}

@WsGateway('/custom')
@Injectable()
class CustomHandshakeGateway {
  constructor(@Inject(Journal) private readonly journal: Journal) {}

  @OnHandshake()
  handshake(@WsReq() request: WsRequest, @WsRes() response: WsResponse): void {
    if (request.get.refuse !== undefined) {
      response.status(418);
      response.end('no');
      return;
    }
    response.status(101);
    response.header('Upgrade', 'websocket');
    response.header('Connection', 'Upgrade');
    response.header('Sec-WebSocket-Accept', computeAcceptKey(request.header['sec-websocket-key']));
    response.header('X-Custom', 'yes');
    response.end();
  }

  @OnOpen()
  open(): void {
    this.journal.events.push('custom-open');
  }

  @OnMessage()
  message(@WsData() data: string): string {
    return `custom:${data}`;
  }
}

@WsGateway('/order')
@Injectable()
class OrderGateway {
  @OnMessage()
  async message(@WsData() data: string): Promise<string> {
    if (data.startsWith('slow')) await delay(80);
    return data;
  }
}

describe('module decorators end to end', () => {
  let app: INestApplicationContext;
  let base: string;
  let journal: Journal;

  beforeAll(async () => {
    const started = await startApp(
      {
        providers: [Journal, EventsGateway, JsonGateway, CustomHandshakeGateway, OrderGateway],
      },
      { settings: { open_websocket_ping_frame: true } },
    );
    app = started.app;
    base = `127.0.0.1:${started.port}`;
    journal = app.get(Journal);
  });

  afterAll(async () => {
    await app.close();
  });

  it('@OnBeforeHandshakeResponse adds headers; @OnOpen gets the request and the fd', async () => {
    const client = new Client(new WebSocket(`ws://${base}/events?name=ann`));
    const headers = await new Promise<Record<string, unknown>>((resolve) =>
      client.ws.once('upgrade', (response) => resolve(response.headers)),
    );
    expect(headers['x-before']).toBe('/events');
    expect((await client.next()).text).toBe('welcome ann');
    expect(journal.events.some((event) => event.startsWith('open:'))).toBe(true);
    await client.close();
  });

  it('@OnMessage with @WsFrame, @WsData and @WsFd; return values are pushed by type', async () => {
    const client = await Client.open(`ws://${base}/events`);
    expect((await client.next()).text).toBe('welcome ');

    client.ws.send('frame');
    expect(await client.json()).toEqual({ fd: true, opcode: WEBSOCKET_OPCODE_TEXT, same: true });

    client.ws.send('hello');
    expect(await client.next()).toMatchObject({ text: 'text:hello', isBinary: false });

    client.ws.send('buffer');
    const binary = await client.next();
    expect(binary.isBinary).toBe(true);
    expect([...binary.data]).toEqual([1, 2, 3]);

    client.ws.send(Buffer.from([9, 8, 7]));
    const reversed = await client.next();
    expect(reversed.isBinary).toBe(true);
    expect([...reversed.data]).toEqual([7, 8, 9]);

    client.ws.send('object');
    const object = await client.next();
    expect(object.isBinary).toBe(false);
    expect(JSON.parse(object.text)).toEqual({ hello: 'world' });

    client.ws.send('promise');
    expect((await client.next()).text).toBe('resolved');

    client.ws.send('reply-frame');
    expect(await client.next()).toMatchObject({ text: 'as a frame', isBinary: true });

    client.ws.send('nothing');
    client.ws.send('observable');
    expect(await client.texts(3)).toEqual(['1', '2', '3']);

    await delay(30);
    expect(client.received).toHaveLength(11);
    await client.close();
  });

  it('@OnMessage(opcode) gets only that opcode (a ping, with open_websocket_ping_frame)', async () => {
    const client = await Client.open(`ws://${base}/events`);
    await client.next();
    client.ws.ping('p1');
    expect((await client.next()).text).toBe('ping:p1');
    await client.close();
  });

  it('@OnClose gets the fd of the closed WebSocket', async () => {
    const client = await Client.open(`ws://${base}/events`);
    await client.next();
    const opened = journal.events.filter((event) => event.startsWith('open:')).at(-1) ?? '';
    const fd = opened.slice('open:'.length);
    await client.close();
    await waitFor(() => journal.events.includes(`close:${fd}`), 'the close event');
  });

  it('@OnRequest answers plain HTTP on the same port, with the body as @WsData', async () => {
    const response = await httpGet(`http://${base}/events/x`, 'POST', 'payload');
    expect(response.status).toBe(200);
    expect(response.body).toBe('http POST /events/x payload');
  });

  it('@OnRequest: a path no gateway with @OnRequest covers gets 404', async () => {
    expect((await httpGet(`http://${base}/json`)).status).toBe(404);
  });

  it('@OnDisconnect fires when a plain HTTP connection closes', async () => {
    const before = journal.events.filter((event) => event.startsWith('disconnect:')).length;
    await httpGet(`http://${base}/events`);
    await waitFor(
      () => journal.events.filter((event) => event.startsWith('disconnect:')).length > before,
      'the disconnect event',
    );
  });

  it('@WsJson() parses the message; @WsJson(property) picks one property', async () => {
    const client = await Client.open(`ws://${base}/json`);
    client.ws.send(JSON.stringify({ name: 'bob', n: 1 }));
    expect(await client.json()).toEqual({ name: 'bob', whole: { name: 'bob', n: 1 } });
    client.ws.send(Buffer.from('{"name":"bin"}'));
    expect(await client.json()).toEqual({ name: 'bin', whole: { name: 'bin' } });
    await client.close();
  });

  it('@OnHandshake replaces the built-in handshake on its path, and @OnOpen is not called', async () => {
    const client = new Client(new WebSocket(`ws://${base}/custom`));
    const headers = await new Promise<Record<string, unknown>>((resolve) =>
      client.ws.once('upgrade', (response) => resolve(response.headers)),
    );
    expect(headers['x-custom']).toBe('yes');
    await waitFor(() => client.ws.readyState === client.ws.OPEN, 'the open');
    client.ws.send('hi');
    expect((await client.next()).text).toBe('custom:hi');
    expect(journal.events).not.toContain('custom-open');
    await client.close();
  });

  it('@OnHandshake may refuse with its own status', async () => {
    expect(await refusedUpgrade(`ws://${base}/custom?refuse`)).toEqual({ status: 418, body: 'no' });
  });

  it('replies to one connection in message order even when the first handler is slower', async () => {
    const client = await Client.open(`ws://${base}/order`);
    client.ws.send('slow-1');
    client.ws.send('fast-2');
    client.ws.send('fast-3');
    expect(await client.texts(3)).toEqual(['slow-1', 'fast-2', 'fast-3']);
    await client.close();
  });

  it('connections do not wait for each other', async () => {
    const slow = await Client.open(`ws://${base}/order`);
    const fast = await Client.open(`ws://${base}/order`);
    slow.ws.send('slow');
    await delay(5);
    fast.ws.send('fast');
    expect((await fast.next()).text).toBe('fast');
    expect(slow.received).toHaveLength(0);
    expect((await slow.next()).text).toBe('slow');
    await Promise.all([slow.close(), fast.close()]);
  });
});

@WsGateway('/a')
@Injectable()
class GatewayA {
  readonly opened: number[] = [];
  readonly closed: number[] = [];

  @OnOpen() open(@WsFd() fd: number): void {
    this.opened.push(fd);
  }

  @OnMessage() message(@WsData() data: string): string {
    return `a:${data}`;
  }

  @OnClose() close(@WsFd() fd: number): void {
    this.closed.push(fd);
  }
}

@WsGateway({ path: '/b' })
@Injectable()
class GatewayB {
  readonly opened: number[] = [];
  readonly closed: number[] = [];

  @OnOpen() open(@WsFd() fd: number): void {
    this.opened.push(fd);
  }

  @OnMessage() message(@WsData() data: string): string {
    return `b:${data}`;
  }

  @OnClose() close(@WsFd() fd: number): void {
    this.closed.push(fd);
  }
}

describe('path scoping end to end', () => {
  let app: INestApplicationContext;
  let base: string;

  beforeAll(async () => {
    const started = await startApp({ providers: [GatewayA, GatewayB] });
    app = started.app;
    base = `127.0.0.1:${started.port}`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('two gateways on one port each see only their own connections', async () => {
    const a = await Client.open(`ws://${base}/a`);
    const b = await Client.open(`ws://${base}/b/room?x=1`);
    a.ws.send('1');
    b.ws.send('2');
    expect((await a.next()).text).toBe('a:1');
    expect((await b.next()).text).toBe('b:2');
    await delay(20);
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);

    const gatewayA = app.get(GatewayA);
    const gatewayB = app.get(GatewayB);
    expect(gatewayA.opened).toHaveLength(1);
    expect(gatewayB.opened).toHaveLength(1);
    expect(gatewayA.opened[0]).not.toBe(gatewayB.opened[0]);

    await a.close();
    await waitFor(() => gatewayA.closed.length === 1, 'the close on /a');
    expect(gatewayB.closed).toEqual([]);
    await b.close();
    await waitFor(() => gatewayB.closed.length === 1, 'the close on /b');
    expect(gatewayA.closed).toEqual(gatewayA.opened);
    expect(gatewayB.closed).toEqual(gatewayB.opened);
  });

  it('an upgrade to a path no gateway serves gets 404', async () => {
    expect((await refusedUpgrade(`ws://${base}/c`)).status).toBe(404);
    expect((await refusedUpgrade(`ws://${base}/ab`)).status).toBe(404);
  });

  it('without any @OnRequest, plain HTTP gets 400', async () => {
    expect((await httpGet(`http://${base}/a`)).status).toBe(400);
  });
});
