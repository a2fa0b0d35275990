import 'reflect-metadata';
import {
  WS_EVENT_HANDLERS_METADATA,
  type WsEventHandlerMetadata,
  type WsEventName,
} from './ws-metadata.constants.js';

/**
 * Builds a method decorator that binds the method to a server event. A method may carry several
 * (e.g. `@OnMessage(WEBSOCKET_OPCODE_PING) @OnMessage(WEBSOCKET_OPCODE_PONG)`).
 */
export function createEventDecorator(event: WsEventName, opcode?: number): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const method = descriptor.value as object;
    const existing: WsEventHandlerMetadata[] =
      Reflect.getMetadata(WS_EVENT_HANDLERS_METADATA, method) ?? [];
    const binding: WsEventHandlerMetadata = opcode === undefined ? { event } : { event, opcode };
    Reflect.defineMetadata(WS_EVENT_HANDLERS_METADATA, [...existing, binding], method);
    return descriptor;
  };
}
