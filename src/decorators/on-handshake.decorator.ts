import { createEventDecorator } from './ws-event.decorator-factory.js';

/**
 * Replaces the built-in handshake (Swoole's `onHandshake`): the method receives `(request, response)` and must set status 101 and `end()` the response, else the handshake fails. When present, `@OnOpen` handlers are not called.
 */
export function OnHandshake(): MethodDecorator {
  return createEventDecorator('handshake');
}
