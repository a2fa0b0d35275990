import { createEventDecorator } from './ws-event.decorator-factory.js';

/**
 * A WebSocket connection closed (Swoole's `onClose`): the method receives `(fd)`.
 */
export function OnClose(): MethodDecorator {
  return createEventDecorator('close');
}
