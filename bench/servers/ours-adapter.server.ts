/**
 * Bench server: the same `@WebSocketGateway` as platform-ws-gateway.server.ts
 * (echo-event.gateway.ts) with one line changed: `SwooleWsAdapter` instead of platform-ws's
 * `WsAdapter`.
 */
import { SwooleWsAdapter } from '../../src/adapter/index.js';
import { EchoEventGateway } from './echo-event.gateway.js';
import { serveGateway } from './gateway-app.js';

serveGateway(EchoEventGateway, (app) => new SwooleWsAdapter(app));
