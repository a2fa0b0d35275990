import { isValidClientKey } from './accept-key.js';
import { type ExtensionOffer, parseExtensionHeader } from './extension-header.parser.js';
import { headerHasToken } from './header-token.util.js';
import { parseSubprotocols } from './subprotocol.js';

/** What the validator needs of an HTTP request: Node's `IncomingMessage` fits. */
export interface UpgradeRequestLike {
  method?: string;
  httpVersion: string;
  /** Header names in lower case, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
}

/** A valid opening handshake (RFC 6455 section 4.2.1), with what the server answers from. */
export interface AcceptedUpgrade {
  ok: true;
  key: string;
  subprotocols: string[];
  extensions: ExtensionOffer[];
}

/** A refused opening handshake: the HTTP status to answer with, a reason and extra headers. */
export interface RefusedUpgrade {
  ok: false;
  status: number;
  reason: string;
  headers: Record<string, string>;
}

/** The protocol version this server speaks. */
export const WEBSOCKET_VERSION = '13';

/**
 * Checks an upgrade request against RFC 6455 section 4.2.1. A wrong version gets 426 with
 * `Sec-WebSocket-Version: 13` (section 4.4); every other fault gets 400.
 */
export function validateUpgradeRequest(
  request: UpgradeRequestLike,
): AcceptedUpgrade | RefusedUpgrade {
  const { headers } = request;
  if (request.method !== 'GET') return refuse(400, 'the opening handshake must be a GET request');
  if (!isHttp11OrLater(request.httpVersion))
    return refuse(400, 'the opening handshake needs HTTP/1.1');
  if (!headerHasToken(headers['upgrade'], 'websocket')) {
    return refuse(400, 'missing or invalid Upgrade header');
  }
  if (!headerHasToken(headers['connection'], 'upgrade')) {
    return refuse(400, 'missing or invalid Connection header');
  }
  if (headers['sec-websocket-version'] !== WEBSOCKET_VERSION) {
    return refuse(426, 'unsupported WebSocket version', {
      'Sec-WebSocket-Version': WEBSOCKET_VERSION,
    });
  }
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || !isValidClientKey(key.trim())) {
    return refuse(400, 'missing or invalid Sec-WebSocket-Key');
  }
  const subprotocols = parseSubprotocols(headers['sec-websocket-protocol']);
  if (subprotocols === null) return refuse(400, 'invalid Sec-WebSocket-Protocol header');
  const extensions = parseExtensionHeader(headers['sec-websocket-extensions']);
  if (extensions === null) return refuse(400, 'invalid Sec-WebSocket-Extensions header');
  return { ok: true, key: key.trim(), subprotocols, extensions };
}

function isHttp11OrLater(version: string): boolean {
  if (version === '1.1') return true;
  const [major, minor] = version.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 1);
}

function refuse(
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): RefusedUpgrade {
  return { ok: false, status, reason, headers };
}
