import type { ExtensionOffer } from './extension-header.parser.js';

/** The extension's registered name (RFC 7692 section 7). */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What the server is willing to do, from the settings. */
export interface DeflateServerPolicy {
  /** Never keep the compression context between messages (saves memory per connection). */
  serverNoContextTakeover?: boolean;
  /** Ask the client not to keep its context (saves our inflater memory). */
  clientNoContextTakeover?: boolean;
  /** The largest LZ77 window we compress with: 9-15 (zlib cannot do raw 8). Default 15. */
  serverMaxWindowBits?: number;
}

/** The agreed parameters of one connection. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** The window we compress with. */
  serverMaxWindowBits: number;
  /** The window the client compresses with (15 when unrestricted). */
  clientMaxWindowBits: number;
}

/** An accepted offer: the parameters and the extension to answer in the 101. */
export interface DeflateAgreement {
  params: DeflateParams;
  response: ExtensionOffer;
}

/** zlib's raw deflate cannot use an 8-bit window, so the smallest we can promise is 9. */
const SMALLEST_DEFLATE_WINDOW = 9;

/**
 * Server-side permessage-deflate negotiation (RFC 7692 section 7.1): takes the client's offers in
 * order and accepts the first one it can honour. An offer with an unknown or repeated parameter,
 * or an invalid value, is declined (section 7.1), as is one asking for a window we cannot
 * compress with; declining every offer returns null (no extension in the 101).
 */
export function negotiatePerMessageDeflate(
  offers: readonly ExtensionOffer[],
  policy: DeflateServerPolicy = {},
): DeflateAgreement | null {
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const agreement = acceptOffer(offer, policy);
    if (agreement) return agreement;
  }
  return null;
}

interface OfferParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true`: offered without a value (the client supports any value we choose). */
  clientMaxWindowBits: number | true | undefined;
}

function acceptOffer(offer: ExtensionOffer, policy: DeflateServerPolicy): DeflateAgreement | null {
  const params = readOffer(offer);
  if (params === null) return null;
  const ourWindow = clampWindow(policy.serverMaxWindowBits ?? 15);
  const serverWindow = Math.min(ourWindow, params.serverMaxWindowBits ?? 15);
  if (serverWindow < SMALLEST_DEFLATE_WINDOW) return null;
  const agreed: DeflateParams = {
    serverNoContextTakeover:
      params.serverNoContextTakeover || policy.serverNoContextTakeover === true,
    clientNoContextTakeover:
      params.clientNoContextTakeover || policy.clientNoContextTakeover === true,
    serverMaxWindowBits: serverWindow,
    clientMaxWindowBits:
      typeof params.clientMaxWindowBits === 'number' ? params.clientMaxWindowBits : 15,
  };
  return {
    params: agreed,
    response: { name: PERMESSAGE_DEFLATE, params: responseParams(agreed, params) },
  };
}

/** The 101's parameters: each one the client offered is answered, plus our own choices. */
function responseParams(agreed: DeflateParams, offered: OfferParams): ExtensionOffer['params'] {
  const params: ExtensionOffer['params'] = [];
  if (agreed.serverNoContextTakeover) params.push(['server_no_context_takeover', true]);
  if (agreed.clientNoContextTakeover) params.push(['client_no_context_takeover', true]);
  if (offered.serverMaxWindowBits !== undefined || agreed.serverMaxWindowBits < 15) {
    params.push(['server_max_window_bits', String(agreed.serverMaxWindowBits)]);
  }
  if (offered.clientMaxWindowBits !== undefined) {
    params.push(['client_max_window_bits', String(agreed.clientMaxWindowBits)]);
  }
  return params;
}

/** The offer's parameters, or null when one is unknown, repeated or has an invalid value. */
function readOffer(offer: ExtensionOffer): OfferParams | null {
  const seen = new Set<string>();
  const params: OfferParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  for (const [name, value] of offer.params) {
    if (seen.has(name)) return null;
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) return null;
        if (name === 'server_no_context_takeover') params.serverNoContextTakeover = true;
        else params.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        const bits = windowBits(value);
        if (bits === null) return null;
        params.serverMaxWindowBits = bits;
        break;
      }
      case 'client_max_window_bits': {
        if (value === true) {
          params.clientMaxWindowBits = true;
          break;
        }
        const bits = windowBits(value);
        if (bits === null) return null;
        params.clientMaxWindowBits = bits;
        break;
      }
      default:
        return null;
    }
  }
  return params;
}

/** A window size parameter: a decimal 8-15 without leading zeros (RFC 7692 section 7.1.2). */
function windowBits(value: string | true): number | null {
  if (value === true || !/^(8|9|1[0-5])$/.test(value)) return null;
  return Number(value);
}

function clampWindow(bits: number): number {
  if (!Number.isFinite(bits)) return 15;
  return Math.max(SMALLEST_DEFLATE_WINDOW, Math.min(15, Math.floor(bits)));
}
