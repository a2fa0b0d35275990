import type { WsEventName } from '../decorators/ws-metadata.constants.js';

/** A decorated method, discovered at bootstrap and wrapped in Nest's enhancer pipeline. */
export interface WsBoundHandler {
  event: WsEventName;
  /** For `message`: the one opcode handled; undefined means every frame delivered. */
  opcode?: number;
  /** The gateway's path scope, if any. */
  path?: string;
  /** `Class.method`, for logs. */
  name: string;
  /**
   * Runs the method through pipes, interceptors and filters (and guards, except below), or,
   * for a handler with no enhancer at all, calls it directly: then the result (a value, a
   * Promise or an Observable) or the error comes synchronously.
   */
  run: (...args: unknown[]) => unknown;
  /**
   * For `handshake` and `open`: the method's guards alone, run before the upgrade so a refusal
   * is an HTTP status (401/403) rather than a closed WebSocket.
   */
  guard?: (...args: unknown[]) => Promise<unknown>;
}
