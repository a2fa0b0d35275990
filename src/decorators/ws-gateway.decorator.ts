import 'reflect-metadata';
import { WS_GATEWAY_METADATA } from './ws-metadata.constants.js';

/** Options of `@WsGateway()`. */
export interface WsGatewayOptions {
  /**
   * The URL path this gateway serves (`/chat`): its handlers only see connections and HTTP
   * requests on that path or below it (`/chat/room`). Without a path, a gateway sees everything.
   */
  path?: string;
}

/**
 * Optional class decorator that scopes a gateway's handlers to a URL path, so several gateways
 * share one port. An upgrade to a path that no gateway serves is answered with 404 (unless a
 * gateway without a path exists).
 *
 * ```ts
 * @WsGateway('/chat')
 * @Injectable()
 * export class ChatGateway { ... }
 * ```
 */
export function WsGateway(pathOrOptions: string | WsGatewayOptions = {}): ClassDecorator {
  const options = typeof pathOrOptions === 'string' ? { path: pathOrOptions } : pathOrOptions;
  const path: unknown = options.path;
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new Error(`@WsGateway: path must start with "/" (got ${JSON.stringify(path)})`);
  }
  return (target) => {
    Reflect.defineMetadata(WS_GATEWAY_METADATA, options, target);
  };
}
