import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Test } from '@nestjs/testing';
import { WebSocketServer } from 'ws';
import { EchoGateway } from '../../sample-app/echo/echo.gateway.js';
import { WsServer } from '../../src/gateway/ws-server.service.js';
import type { WsServerSettings } from '../../src/gateway/ws-server-options.interface.js';
import { WsServerModule } from '../../src/module/ws-server.module.js';

/** A running echo server the suite can be pointed at. */
export interface EchoTarget {
  url: string;
  /** The largest message it accepts (bytes). */
  maxMessageSize: number;
  close(): Promise<void>;
}

/** Our default message limit (`package_max_length`). */
export const OUR_MAX_MESSAGE = 2 * 1024 * 1024;

/** Our settings with permessage-deflate negotiated (everything else default). */
export const COMPRESSION_ON: WsServerSettings = { websocket_compression: true };

/**
 * Our server, through the Nest module, serving the sample app's EchoGateway on `/echo`, with
 * `settings` (default: none). The gateway echoes with the received flags, so a compressed
 * message comes back compressed.
 */
export async function startOurEchoServer(settings: WsServerSettings = {}): Promise<EchoTarget> {
  const moduleRef = await Test.createTestingModule({
    imports: [WsServerModule.forRoot({ host: '127.0.0.1', port: 0, settings })],
    providers: [EchoGateway],
  }).compile();
  const app = await moduleRef.init();
  const server = app.get(WsServer);
  return {
    url: `ws://127.0.0.1:${server.port}/echo`,
    maxMessageSize: OUR_MAX_MESSAGE,
    close: () => app.close(),
  };
}

/**
 * The `ws` package's WebSocketServer as an echo server (same opcode back), with its message
 * limit set to ours so the size cases ask the same of both. permessage-deflate is enabled with
 * ws's defaults and threshold 0, so every echo on a connection that negotiated it is compressed.
 */
export async function startWsEchoServer(maxPayload = OUR_MAX_MESSAGE): Promise<EchoTarget> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload,
    perMessageDeflate: { threshold: 0 },
  });
  wss.on('connection', (socket) => {
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer, isBinary: boolean) =>
      socket.send(data, { binary: isBinary }),
    );
  });
  await new Promise<void>((ready) => wss.once('listening', () => ready()));
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/echo`,
    maxMessageSize: maxPayload,
    close: () =>
      new Promise<void>((done) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => done());
      }),
  };
}
