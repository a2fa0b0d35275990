/**
 * Bench server (b): our runtime without Nest. `WsServer` with one message handler: the same
 * code path as the Nest module minus discovery, the enhancer pipeline and the event router.
 */
import { WsServer } from '../../src/gateway/ws-server.service.js';
import { WEBSOCKET_OPCODE_TEXT } from '../../src/protocol/opcode.constants.js';
import type { Frame } from '../../src/protocol/frame.js';
import { isBroadcast } from './broadcast-prefix.js';
import { BENCH_HOST, compressionRequested, serveControlChannel } from './server-ipc.js';

async function main(): Promise<void> {
  const compression = compressionRequested();
  const server = new WsServer({
    host: BENCH_HOST,
    port: 0,
    settings: { websocket_compression: compression },
  });
  server.on('message', (frame: Frame) => {
    const payload = frame.payload;
    if (isBroadcast(payload, frame.opcode === WEBSOCKET_OPCODE_TEXT))
      server.broadcast(payload, frame.opcode);
    // frame.flags carries COMPRESS when the message came compressed, so the echo is too.
    else server.push(frame.fd, payload, frame.opcode, frame.flags);
  });
  await server.start();
  serveControlChannel(server.port, compression);
}

void main();
