/** Metadata key for the server events a method handles (an array of `WsEventHandlerMetadata`). */
export const WS_EVENT_HANDLERS_METADATA = 'nest-swoole-ws:event-handlers';
/** Metadata key for a gateway class's options (`WsGatewayOptions`). */
export const WS_GATEWAY_METADATA = 'nest-swoole-ws:gateway';
/**
 * Parameter metadata lives where Nest's `ExternalContextCreator` looks for it: under any other
 * key, class-level pipes are silently skipped.
 */
export const WS_ROUTE_ARGS_METADATA = '__routeArguments__';

/** The server events a method decorator can bind to (Swoole's event names). */
export type WsEventName =
  'handshake' | 'beforeHandshakeResponse' | 'open' | 'message' | 'close' | 'request' | 'disconnect';

/** One event binding of a method. */
export interface WsEventHandlerMetadata {
  event: WsEventName;
  /** For `message`: the one opcode handled; undefined means text and binary. */
  opcode?: number;
}
