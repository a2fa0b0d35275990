import { BadRequestException, type ParamData } from '@nestjs/common';
import type { ParamsFactory } from '@nestjs/core';
import { WsParamType } from '../decorators/ws-param-type.enum.js';
import { WsRequest } from '../gateway/ws-request.js';
import { WsResponse } from '../gateway/ws-response.js';
import { Frame } from '../protocol/frame.js';

/**
 * Turns a parameter decorator into its value, from the handler's arguments: `[frame]` for
 * messages, `[request]` for open, `[fd]` for close/disconnect, `[request, response]` for
 * handshake, beforeHandshakeResponse and request.
 */
export class WsParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, data: ParamData | undefined, args: unknown[]): unknown {
    const [first, second] = args;
    switch (type as WsParamType) {
      case WsParamType.Fd:
        return fdOf(first);
      case WsParamType.Frame:
        return first instanceof Frame ? first : undefined;
      case WsParamType.Data:
        return dataOf(first);
      case WsParamType.Json:
        return pick(parseJson(dataOf(first)), data);
      case WsParamType.Request:
        return first instanceof WsRequest ? first : undefined;
      case WsParamType.Response:
        return second instanceof WsResponse ? second : undefined;
      default:
        return undefined;
    }
  }
}

function fdOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Frame || value instanceof WsRequest) return value.fd;
  return undefined;
}

function dataOf(value: unknown): string | Buffer | undefined {
  if (value instanceof Frame) return value.data;
  if (value instanceof WsRequest) return value.rawContent();
  return undefined;
}

/** JSON of a message; text that is not JSON is a client error (400), not a crash. */
function parseJson(data: string | Buffer | undefined): unknown {
  if (data === undefined) return undefined;
  try {
    return JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    throw new BadRequestException('message is not valid JSON');
  }
}

function pick(value: unknown, property: ParamData | undefined): unknown {
  if (typeof property !== 'string') return value;
  if (value === null || typeof value !== 'object') return undefined;
  return (value as Record<string, unknown>)[property];
}
