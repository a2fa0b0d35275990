import { createEventDecorator } from './ws-event.decorator-factory.js';

/**
 * A connection that never became a WebSocket closed (Swoole's `onDisconnect`): the method receives `(fd)`.
 */
export function OnDisconnect(): MethodDecorator {
  return createEventDecorator('disconnect');
}
