import { isToken, splitHeaderList } from './header-token.util.js';

/** The subprotocols a client offers in `Sec-WebSocket-Protocol`, in its order of preference. */
export function parseSubprotocols(header: string | string[] | undefined): string[] | null {
  const offered = splitHeaderList(header);
  if (!offered.every(isToken)) return null;
  return offered;
}

/**
 * The subprotocol to answer with: the first the client offered that the server supports, or
 * `undefined` (then the 101 carries no `Sec-WebSocket-Protocol`, as RFC 6455 section 4.2.2 says).
 * `supported` may be one name or a comma-separated list, as Swoole's `websocket_subprotocol`.
 */
export function selectSubprotocol(
  offered: readonly string[],
  supported: string | readonly string[] | undefined,
): string | undefined {
  if (supported === undefined) return undefined;
  const names = typeof supported === 'string' ? splitHeaderList(supported) : supported;
  return offered.find((name) => names.includes(name));
}
