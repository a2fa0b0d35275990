import { DEFAULT_PACKAGE_MAX_LENGTH } from '../protocol/frame-flag.constants.js';
import { isToken } from '../protocol/header-token.util.js';
import {
  checkDeflateOfferOptions,
  type DeflateOfferOptions,
} from '../protocol/permessage-deflate.offer.js';
import { WsConnectionError } from './ws-connection.error.js';
import type { WsClientOptions, WsClientTlsOptions } from './ws-client-options.interface.js';

/** Where to connect and how, with every default applied and every option checked. */
export interface ResolvedClientOptions {
  /** `wss://`: TLS. */
  secure: boolean;
  /** The host to connect to (an IPv6 address without its brackets). */
  host: string;
  port: number;
  /** The request target: path and query. */
  path: string;
  headers: Record<string, string | string[]>;
  subprotocols: string[];
  /** The permessage-deflate offer, or null for none. */
  deflate: DeflateOfferOptions | null;
  handshakeTimeout: number;
  closeTimeout: number;
  maxPayload: number;
  maxOutputBuffer: number;
  maxQueuedMessages: number;
  maxQueuedBytes: number;
  tls: WsClientTlsOptions;
}

const MIB = 1024 * 1024;

/** Request headers the handshake sets itself; a user value would break it. */
const RESERVED_HEADERS = new Set([
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

const TLS_OPTION_NAMES = [
  'ca',
  'cert',
  'key',
  'passphrase',
  'pfx',
  'rejectUnauthorized',
  'servername',
  'checkServerIdentity',
  'ciphers',
  'minVersion',
  'maxVersion',
] as const;

/**
 * Checks the URL and the options of `WsClient.connect()` and applies the defaults. Throws a
 * `WsConnectionError` (`INVALID_OPTIONS`) naming the first bad one.
 */
export function resolveClientOptions(
  url: string | URL,
  options: WsClientOptions = {},
): ResolvedClientOptions {
  const target = parseTarget(url);
  return {
    ...target,
    headers: checkHeaders(options.headers),
    subprotocols: checkSubprotocols(options.subprotocols),
    deflate: checkCompression(options.compression),
    handshakeTimeout: positive('handshakeTimeout', options.handshakeTimeout, 10_000),
    closeTimeout: positive('closeTimeout', options.closeTimeout, 5_000),
    maxPayload: positive('maxPayload', options.maxPayload, DEFAULT_PACKAGE_MAX_LENGTH),
    maxOutputBuffer: positive('maxOutputBuffer', options.maxOutputBuffer, 16 * MIB),
    maxQueuedMessages: positive('maxQueuedMessages', options.maxQueuedMessages, 1024),
    maxQueuedBytes: positive('maxQueuedBytes', options.maxQueuedBytes, 16 * MIB),
    tls: pickTlsOptions(options),
  };
}

function invalid(message: string): WsConnectionError {
  return new WsConnectionError(message, 'INVALID_OPTIONS');
}

function parseTarget(
  url: string | URL,
): Pick<ResolvedClientOptions, 'secure' | 'host' | 'port' | 'path'> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`invalid WebSocket URL "${String(url)}"`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw invalid(`the URL must start with ws:// or wss://, not ${parsed.protocol}//`);
  }
  // RFC 6455 section 3: fragment identifiers are meaningless in WebSocket URIs.
  if (parsed.hash !== '') throw invalid('a WebSocket URL must not have a #fragment');
  const secure = parsed.protocol === 'wss:';
  return {
    secure,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port),
    path: `${parsed.pathname || '/'}${parsed.search}`,
  };
}

function checkHeaders(headers: WsClientOptions['headers']): Record<string, string | string[]> {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null) throw invalid('headers must be an object');
  for (const [name, value] of Object.entries(headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw invalid(`headers.${name} is set by the client itself (see subprotocols / compression)`);
    }
    const values = Array.isArray(value) ? value : [value];
    if (!isToken(name) || !values.every((item) => typeof item === 'string')) {
      throw invalid(`headers.${name} must be a string or an array of strings`);
    }
  }
  return { ...headers };
}

function checkSubprotocols(subprotocols: WsClientOptions['subprotocols']): string[] {
  if (subprotocols === undefined) return [];
  const list = typeof subprotocols === 'string' ? [subprotocols] : subprotocols;
  if (!Array.isArray(list)) throw invalid('subprotocols must be a string or an array of strings');
  for (const name of list) {
    if (typeof name !== 'string' || !isToken(name)) {
      throw invalid(
        `subprotocols: "${String(name)}" is not a valid subprotocol name (an HTTP token)`,
      );
    }
  }
  if (new Set(list).size !== list.length) throw invalid('subprotocols must not repeat a name');
  return [...list];
}

function checkCompression(compression: WsClientOptions['compression']): DeflateOfferOptions | null {
  if (compression === undefined || compression === false) return null;
  // As browsers do: tell the server we can limit our window if it wants us to.
  if (compression === true) return { clientMaxWindowBits: true };
  if (typeof compression !== 'object' || compression === null) {
    throw invalid('compression must be a boolean or an object');
  }
  const problem = checkDeflateOfferOptions(compression);
  if (problem !== null) throw invalid(`compression.${problem}`);
  return { ...compression };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${name} must be a positive number`);
  }
  return value;
}

function pickTlsOptions(options: WsClientOptions): WsClientTlsOptions {
  const tls: Record<string, unknown> = {};
  for (const name of TLS_OPTION_NAMES) {
    if (options[name] !== undefined) tls[name] = options[name];
  }
  return tls as WsClientTlsOptions;
}
