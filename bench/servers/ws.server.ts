/**
 * Bench server (c): the `ws` package, the reference Node peer. Echo with `ws.send(data,
 * { binary })`, broadcast by looping over `wss.clients` (ws's own documented way).
 */
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isBroadcast } from './broadcast-prefix.js';
import { BENCH_HOST, compressionRequested, serveControlChannel } from './server-ipc.js';

function echo(wss: WebSocketServer, socket: WebSocket, data: RawData, binary: boolean): void {
  // Without a binaryType change, ws hands a single Buffer for each message.
  const payload = data as Buffer;
  if (!isBroadcast(payload, !binary)) return socket.send(payload, { binary });
  for (const client of wss.clients) client.send(payload, { binary });
}

const compression = compressionRequested();
const wss = new WebSocketServer({ host: BENCH_HOST, port: 0, perMessageDeflate: compression });
wss.on('connection', (socket) => {
  socket.on('message', (data, binary) => echo(wss, socket, data, binary));
});
wss.on('listening', () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  serveControlChannel(address.port, compression);
});
