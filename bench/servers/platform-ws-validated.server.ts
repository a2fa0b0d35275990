/**
 * Bench server: the validated gateway (validated-echo.gateway.ts) on @nestjs/platform-ws's
 * `WsAdapter`: the reference of the validated scenario.
 */
import { WsAdapter } from '@nestjs/platform-ws';
import { serveGateway } from './gateway-app.js';
import { ValidatedEchoGateway } from './validated-echo.gateway.js';

serveGateway(ValidatedEchoGateway, (app) => new WsAdapter(app));
