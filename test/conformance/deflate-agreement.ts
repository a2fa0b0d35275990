import {
  type ExtensionOffer,
  parseExtensionHeader,
} from '../../src/protocol/extension-header.parser.js';

const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What both sides agreed for one connection (RFC 7692 section 7.1), seen from the client. */
export interface ClientDeflateParams {
  /** The server starts every message with an empty LZ77 window. */
  serverNoContextTakeover: boolean;
  /** We start every message with an empty window. */
  clientNoContextTakeover: boolean;
  /** The server's largest LZ77 window (log2); we inflate with exactly this window. */
  serverMaxWindowBits: number;
  /** Our largest LZ77 window (log2). */
  clientMaxWindowBits: number;
}

/** The outcome of the opening handshake's extension negotiation. */
export interface Negotiation {
  /** The `Sec-WebSocket-Extensions` the client sent, if any. */
  offer?: string;
  /** The server's `Sec-WebSocket-Extensions`, if any. */
  response?: string;
  /** The agreement; null when nothing was negotiated (declined, or not offered). */
  params: ClientDeflateParams | null;
  /** Index (0-based) of the offer the answer accepts. */
  acceptedOffer?: number;
  /** Why the answer is not a legal one for the offer (RFC 6455 9.1, RFC 7692 7.1). */
  violation?: string;
}

/** A permessage-deflate parameter set, read from an offer or an answer. */
interface DeflateParamSet {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** A number, `true` (present without a value) or undefined (absent). */
  serverMaxWindowBits: number | true | undefined;
  clientMaxWindowBits: number | true | undefined;
}

/**
 * Checks the server's answer against the client's offers and derives the agreement: the answer
 * must name one extension the client offered (RFC 6455 section 9.1), with parameters an offer
 * allows (RFC 7692 section 7.1): `server_no_context_takeover` echoed when offered,
 * `server_max_window_bits` present and not above the offer's value when the offer had one,
 * `client_max_window_bits` only when offered and not above the offer's value, every value a
 * window size of 8-15, no unknown or repeated parameter. No answer is a declined offer.
 */
export function checkNegotiation(
  offerHeader: string | undefined,
  responseHeader: string | undefined,
): Negotiation {
  const base = { offer: offerHeader, response: responseHeader };
  const declined = { ...base, params: null };
  if (responseHeader === undefined || responseHeader.trim() === '') return declined;
  const invalid = (violation: string): Negotiation => ({ ...declined, violation });
  const offers = parseExtensionHeader(offerHeader) ?? [];
  const answers = parseExtensionHeader(responseHeader);
  if (answers === null)
    return invalid(`malformed Sec-WebSocket-Extensions answer "${responseHeader}"`);
  if (offers.length === 0) return invalid(`extension answer "${responseHeader}" without an offer`);
  if (answers.length !== 1 || answers[0].name !== PERMESSAGE_DEFLATE) {
    return invalid(`extension answer "${responseHeader}" is not one permessage-deflate`);
  }
  const answer = readParams(answers[0], true);
  if (typeof answer === 'string') return invalid(`permessage-deflate answer: ${answer}`);
  const reasons: string[] = [];
  for (const [index, extension] of offers.entries()) {
    if (extension.name !== PERMESSAGE_DEFLATE) continue;
    const offered = readParams(extension, false);
    if (typeof offered === 'string') continue;
    const reason = illegalFor(offered, answer);
    if (reason === null) {
      return { ...base, params: agreement(offered, answer), acceptedOffer: index };
    }
    reasons.push(`offer ${index + 1}: ${reason}`);
  }
  return invalid(`answer "${responseHeader}" is legal for no offer (${reasons.join('; ')})`);
}

/** Why an answer cannot accept this offer, or null when it can. */
function illegalFor(offered: DeflateParamSet, answer: DeflateParamSet): string | null {
  if (offered.serverNoContextTakeover && !answer.serverNoContextTakeover) {
    return 'server_no_context_takeover offered but not in the answer';
  }
  if (typeof offered.serverMaxWindowBits === 'number') {
    if (answer.serverMaxWindowBits === undefined) {
      return 'server_max_window_bits offered but not in the answer';
    }
    if ((answer.serverMaxWindowBits as number) > offered.serverMaxWindowBits) {
      return `server_max_window_bits=${String(answer.serverMaxWindowBits)} above the offered ${offered.serverMaxWindowBits}`;
    }
  }
  if (answer.clientMaxWindowBits !== undefined) {
    if (offered.clientMaxWindowBits === undefined) {
      return 'client_max_window_bits in the answer without being offered';
    }
    if (
      typeof offered.clientMaxWindowBits === 'number' &&
      (answer.clientMaxWindowBits as number) > offered.clientMaxWindowBits
    ) {
      return `client_max_window_bits=${String(answer.clientMaxWindowBits)} above the offered ${offered.clientMaxWindowBits}`;
    }
  }
  return null;
}

/**
 * The agreed parameters. What the client offered about itself binds it even when the answer
 * leaves it out: `client_no_context_takeover` and a `client_max_window_bits` value in the offer
 * are promises (RFC 7692 sections 7.1.1.2 and 7.1.2.2).
 */
function agreement(offered: DeflateParamSet, answer: DeflateParamSet): ClientDeflateParams {
  const clientWindow =
    typeof answer.clientMaxWindowBits === 'number'
      ? answer.clientMaxWindowBits
      : typeof offered.clientMaxWindowBits === 'number'
        ? offered.clientMaxWindowBits
        : 15;
  return {
    serverNoContextTakeover: answer.serverNoContextTakeover,
    clientNoContextTakeover: answer.clientNoContextTakeover || offered.clientNoContextTakeover,
    serverMaxWindowBits:
      typeof answer.serverMaxWindowBits === 'number' ? answer.serverMaxWindowBits : 15,
    clientMaxWindowBits: clientWindow,
  };
}

/**
 * Reads permessage-deflate parameters; a string says what is wrong. In an answer, both window
 * parameters need a value (RFC 7692 sections 7.1.2.1 and 7.1.2.2).
 */
function readParams(extension: ExtensionOffer, isAnswer: boolean): DeflateParamSet | string {
  const set: DeflateParamSet = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of extension.params) {
    if (seen.has(name)) return `repeated parameter ${name}`;
    seen.add(name);
    if (name === 'server_no_context_takeover' || name === 'client_no_context_takeover') {
      if (value !== true) return `${name} with a value`;
      if (name === 'server_no_context_takeover') set.serverNoContextTakeover = true;
      else set.clientNoContextTakeover = true;
    } else if (name === 'server_max_window_bits' || name === 'client_max_window_bits') {
      const optional = !isAnswer && name === 'client_max_window_bits';
      let bits: number | true;
      if (value === true) {
        if (!optional) return `${name} without a value`;
        bits = true;
      } else if (/^(8|9|1[0-5])$/.test(value)) bits = Number(value);
      else return `${name}=${value} is not a window size of 8-15`;
      if (name === 'server_max_window_bits') set.serverMaxWindowBits = bits;
      else set.clientMaxWindowBits = bits;
    } else {
      return `unknown parameter ${name}`;
    }
  }
  return set;
}
