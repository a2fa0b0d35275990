import type { ExtensionOffer } from './extension-header.parser.js';
import { type DeflateParams, PERMESSAGE_DEFLATE } from './permessage-deflate.negotiator.js';

/**
 * What a client offers for permessage-deflate (RFC 7692 section 7.1). Every field is optional;
 * an empty object offers the extension without parameters.
 */
export interface DeflateOfferOptions {
  /** Ask the server to start every message with an empty LZ77 window. */
  serverNoContextTakeover?: boolean;
  /** Promise that we start every message with an empty window (frees the server's inflater). */
  clientNoContextTakeover?: boolean;
  /** The largest window the server may compress with: 8-15. */
  serverMaxWindowBits?: number;
  /**
   * Our own largest window: 8-15 limits it, `true` offers the parameter without a value (the
   * server then picks one), unset leaves it out (the server may not limit it).
   */
  clientMaxWindowBits?: number | true;
}

/** The reason an offer cannot be made (naming the bad option), or null when it is valid. */
export function checkDeflateOfferOptions(options: DeflateOfferOptions): string | null {
  for (const name of ['serverNoContextTakeover', 'clientNoContextTakeover'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean') return `${name} must be a boolean`;
  }
  const server = options.serverMaxWindowBits;
  if (server !== undefined && !isWindowBits(server)) {
    return 'serverMaxWindowBits must be an integer from 8 to 15';
  }
  const client = options.clientMaxWindowBits;
  if (client !== undefined && client !== true && !isWindowBits(client)) {
    return 'clientMaxWindowBits must be true or an integer from 8 to 15';
  }
  return null;
}

/** The offer to put in `Sec-WebSocket-Extensions`; the options must have passed the check. */
export function buildDeflateOffer(options: DeflateOfferOptions): ExtensionOffer {
  const params: ExtensionOffer['params'] = [];
  if (options.serverNoContextTakeover) params.push(['server_no_context_takeover', true]);
  if (options.clientNoContextTakeover) params.push(['client_no_context_takeover', true]);
  if (options.serverMaxWindowBits !== undefined) {
    params.push(['server_max_window_bits', String(options.serverMaxWindowBits)]);
  }
  const client = options.clientMaxWindowBits;
  if (client !== undefined) {
    params.push(['client_max_window_bits', client === true ? true : String(client)]);
  }
  return { name: PERMESSAGE_DEFLATE, params };
}

/** The parameters an answer carries; `undefined` where it leaves one out. */
interface AnswerParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  clientMaxWindowBits: number | undefined;
}

/**
 * Checks the server's permessage-deflate answer against what we offered (RFC 7692 section 7.1)
 * and returns the agreed parameters, or a string saying why the client must fail the
 * connection:
 * - each parameter at most once, none unknown, the takeover ones without a value, the window
 *   ones with a value of 8-15 (sections 7.1.1 and 7.1.2);
 * - `server_no_context_takeover` present when we offered it (section 7.1.1.1);
 * - `server_max_window_bits` present and not above our value when we offered one (7.1.2.1);
 * - `client_max_window_bits` only when we offered it, not above our value if we gave one (7.1.2.2).
 *
 * What we offered about ourselves binds us even when the answer leaves it out:
 * `client_no_context_takeover` and a `client_max_window_bits` value are promises.
 */
export function acceptDeflateAnswer(
  offered: DeflateOfferOptions,
  answer: ExtensionOffer,
): DeflateParams | string {
  if (answer.name !== PERMESSAGE_DEFLATE) return `the answer is not ${PERMESSAGE_DEFLATE}`;
  const params = readAnswer(answer);
  if (typeof params === 'string') return params;
  const mismatch = answerMismatch(offered, params);
  if (mismatch !== null) return mismatch;
  const offeredClientBits =
    typeof offered.clientMaxWindowBits === 'number' ? offered.clientMaxWindowBits : 15;
  return {
    serverNoContextTakeover: params.serverNoContextTakeover,
    clientNoContextTakeover:
      params.clientNoContextTakeover || offered.clientNoContextTakeover === true,
    serverMaxWindowBits: params.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: params.clientMaxWindowBits ?? offeredClientBits,
  };
}

/** Why the answer's parameters do not fit the offer, or null. */
function answerMismatch(offered: DeflateOfferOptions, answer: AnswerParams): string | null {
  if (offered.serverNoContextTakeover && !answer.serverNoContextTakeover) {
    return 'server_no_context_takeover was offered but the answer leaves it out';
  }
  const serverBits = offered.serverMaxWindowBits;
  if (serverBits !== undefined) {
    if (answer.serverMaxWindowBits === undefined) {
      return 'server_max_window_bits was offered but the answer leaves it out';
    }
    if (answer.serverMaxWindowBits > serverBits) {
      return `server_max_window_bits=${answer.serverMaxWindowBits} is above the offered ${serverBits}`;
    }
  }
  const clientBits = offered.clientMaxWindowBits;
  if (answer.clientMaxWindowBits !== undefined) {
    if (clientBits === undefined) {
      return 'client_max_window_bits is in the answer but was not offered';
    }
    if (clientBits !== true && answer.clientMaxWindowBits > clientBits) {
      return `client_max_window_bits=${answer.clientMaxWindowBits} is above the offered ${clientBits}`;
    }
  }
  return null;
}

/** The answer's parameters, or what is wrong with them. */
function readAnswer(answer: ExtensionOffer): AnswerParams | string {
  const params: AnswerParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of answer.params) {
    if (seen.has(name)) return `parameter ${name} is repeated`;
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) return `parameter ${name} must not have a value`;
        if (name === 'server_no_context_takeover') params.serverNoContextTakeover = true;
        else params.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
      case 'client_max_window_bits': {
        const bits = windowBitsValue(value);
        if (bits === null) return `parameter ${name} needs a value from 8 to 15`;
        if (name === 'server_max_window_bits') params.serverMaxWindowBits = bits;
        else params.clientMaxWindowBits = bits;
        break;
      }
      default:
        return `unknown parameter ${name}`;
    }
  }
  return params;
}

/** A window size written as RFC 7692 section 7.1.2 wants it: 8-15, no leading zeros. */
function windowBitsValue(value: string | true): number | null {
  return value !== true && /^(8|9|1[0-5])$/.test(value) ? Number(value) : null;
}

function isWindowBits(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 8 && value <= 15;
}
