import type { ParamData } from '@nestjs/common';
import type { ParamsFactory } from '@nestjs/core';
import { WS_ROUTE_ARGS_METADATA } from '../decorators/ws-metadata.constants.js';
import type { RouteArgs } from './route-arg.interface.js';

type Method = (...args: unknown[]) => unknown;

/**
 * Calls a handler that needs no enhancer directly, with its parameter decorators resolved by the
 * params factory, synchronously: the result (or the error) is there at once. Without parameter
 * decorators the handler gets Swoole's raw arguments.
 */
export function createDirectInvoker(
  instance: object,
  method: Method,
  methodName: string,
  paramsFactory: ParamsFactory,
): Method {
  const args: RouteArgs =
    Reflect.getMetadata(WS_ROUTE_ARGS_METADATA, instance.constructor, methodName) ?? {};
  const entries = Object.entries(args).map(([key, arg]) => ({
    type: Number(key.split(':')[0]),
    index: arg.index,
    data: arg.data,
  }));
  if (entries.length === 0) return (...raw: unknown[]) => method.apply(instance, raw);
  const length = Math.max(method.length, ...entries.map((entry) => entry.index + 1));
  return (...raw: unknown[]) => {
    const resolved = new Array<unknown>(length);
    for (const entry of entries)
      resolved[entry.index] = paramsFactory.exchangeKeyForValue(
        entry.type,
        entry.data as ParamData,
        raw,
      );
    return method.apply(instance, resolved);
  };
}
