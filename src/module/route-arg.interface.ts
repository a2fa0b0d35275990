import type { ParamData } from '@nestjs/common';
import type { WsParamPipe } from '../decorators/ws-param.decorator-factory.js';

/**
 * One parameter's entry in the route-arguments metadata (`__routeArguments__`), as Nest's
 * `ExternalContextCreator` reads it and as the parameter decorators write it: the entries of a
 * method are keyed `${paramType}:${index}`.
 */
export interface RouteArg {
  /** The parameter's position in the method's signature. */
  index: number;
  /** What the decorator was given, e.g. the property `@Json('name')` picks. */
  data?: ParamData;
  /** The pipes the decorator was given, run on this parameter only. */
  pipes?: WsParamPipe[];
}

/** A method's route-arguments metadata: every decorated parameter, by `${paramType}:${index}`. */
export type RouteArgs = Record<string, RouteArg>;
