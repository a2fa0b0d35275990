import 'reflect-metadata';
import type { PipeTransform, Type } from '@nestjs/common';
import { WS_ROUTE_ARGS_METADATA } from './ws-metadata.constants.js';
import type { WsParamType } from './ws-param-type.enum.js';

/** A pipe given to a parameter decorator: a class or an instance. */
export type WsParamPipe = Type<PipeTransform> | PipeTransform;

/** One parameter's entry, in the shape Nest's `ExternalContextCreator` reads. */
interface RouteArgEntry {
  index: number;
  data: string | undefined;
  pipes: WsParamPipe[];
}

/**
 * Builds a parameter decorator that records `type` for the parameter's position, with an
 * optional property name and pipes, under Nest's route-arguments metadata key.
 */
export function createParamDecorator(
  type: WsParamType,
  data?: string,
  pipes: WsParamPipe[] = [],
): ParameterDecorator {
  return (target, key, index) => {
    if (key === undefined) return;
    const owner = target.constructor;
    const existing: Record<string, RouteArgEntry> =
      Reflect.getMetadata(WS_ROUTE_ARGS_METADATA, owner, key) ?? {};
    const entry: RouteArgEntry = { index, data, pipes };
    Reflect.defineMetadata(
      WS_ROUTE_ARGS_METADATA,
      { ...existing, [`${type}:${index}`]: entry },
      owner,
      key,
    );
  };
}

/** Splits `(propertyOrPipe?, ...pipes)` arguments the way Nest's own decorators accept them. */
export function splitDataAndPipes(
  dataOrPipe: string | WsParamPipe | undefined,
  pipes: WsParamPipe[],
): [string | undefined, WsParamPipe[]] {
  if (dataOrPipe === undefined || typeof dataOrPipe === 'string') return [dataOrPipe, pipes];
  return [undefined, [dataOrPipe, ...pipes]];
}
