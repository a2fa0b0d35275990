import { createEventDecorator } from './ws-event.decorator-factory.js';

/**
 * Runs before the built-in handshake answers (Swoole's `onBeforeHandshakeResponse`): the method receives `(request, response)` and may add headers to the 101 with `response.header()`.
 */
export function OnBeforeHandshakeResponse(): MethodDecorator {
  return createEventDecorator('beforeHandshakeResponse');
}
