/**
 * Bench server: the validated gateway (validated-echo.gateway.ts) on `SwooleWsAdapter`.
 */
import { SwooleWsAdapter } from '../../src/adapter/index.js';
import { serveGateway } from './gateway-app.js';
import { ValidatedEchoGateway } from './validated-echo.gateway.js';

serveGateway(ValidatedEchoGateway, (app) => new SwooleWsAdapter(app));
