import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Catch,
  createParamDecorator,
  Inject,
  Injectable,
  UnauthorizedException,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplicationContext,
  type NestInterceptor,
} from '@nestjs/common';
import { IsInt, IsString, Min } from 'class-validator';
import { map, type Observable } from 'rxjs';
import {
  OnHandshake,
  OnMessage,
  OnOpen,
  WsData,
  WsGateway,
  WsJson,
  WsReq,
  WsRes,
} from '../../src/decorators/index.js';
import type { WsRequest } from '../../src/gateway/ws-request.js';
import type { WsResponse } from '../../src/gateway/ws-response.js';
import { Frame } from '../../src/protocol/frame.js';
import { Client, quietLogger, refusedUpgrade, startApp } from './module-support.js';
import { WS_NO_REPLY } from '../../src/module/ws-reply.util.js';

const logs = quietLogger();
afterAll(() => logs.restore());

/** What the guards saw. */
@Injectable()
class Seen {
  readonly types: string[] = [];
  readonly clients: unknown[] = [];
}

/** Refuses messages whose text is "forbidden"; records the context type and client. */
@Injectable()
class MessageGuard implements CanActivate {
  constructor(@Inject(Seen) private readonly seen: Seen) {}

  canActivate(context: ExecutionContext): boolean {
    this.seen.types.push(context.getType());
    const client = context.switchToWs().getClient<unknown>();
    this.seen.clients.push(client);
    return !(client instanceof Frame && client.data === 'forbidden');
  }
}

/** Refuses upgrades without `?token=ok`: 403 without a token, 401 for a wrong one. */
@Injectable()
class TokenGuard implements CanActivate {
  constructor(@Inject(Seen) private readonly seen: Seen) {}

  canActivate(context: ExecutionContext): boolean {
    this.seen.types.push(context.getType());
    const request = context.switchToWs().getClient<WsRequest>();
    const token = request.get.token;
    if (token === undefined) return false;
    if (token !== 'ok') throw new UnauthorizedException('bad token');
    return true;
  }
}

@WsGateway('/guarded')
@Injectable()
class GuardedGateway {
  @UseGuards(MessageGuard)
  @OnMessage()
  message(@WsData() data: string): string {
    return `ok:${data}`;
  }
}

@WsGateway('/open-guard')
@Injectable()
class OpenGuardGateway {
  opened = 0;

  @UseGuards(TokenGuard)
  @OnOpen()
  open(): void {
    this.opened++;
  }

  @OnMessage()
  message(@WsData() data: string): string {
    return `open-guard:${data}`;
  }
}

@WsGateway('/handshake-guard')
@Injectable()
class HandshakeGuardGateway {
  @UseGuards(TokenGuard)
  @OnHandshake()
  handshake(@WsReq() _request: WsRequest, @WsRes() response: WsResponse): void {
    response.status(200);
    response.end('should not run');
  }

  @OnMessage()
  message(): void {}
}

class CreateMessageDto {
  @IsString()
  text!: string;

  @IsInt()
  @Min(1)
  priority!: number;
}

@WsGateway('/validated')
@Injectable()
class ValidatedGateway {
  @UsePipes(new ValidationPipe({ transform: true }))
  @OnMessage()
  create(@WsJson() dto: CreateMessageDto): unknown {
    return { created: dto instanceof CreateMessageDto, text: dto.text, priority: dto.priority };
  }
}

@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => ({ wrapped: value, type: context.getType() })));
  }
}

@WsGateway('/intercepted')
@Injectable()
class InterceptedGateway {
  @UseInterceptors(WrapInterceptor)
  @OnMessage()
  message(@WsData() data: string): string {
    return data.toUpperCase();
  }
}

class RecoverableError extends Error {}

@Catch(RecoverableError)
class RecoverFilter implements ExceptionFilter {
  catch(error: RecoverableError, host: ArgumentsHost): unknown {
    if (error.message === 'silent') return WS_NO_REPLY;
    const frame = host.switchToWs().getClient<Frame>();
    return { recovered: error.message, from: frame.data, type: host.getType() };
  }
}

@WsGateway('/filtered')
@UseFilters(RecoverFilter)
@Injectable()
class FilteredGateway {
  @OnMessage()
  message(@WsData() data: string): string {
    throw new RecoverableError(data === 'silent' ? 'silent' : `failed on ${data}`);
  }
}

/** A parameter decorator made with Nest's own createParamDecorator: the frame's text, shouted. */
const Shouted = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  String(context.switchToWs().getClient<Frame>().data).toUpperCase(),
);

@WsGateway('/custom-param')
@Injectable()
class CustomParamGateway {
  @OnMessage()
  message(@Shouted() text: string): string {
    return `heard ${text}`;
  }
}

describe('Nest enhancers on WebSocket handlers', () => {
  let app: INestApplicationContext;
  let base: string;
  let seen: Seen;

  beforeAll(async () => {
    const started = await startApp({
      providers: [
        Seen,
        MessageGuard,
        TokenGuard,
        GuardedGateway,
        OpenGuardGateway,
        HandshakeGuardGateway,
        ValidatedGateway,
        InterceptedGateway,
        FilteredGateway,
        CustomParamGateway,
      ],
    });
    app = started.app;
    base = `127.0.0.1:${started.port}`;
    seen = app.get(Seen);
  });

  afterAll(async () => {
    await app.close();
  });

  it('a guard on @OnMessage that refuses: a 403 error reply, and the connection stays open', async () => {
    const client = await Client.open(`ws://${base}/guarded`);
    client.ws.send('forbidden');
    expect(await client.json()).toEqual({
      event: 'error',
      status: 403,
      message: 'Forbidden resource',
    });
    client.ws.send('allowed');
    expect((await client.next()).text).toBe('ok:allowed');
    expect(client.closed).toBeUndefined();
    await client.close();
  });

  it("a guard sees getType() === 'ws' and the Frame as switchToWs().getClient()", async () => {
    seen.types.length = 0;
    seen.clients.length = 0;
    const client = await Client.open(`ws://${base}/guarded`);
    client.ws.send('look');
    await client.next();
    expect(seen.types).toEqual(['ws']);
    expect(seen.clients[0]).toBeInstanceOf(Frame);
    expect((seen.clients[0] as Frame).data).toBe('look');
    await client.close();
  });

  it('a guard on @OnOpen refusing: HTTP 403 before the upgrade', async () => {
    const gateway = app.get(OpenGuardGateway);
    const before = gateway.opened;
    expect((await refusedUpgrade(`ws://${base}/open-guard`)).status).toBe(403);
    expect(gateway.opened).toBe(before);
  });

  it('a guard on @OnOpen throwing UnauthorizedException: HTTP 401', async () => {
    expect((await refusedUpgrade(`ws://${base}/open-guard?token=bad`)).status).toBe(401);
  });

  it('a guard on @OnOpen that allows: the connection opens and @OnOpen runs once', async () => {
    const gateway = app.get(OpenGuardGateway);
    const before = gateway.opened;
    seen.types.length = 0;
    const client = await Client.open(`ws://${base}/open-guard?token=ok`);
    client.ws.send('x');
    expect((await client.next()).text).toBe('open-guard:x');
    expect(gateway.opened).toBe(before + 1);
    expect(seen.types).toEqual(['ws']);
    await client.close();
  });

  it('a guard on @OnHandshake refusing: HTTP 403, or 401 for UnauthorizedException', async () => {
    expect((await refusedUpgrade(`ws://${base}/handshake-guard`)).status).toBe(403);
    expect((await refusedUpgrade(`ws://${base}/handshake-guard?token=no`)).status).toBe(401);
    expect(await refusedUpgrade(`ws://${base}/handshake-guard?token=ok`)).toEqual({
      status: 200,
      body: 'should not run',
    });
  });

  it('ValidationPipe with a class-validator DTO: 400 error reply for invalid, handler runs for valid', async () => {
    const client = await Client.open(`ws://${base}/validated`);
    client.ws.send(JSON.stringify({ text: 5, priority: 0 }));
    const error = (await client.json()) as { event: string; status: number; message: string[] };
    expect(error.event).toBe('error');
    expect(error.status).toBe(400);
    expect(error.message).toEqual(
      expect.arrayContaining(['text must be a string', 'priority must not be less than 1']),
    );
    client.ws.send(JSON.stringify({ text: 'hi', priority: 2 }));
    expect(await client.json()).toEqual({ created: true, text: 'hi', priority: 2 });
    expect(client.closed).toBeUndefined();
    await client.close();
  });

  it('invalid JSON for @WsJson: a 400 error reply, and the connection stays open', async () => {
    const client = await Client.open(`ws://${base}/validated`);
    client.ws.send('{not json');
    expect(await client.json()).toEqual({
      event: 'error',
      status: 400,
      message: 'message is not valid JSON',
    });
    client.ws.send(JSON.stringify({ text: 'still', priority: 1 }));
    expect(await client.json()).toMatchObject({ text: 'still' });
    await client.close();
  });

  it('a parameter decorator made with createParamDecorator gets its value', async () => {
    const client = await Client.open(`ws://${base}/custom-param`);
    client.ws.send('hello');
    expect((await client.next()).text).toBe('heard HELLO');
    await client.close();
  });

  it('an interceptor maps the result before it is pushed', async () => {
    const client = await Client.open(`ws://${base}/intercepted`);
    client.ws.send('abc');
    expect(await client.json()).toEqual({ wrapped: 'ABC', type: 'ws' });
    await client.close();
  });

  it('an exception filter returning a value has it pushed; WS_NO_REPLY sends nothing', async () => {
    const client = await Client.open(`ws://${base}/filtered`);
    client.ws.send('silent');
    client.ws.send('x');
    expect(await client.json()).toEqual({ recovered: 'failed on x', from: 'x', type: 'ws' });
    expect(client.received).toHaveLength(1);
    expect(client.closed).toBeUndefined();
    await client.close();
  });
});
