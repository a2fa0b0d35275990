import type { ApplicationConfig, ExternalContextCreator } from '@nestjs/core';
import { WS_ROUTE_ARGS_METADATA } from '../decorators/ws-metadata.constants.js';
import type { RouteArgs } from './route-arg.interface.js';

/** The marker in the metadata key of a parameter decorator made with `createParamDecorator`. */
const CUSTOM_ROUTE_ARGS = '__customRouteArgs__';

/** Where Nest keeps each kind of enhancer on a class or method (`@UseGuards`, ...). */
const ENHANCER_KEYS = ['__guards__', '__interceptors__', '__pipes__', '__exceptionFilters__'];

/**
 * Whether a handler needs Nest's enhancer pipeline: it (or its class) declares guards,
 * interceptors, pipes or filters, a parameter has pipes or comes from `createParamDecorator`,
 * or the application registered global ones. A handler that needs none is called directly, synchronously: the pipeline would only add
 * promises, and its replies would then miss the write batch of the read that carried them.
 *
 * Global enhancers are read from the application config the context creator was built with;
 * when that cannot be found, the answer is "yes" (the full pipeline is always correct).
 */
export function needsEnhancerPipeline(
  instance: object,
  method: object,
  methodName: string,
  contextCreator: ExternalContextCreator,
): boolean {
  const owner = instance.constructor;
  if (
    ENHANCER_KEYS.some(
      (key) =>
        Reflect.getMetadata(key, method) !== undefined ||
        Reflect.getMetadata(key, owner) !== undefined,
    )
  ) {
    return true;
  }
  const args: RouteArgs = Reflect.getMetadata(WS_ROUTE_ARGS_METADATA, owner, methodName) ?? {};
  if (Object.values(args).some((arg) => (arg.pipes?.length ?? 0) > 0)) return true;
  // A decorator made with Nest's createParamDecorator runs its factory in the pipeline only.
  if (Object.keys(args).some((key) => key.includes(CUSTOM_ROUTE_ARGS))) return true;
  const config = applicationConfigOf(contextCreator);
  if (config === undefined) return true;
  return (
    config.getGlobalGuards().length > 0 ||
    config.getGlobalInterceptors().length > 0 ||
    config.getGlobalPipes().length > 0 ||
    config.getGlobalFilters().length > 0 ||
    config.getGlobalRequestGuards().length > 0 ||
    config.getGlobalRequestInterceptors().length > 0 ||
    config.getGlobalRequestPipes().length > 0 ||
    config.getGlobalRequestFilters().length > 0
  );
}

/** The application config behind a context creator (set by `ExternalContextCreator.fromContainer`). */
function applicationConfigOf(
  contextCreator: ExternalContextCreator,
): ApplicationConfig | undefined {
  const container = (
    contextCreator as unknown as { container?: { applicationConfig?: ApplicationConfig } }
  ).container;
  const config = container?.applicationConfig;
  return config && typeof config.getGlobalGuards === 'function' ? config : undefined;
}
