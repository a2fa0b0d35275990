import { createEventDecorator } from './ws-event.decorator-factory.js';

/**
 * A plain HTTP request on the server's port (Swoole's `onRequest`): the method receives `(request, response)`. Without any, plain requests get 400.
 */
export function OnRequest(): MethodDecorator {
  return createEventDecorator('request');
}
