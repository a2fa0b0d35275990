import 'reflect-metadata';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  Controller,
  Inject,
  Injectable,
  Logger,
  Module,
  Scope,
  UseGuards,
  type CanActivate,
  type INestApplicationContext,
} from '@nestjs/common';
import { DiscoveryModule, REQUEST } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { of } from 'rxjs';
import {
  OnClose,
  OnHandshake,
  OnMessage,
  OnOpen,
  OnRequest,
  WsGateway,
} from '../../src/decorators/index.js';
import { WsHandlerExplorer } from '../../src/module/ws-handler.explorer.js';
import { Frame } from '../../src/protocol/frame.js';
import { WEBSOCKET_OPCODE_PING } from '../../src/protocol/opcode.constants.js';

@Injectable()
class FirstGateway {
  @OnOpen() open(): void {}
  @OnMessage() first(): string {
    return 'first';
  }
  @OnMessage(WEBSOCKET_OPCODE_PING) ping(): void {}
  notAHandler(): void {}
}

@WsGateway('/second')
@Injectable()
class SecondGateway {
  @OnMessage() second(): string {
    return 'second';
  }
  @OnClose() close(): void {}
}

@Module({ providers: [SecondGateway] })
class SecondModule {}

@Controller()
class HttpController {
  @OnRequest() request(): void {}
}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedGateway {
  @OnMessage() scoped(): void {}
}

@Injectable()
class DependsOnRequest {
  constructor(@Inject(REQUEST) readonly request: unknown) {}
  @OnMessage() implicit(): void {}
}

@Injectable()
class AllowNothing implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Injectable()
class Streams {
  @OnMessage() stream() {
    return of(1, 2, 3);
  }
  @OnHandshake() handshake(): void {}
}

@Injectable()
class PlainService {
  value = 1;
}

describe('WsHandlerExplorer', () => {
  let app: INestApplicationContext | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    jest.restoreAllMocks();
  });

  async function explore(
    providers: unknown[],
    imports: unknown[] = [],
    controllers: unknown[] = [],
  ): Promise<ReturnType<WsHandlerExplorer['explore']>> {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule, ...(imports as [])],
      providers: [WsHandlerExplorer, ...(providers as [])],
      controllers: controllers as [],
    }).compile();
    app = await moduleRef.init();
    return app.get(WsHandlerExplorer).explore();
  }

  it('finds decorated methods across modules, providers and controllers', async () => {
    const handlers = await explore([FirstGateway, PlainService], [SecondModule], [HttpController]);
    const names = handlers.map((handler) => `${handler.event}:${handler.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'open:FirstGateway.open',
        'message:FirstGateway.first',
        'message:FirstGateway.ping',
        'message:SecondGateway.second',
        'close:SecondGateway.close',
        'request:HttpController.request',
      ]),
    );
    expect(handlers).toHaveLength(6);
  });

  it('records the opcode and the gateway path', async () => {
    const handlers = await explore([FirstGateway], [SecondModule]);
    const ping = handlers.find((handler) => handler.name === 'FirstGateway.ping');
    expect(ping?.opcode).toBe(WEBSOCKET_OPCODE_PING);
    expect(ping?.path).toBeUndefined();
    const second = handlers.find((handler) => handler.name === 'SecondGateway.second');
    expect(second?.opcode).toBeUndefined();
    expect(second?.path).toBe('/second');
  });

  it('keeps the discovery order: providers in registration order, methods in declaration order', async () => {
    const handlers = await explore([FirstGateway, Streams]);
    const messageHandlers = handlers
      .filter((handler) => handler.event === 'message')
      .map((handler) => handler.name);
    expect(messageHandlers).toEqual(['FirstGateway.first', 'FirstGateway.ping', 'Streams.stream']);
  });

  it('skips request-scoped providers (explicit or implicit) with a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const handlers = await explore([FirstGateway, RequestScopedGateway, DependsOnRequest]);
    const names = handlers.map((handler) => handler.name);
    expect(names).not.toContain('RequestScopedGateway.scoped');
    expect(names).not.toContain('DependsOnRequest.implicit');
    expect(names).toContain('FirstGateway.first');
    const warnings = warn.mock.calls.map((call) => String(call[0]));
    expect(warnings.some((text) => text.includes('RequestScopedGateway'))).toBe(true);
    expect(warnings.some((text) => text.includes('DependsOnRequest'))).toBe(true);
  });

  it('wraps each method so that running it calls the method', async () => {
    const handlers = await explore([FirstGateway]);
    const first = handlers.find((handler) => handler.name === 'FirstGateway.first');
    expect(await first?.run(new Frame())).toBe('first');
  });

  it('hands a message handler’s Observable back as is, so every value can be pushed', async () => {
    const handlers = await explore([Streams]);
    const stream = handlers.find((handler) => handler.event === 'message');
    const result = await stream?.run(new Frame());
    const values: unknown[] = [];
    (result as ReturnType<Streams['stream']>).subscribe((value) => values.push(value));
    expect(values).toEqual([1, 2, 3]);
  });

  it('gives no separate guard to handlers without enhancers (they are called directly)', async () => {
    const handlers = await explore([FirstGateway, Streams]);
    expect(handlers.length).toBeGreaterThan(0);
    for (const handler of handlers) expect(handler.guard).toBeUndefined();
  });

  it('calls a handler without enhancers synchronously, through the pipeline otherwise', async () => {
    @Injectable()
    class Mixed {
      @OnMessage() plain(): string {
        return 'plain';
      }
      @UseGuards(AllowNothing)
      @OnOpen()
      guarded(): void {}
    }
    const handlers = await explore([Mixed, AllowNothing]);
    const plain = handlers.find((handler) => handler.event === 'message');
    const guarded = handlers.find((handler) => handler.event === 'open');
    expect(plain?.run()).toBe('plain');
    expect(typeof guarded?.guard).toBe('function');
    expect(guarded?.run()).toBeInstanceOf(Promise);
  });

  it('the separate guard runs the guards only, not the method', async () => {
    const calls: string[] = [];
    @Injectable()
    class Guarded {
      @UseGuards(AllowNothing)
      @OnOpen()
      open(): void {
        calls.push('open');
      }
      @OnMessage() message(): void {}
    }
    const handlers = await explore([Guarded, AllowNothing]);
    const open = handlers.find((handler) => handler.event === 'open');
    await expect(open?.guard?.()).rejects.toMatchObject({ status: 403 });
    expect(calls).toEqual([]);
    await open?.run();
    expect(calls).toEqual(['open']);
  });

  it('finds nothing in an application without handlers', async () => {
    expect(await explore([PlainService])).toEqual([]);
  });
});
