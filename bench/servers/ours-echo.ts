/**
 * What ours-nest and ours-runtime do with a message, on the public WsServer API: a
 * `broadcast:` text goes to every connection, the topic commands subscribe and publish (see
 * topic-commands.ts), anything else is echoed to its sender. The received frame's flags go
 * along, so a message that came compressed leaves compressed (and a compressed broadcast is
 * compressed once for every peer without context takeover).
 */
import { type Frame, WEBSOCKET_OPCODE_TEXT, type WsServer } from '../../src/index.js';
import { isBroadcast } from './broadcast-prefix.js';
import { BENCH_TOPIC, topicCommand, topicsOf } from './topic-commands.js';

export type OurEcho = (frame: Frame) => void;

export function ourEcho(server: WsServer): OurEcho {
  const topics = topicsOf(server);
  return (frame) => {
    const payload = frame.payload;
    const isText = frame.opcode === WEBSOCKET_OPCODE_TEXT;
    if (isBroadcast(payload, isText)) {
      server.broadcast(payload, frame.opcode, frame.flags);
      return;
    }
    const command = topics ? topicCommand(payload, isText) : null;
    if (command === 'publish') {
      topics?.publish(BENCH_TOPIC, payload, frame.opcode, frame.flags);
      return;
    }
    // A subscription is acknowledged by its echo.
    if (command === 'subscribe') topics?.subscribe(frame.fd, BENCH_TOPIC);
    server.push(frame.fd, payload, frame.opcode, frame.flags);
  };
}
