import { createEventDecorator } from './ws-event.decorator-factory.js';

/**
 * A message arrived (Swoole's `onMessage`): the method receives `(frame)`. Without an opcode it
 * handles every frame the server delivers, as Swoole's single onMessage: text and binary
 * messages, plus ping, pong and close frames (a `CloseFrame`) when the matching
 * `open_websocket_*_frame` setting is on. With an opcode, only frames of that opcode. What the
 * method returns (a value, a Promise, or an Observable: each value) is pushed back to the sender.
 *
 * At least one `@OnMessage` handler must exist, as in Swoole, or the application does not start.
 */
export function OnMessage(opcode?: number): MethodDecorator {
  return createEventDecorator('message', opcode);
}
