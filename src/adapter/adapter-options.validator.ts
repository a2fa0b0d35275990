import { validateWsServerOptions } from '../module/ws-options.validator.js';
import type { SwooleWsAdapterOptions } from './adapter-options.interface.js';

/** Module options that make no sense for the adapter: the gateways decide where they listen. */
const GATEWAY_DECIDES = ['port', 'attachToHttpServer'];

/**
 * Validates the adapter's options with the module's rules (the same settings, names and
 * messages), so an unknown or ill-typed option throws an error that names it.
 */
export function validateAdapterOptions(options: unknown): SwooleWsAdapterOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new Error('SwooleWsAdapter: options must be an object');
  }
  const { messageParser, ...serverOptions } = options as Record<string, unknown>;
  if (messageParser !== undefined && typeof messageParser !== 'function') {
    throw new Error('SwooleWsAdapter: invalid options: messageParser must be a function');
  }
  const misplaced = GATEWAY_DECIDES.find((key) => key in serverOptions);
  if (misplaced !== undefined) {
    throw new Error(
      `SwooleWsAdapter: invalid options: unknown option "${misplaced}" ` +
        '(a gateway listens where @WebSocketGateway(port) says: 0 or none is the application port)',
    );
  }
  try {
    validateWsServerOptions(serverOptions);
  } catch (error) {
    const message = (error as Error).message.replace(/^WsServerModule: /, '');
    throw new Error(`SwooleWsAdapter: ${message}`);
  }
  return options as SwooleWsAdapterOptions;
}
