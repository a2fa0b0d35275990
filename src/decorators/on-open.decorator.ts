import { createEventDecorator } from './ws-event.decorator-factory.js';

/**
 * A WebSocket connection is open (Swoole's `onOpen`): the method receives `(request)`. A guard on it refuses the connection before the upgrade (401/403).
 */
export function OnOpen(): MethodDecorator {
  return createEventDecorator('open');
}
