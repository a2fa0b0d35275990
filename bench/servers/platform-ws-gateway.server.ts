/**
 * Bench server: a `@WebSocketGateway` on @nestjs/platform-ws's `WsAdapter` (the application's
 * HTTP server), the gateway of echo-event.gateway.ts. The reference for SwooleWsAdapter.
 */
import { WsAdapter } from '@nestjs/platform-ws';
import { EchoEventGateway } from './echo-event.gateway.js';
import { serveGateway } from './gateway-app.js';

serveGateway(EchoEventGateway, (app) => new WsAdapter(app));
