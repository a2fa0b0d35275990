import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { type ArgumentMetadata, type PipeTransform, ParseIntPipe } from '@nestjs/common';
import {
  WS_ROUTE_ARGS_METADATA,
  WsData,
  WsFd,
  WsFrame,
  WsJson,
  WsParamType,
  WsReq,
  WsRes,
} from '../../src/decorators/index.js';

class UpperPipe implements PipeTransform {
  transform(value: unknown, _metadata: ArgumentMetadata): unknown {
    return typeof value === 'string' ? value.toUpperCase() : value;
  }
}

const upper = new UpperPipe();

class Gateway {
  message(
    @WsFd() _fd: number,
    @WsFrame() _frame: unknown,
    @WsData(UpperPipe) _data: string,
    @WsJson() _json: unknown,
  ): void {}

  json(@WsJson('room') _room: string, @WsJson('count', ParseIntPipe, upper) _count: number): void {}

  jsonPipe(@WsJson(upper) _whole: unknown): void {}

  http(@WsReq() _request: unknown, @WsRes() _response: unknown): void {}

  fdPipes(@WsFd(ParseIntPipe, upper) _fd: number): void {}
}

type Entries = Record<string, { index: number; data: string | undefined; pipes: unknown[] }>;

function argsOf(method: keyof Gateway): Entries {
  return Reflect.getMetadata(WS_ROUTE_ARGS_METADATA, Gateway, method) as Entries;
}

describe('parameter decorators', () => {
  it("store their entries under Nest's '__routeArguments__' key", () => {
    expect(WS_ROUTE_ARGS_METADATA).toBe('__routeArguments__');
  });

  it('key each parameter by `${type}:${index}`, with its index, data and pipes', () => {
    expect(argsOf('message')).toEqual({
      [`${WsParamType.Fd}:0`]: { index: 0, data: undefined, pipes: [] },
      [`${WsParamType.Frame}:1`]: { index: 1, data: undefined, pipes: [] },
      [`${WsParamType.Data}:2`]: { index: 2, data: undefined, pipes: [UpperPipe] },
      [`${WsParamType.Json}:3`]: { index: 3, data: undefined, pipes: [] },
    });
  });

  it('@WsJson(property, ...pipes) records the property and the pipes in order', () => {
    expect(argsOf('json')).toEqual({
      [`${WsParamType.Json}:0`]: { index: 0, data: 'room', pipes: [] },
      [`${WsParamType.Json}:1`]: { index: 1, data: 'count', pipes: [ParseIntPipe, upper] },
    });
  });

  it('@WsJson(pipe) takes a pipe instance as the first argument, without a property', () => {
    expect(argsOf('jsonPipe')).toEqual({
      [`${WsParamType.Json}:0`]: { index: 0, data: undefined, pipes: [upper] },
    });
  });

  it('@WsReq() and @WsRes() record the request and response types', () => {
    expect(argsOf('http')).toEqual({
      [`${WsParamType.Request}:0`]: { index: 0, data: undefined, pipes: [] },
      [`${WsParamType.Response}:1`]: { index: 1, data: undefined, pipes: [] },
    });
  });

  it('@WsFd(...pipes) records several pipes', () => {
    expect(argsOf('fdPipes')[`${WsParamType.Fd}:0`].pipes).toEqual([ParseIntPipe, upper]);
  });

  it('keeps the metadata of each method apart', () => {
    expect(Object.keys(argsOf('http'))).toHaveLength(2);
    expect(Object.keys(argsOf('jsonPipe'))).toHaveLength(1);
  });

  it('numbers the types as the params factory expects', () => {
    expect([
      WsParamType.Fd,
      WsParamType.Frame,
      WsParamType.Data,
      WsParamType.Json,
      WsParamType.Request,
      WsParamType.Response,
    ]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('ignores a decorator on a constructor parameter', () => {
    class WithCtor {
      constructor(@WsFd() readonly fd: number) {}
    }
    expect(Reflect.getMetadataKeys(WithCtor)).not.toContain(WS_ROUTE_ARGS_METADATA);
  });
});
