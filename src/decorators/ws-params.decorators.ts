import {
  createParamDecorator,
  splitDataAndPipes,
  type WsParamPipe,
} from './ws-param.decorator-factory.js';
import { WsParamType } from './ws-param-type.enum.js';

/** The connection's fd, in any handler. */
export function WsFd(...pipes: WsParamPipe[]): ParameterDecorator {
  return createParamDecorator(WsParamType.Fd, undefined, pipes);
}

/** The received `Frame` (`@OnMessage`). */
export function WsFrame(...pipes: WsParamPipe[]): ParameterDecorator {
  return createParamDecorator(WsParamType.Frame, undefined, pipes);
}

/** The frame's data: a string for text, a Buffer for binary (or an HTTP request's body). */
export function WsData(...pipes: WsParamPipe[]): ParameterDecorator {
  return createParamDecorator(WsParamType.Data, undefined, pipes);
}

/**
 * The message parsed as JSON, or one property of it (`@WsJson('room')`). Give it a DTO type and
 * a `ValidationPipe` to validate it. Text that is not JSON is answered as a 400 error (see the
 * error rule in the README), never a crash.
 */
export function WsJson(
  property?: string | WsParamPipe,
  ...pipes: WsParamPipe[]
): ParameterDecorator {
  const [data, allPipes] = splitDataAndPipes(property, pipes);
  return createParamDecorator(WsParamType.Json, data, allPipes);
}

/** The `WsRequest` (handshake, open and request handlers). */
export function WsReq(): ParameterDecorator {
  return createParamDecorator(WsParamType.Request);
}

/** The `WsResponse` (handshake, beforeHandshakeResponse and request handlers). */
export function WsRes(): ParameterDecorator {
  return createParamDecorator(WsParamType.Response);
}
