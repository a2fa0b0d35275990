import { computeAcceptKey } from './accept-key.js';
import { formatExtensionHeader, parseExtensionHeader } from './extension-header.parser.js';
import { headerHasToken, isToken } from './header-token.util.js';
import type { DeflateParams } from './permessage-deflate.negotiator.js';
import { PERMESSAGE_DEFLATE } from './permessage-deflate.negotiator.js';
import { acceptDeflateAnswer, type DeflateOfferOptions } from './permessage-deflate.offer.js';

/** What the validator needs of an HTTP response: Node's `IncomingMessage` fits. */
export interface UpgradeResponseLike {
  statusCode?: number;
  statusMessage?: string;
  /** Header names in lower case, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
}

/** What the client sent, which the answer is checked against. */
export interface UpgradeOffer {
  /** The `Sec-WebSocket-Key` of the request. */
  key: string;
  /** The subprotocols offered in `Sec-WebSocket-Protocol` (may be empty). */
  subprotocols: readonly string[];
  /** The permessage-deflate offer, or null when none was made. */
  deflate: DeflateOfferOptions | null;
}

/** A valid 101: what was agreed. */
export interface AcceptedUpgradeResponse {
  ok: true;
  /** The subprotocol the server chose, or `''` when it chose none. */
  protocol: string;
  /** The server's `Sec-WebSocket-Extensions`, normalised (`''` when none). */
  extensions: string;
  /** The agreed permessage-deflate parameters, or null when not negotiated. */
  deflate: DeflateParams | null;
}

/** An answer the client must fail the connection on, and why. */
export interface RefusedUpgradeResponse {
  ok: false;
  reason: string;
}

/**
 * Checks the server's answer to an opening handshake from the client's side (RFC 6455 section
 * 4.1, the client's list of reasons to fail the connection; RFC 7692 section 7.1): status 101,
 * `Upgrade: websocket`, `Connection: Upgrade`, the `Sec-WebSocket-Accept` derived from our key,
 * a subprotocol only from those offered, and only extensions that were offered, with answers
 * the offer allows.
 */
export function validateUpgradeResponse(
  response: UpgradeResponseLike,
  offer: UpgradeOffer,
): AcceptedUpgradeResponse | RefusedUpgradeResponse {
  const { headers } = response;
  if (response.statusCode !== 101) {
    const status = `${response.statusCode ?? 'no status'} ${response.statusMessage ?? ''}`.trim();
    return refuse(`unexpected server response: ${status} (expected 101 Switching Protocols)`);
  }
  if (!headerHasToken(headers['upgrade'], 'websocket')) {
    return refuse('the 101 response has no "Upgrade: websocket" header');
  }
  if (!headerHasToken(headers['connection'], 'upgrade')) {
    return refuse('the 101 response has no "Connection: Upgrade" header');
  }
  const accept = headers['sec-websocket-accept'];
  if (typeof accept !== 'string' || accept.trim() !== computeAcceptKey(offer.key)) {
    return refuse('the 101 response has a missing or wrong Sec-WebSocket-Accept');
  }
  const protocol = checkSubprotocol(headers['sec-websocket-protocol'], offer.subprotocols);
  if (typeof protocol !== 'string') return protocol;
  const extensions = checkExtensions(headers['sec-websocket-extensions'], offer.deflate);
  if ('ok' in extensions) return extensions;
  return { ok: true, protocol, ...extensions };
}

/** The chosen subprotocol (`''` for none), or the refusal. */
function checkSubprotocol(
  header: string | string[] | undefined,
  offered: readonly string[],
): string | RefusedUpgradeResponse {
  if (header === undefined) return '';
  const value = Array.isArray(header) ? header.join(', ') : header.trim();
  if (!isToken(value)) {
    return refuse(`the server answered an invalid Sec-WebSocket-Protocol "${value}"`);
  }
  if (!offered.includes(value)) {
    return refuse(`the server chose subprotocol "${value}", which the client did not offer`);
  }
  return value;
}

/** The agreed extensions, or the refusal. */
function checkExtensions(
  header: string | string[] | undefined,
  offered: DeflateOfferOptions | null,
): Omit<AcceptedUpgradeResponse, 'ok' | 'protocol'> | RefusedUpgradeResponse {
  const answers = parseExtensionHeader(header);
  if (answers === null) {
    return refuse(`the server answered a malformed Sec-WebSocket-Extensions "${String(header)}"`);
  }
  if (answers.length === 0) return { extensions: '', deflate: null };
  const [answer, ...more] = answers;
  if (offered === null || answer.name !== PERMESSAGE_DEFLATE) {
    return refuse(`the server answered extension "${answer.name}", which the client did not offer`);
  }
  if (more.length > 0) {
    return refuse(`the server answered more extensions than the client offered`);
  }
  const deflate = acceptDeflateAnswer(offered, answer);
  if (typeof deflate === 'string') {
    return refuse(`the server's permessage-deflate answer is invalid: ${deflate}`);
  }
  return { extensions: formatExtensionHeader(answers), deflate };
}

function refuse(reason: string): RefusedUpgradeResponse {
  return { ok: false, reason };
}
