/**
 * Bench server (c): the `ws` package, the reference Node peer. Echo with `ws.send(data,
 * { binary })`, broadcast by looping over `wss.clients` (ws's own documented way), so with
 * compression ws compresses a broadcast once per client. wss on node:https when the scenario
 * asks for TLS.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { isBroadcast } from './broadcast-prefix.js';
import { type ServerConfig, serverConfig } from './server-config.js';
import { BENCH_HOST, serveControlChannel, startServer } from './server-ipc.js';
import { wsPerMessageDeflate } from './ws-deflate-options.js';

function echo(wss: WebSocketServer, socket: WebSocket, data: RawData, binary: boolean): void {
  // Without a binaryType change, ws hands a single Buffer for each message.
  const payload = data as Buffer;
  if (!isBroadcast(payload, !binary)) return socket.send(payload, { binary });
  for (const client of wss.clients) client.send(payload, { binary });
}

/** Resolves with the port once listening: on its own, or on an HTTPS server for wss. */
function listen(
  config: ServerConfig,
  wss: (server?: HttpsServer) => WebSocketServer,
): Promise<number> {
  return new Promise((resolve, reject) => {
    if (!config.tls) {
      const server = wss();
      server.once('error', reject);
      server.on('listening', () => resolve((server.address() as AddressInfo).port));
      return;
    }
    const https = createHttpsServer({
      cert: readFileSync(config.tls.certFile),
      key: readFileSync(config.tls.keyFile),
    });
    wss(https);
    https.once('error', reject);
    https.listen(0, BENCH_HOST, () => resolve((https.address() as AddressInfo).port));
  });
}

async function main(): Promise<void> {
  const config = serverConfig();
  const port = await listen(config, (server) => {
    const wss = new WebSocketServer({
      ...(server ? { server } : { host: BENCH_HOST, port: 0 }),
      perMessageDeflate: wsPerMessageDeflate(config),
    });
    wss.on('connection', (socket) => {
      socket.on('message', (data, binary) => echo(wss, socket, data, binary));
    });
    return wss;
  });
  serveControlChannel(port, { compression: config.compression });
}

startServer(main);
