import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, ExternalContextCreator, MetadataScanner } from '@nestjs/core';
import {
  WS_EVENT_HANDLERS_METADATA,
  WS_GATEWAY_METADATA,
  WS_ROUTE_ARGS_METADATA,
  type WsEventHandlerMetadata,
} from '../decorators/ws-metadata.constants.js';
import type { WsGatewayOptions } from '../decorators/ws-gateway.decorator.js';
import type { WsBoundHandler } from './ws-handler.interface.js';
import { WsParamsFactory } from './ws-params.factory.js';
import { createDirectInvoker } from './ws-direct.invoker.js';
import { needsEnhancerPipeline } from './ws-enhancer.inspector.js';

type Method = (...args: unknown[]) => unknown;

/** Events whose guards run before the upgrade, to refuse it with an HTTP status. */
const GUARDED_BEFORE_UPGRADE = new Set(['handshake', 'open']);

/**
 * Finds every method carrying an event decorator, on any provider or controller of any module,
 * and wraps it with Nest's `ExternalContextCreator` (context type `'ws'`), so guards, pipes,
 * interceptors and exception filters apply as they do on HTTP routes.
 *
 * Order: modules in Nest's discovery order, providers in registration order, methods in
 * declaration order. Request-scoped (non-static) providers are skipped with a warning: the
 * server's events have no request scope.
 */
@Injectable()
export class WsHandlerExplorer {
  private readonly logger = new Logger('WsServerModule');
  private readonly paramsFactory = new WsParamsFactory();
  /**
   * The same context creator, except that an Observable result is handed back as is: Nest's
   * own turns it into its last value (`lastValueFrom`), and a message handler's Observable must
   * push every value it emits. Only for `message` handlers, whose router subscribes to it.
   */
  private readonly streamingContextCreator: ExternalContextCreator;

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(ExternalContextCreator) private readonly contextCreator: ExternalContextCreator,
  ) {
    this.streamingContextCreator = Object.create(contextCreator) as ExternalContextCreator;
    this.streamingContextCreator.transformToResult = (result: unknown) => Promise.resolve(result);
  }

  explore(): WsBoundHandler[] {
    const seen = new Set<object>();
    const handlers: WsBoundHandler[] = [];
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      const found = this.exploreInstance(instance);
      if (found.length === 0) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(
          `${wrapper.name}: request-scoped providers cannot handle server events; skipped`,
        );
        continue;
      }
      handlers.push(...found);
    }
    return handlers;
  }

  private exploreInstance(instance: object): WsBoundHandler[] {
    const prototype = Object.getPrototypeOf(instance) as object;
    const gateway: WsGatewayOptions =
      Reflect.getMetadata(WS_GATEWAY_METADATA, instance.constructor) ?? {};
    const handlers: WsBoundHandler[] = [];
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[methodName] as Method;
      const bindings: WsEventHandlerMetadata[] =
        Reflect.getMetadata(WS_EVENT_HANDLERS_METADATA, method) ?? [];
      for (const binding of bindings) {
        handlers.push(this.bind(instance, method, methodName, binding, gateway.path));
      }
    }
    return handlers;
  }

  private bind(
    instance: object,
    method: Method,
    methodName: string,
    binding: WsEventHandlerMetadata,
    path: string | undefined,
  ): WsBoundHandler {
    const guardedEarly = GUARDED_BEFORE_UPGRADE.has(binding.event);
    const direct = !needsEnhancerPipeline(instance, method, methodName, this.contextCreator);
    const handler: WsBoundHandler = {
      ...binding,
      path,
      name: `${instance.constructor.name}.${methodName}`,
      run: direct
        ? createDirectInvoker(instance, method, methodName, this.paramsFactory)
        : this.wrap(
            instance,
            method,
            methodName,
            { guards: !guardedEarly, interceptors: true, filters: true },
            binding.event === 'message',
          ),
    };
    if (guardedEarly && !direct) {
      handler.guard = this.wrap(instance, guardOnly(method), methodName, {
        guards: true,
        interceptors: false,
        filters: false,
      });
    }
    return handler;
  }

  private wrap(
    instance: object,
    method: Method,
    methodName: string,
    options: { guards: boolean; interceptors: boolean; filters: boolean },
    streaming = false,
  ): (...args: unknown[]) => Promise<unknown> {
    const creator = streaming ? this.streamingContextCreator : this.contextCreator;
    return creator.create(
      instance,
      method,
      methodName,
      WS_ROUTE_ARGS_METADATA,
      this.paramsFactory,
      undefined,
      undefined,
      options,
      'ws',
    );
  }
}

/**
 * A stand-in for a method that carries the method's metadata (so its guards are found) but does
 * nothing: running it through the context creator runs the guards alone.
 */
function guardOnly(method: Method): Method {
  const stub: Method = () => true;
  for (const key of Reflect.getMetadataKeys(method)) {
    Reflect.defineMetadata(key, Reflect.getMetadata(key, method), stub);
  }
  return stub;
}
