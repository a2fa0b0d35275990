import { isToken } from './header-token.util.js';

/** A request head read by `parseRequestHead`: what an upgrade needs, header names in lower case. */
export interface ParsedRequestHead {
  method: string;
  url: string;
  httpVersion: string;
  headers: Record<string, string>;
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');
/** Field values: visible ASCII, space, tab and obs-text; never CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** HTTP/1.0 and 1.1 only: Node's parser refuses other versions (e.g. HTTP/1.2) with 400. */
const REQUEST_LINE = /^([A-Z]+) (\/[\x21-\x7e]*) HTTP\/1\.([01])$/;

/** Where the head ends: the index just past the blank line, or -1 when it has not arrived yet. */
export function findHeadEnd(data: Buffer): number {
  const at = data.indexOf(CRLF_CRLF);
  return at < 0 ? -1 : at + 4;
}

/**
 * A strict, minimal reader for the head of an HTTP/1.1 request, used to serve WebSocket
 * upgrades without Node's HTTP machinery. It accepts only the plain, common form (origin-form
 * target, `name: value` lines, each header name once, no body) and returns null for anything
 * else: such requests go to Node's own HTTP parser instead, which answers every oddity (400,
 * 431, ...) as it always does. So this parser never needs to be lenient, only correct.
 */
export function parseRequestHead(head: Buffer): ParsedRequestHead | null {
  const text = head.toString('latin1');
  if (!text.endsWith('\r\n\r\n')) return null;
  const lines = text.slice(0, -4).split('\r\n');
  const requestLine = REQUEST_LINE.exec(lines[0]);
  if (requestLine === null) return null;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon);
    if (!isToken(name)) return null;
    const value = trimWhitespace(line, colon + 1);
    if (!FIELD_VALUE.test(value)) return null;
    const key = name.toLowerCase();
    if (key in headers) return null;
    headers[key] = value;
  }
  if ('content-length' in headers || 'transfer-encoding' in headers) return null;
  return {
    method: requestLine[1],
    url: requestLine[2],
    httpVersion: `1.${requestLine[3]}`,
    headers,
  };
}

/**
 * `line` from `start`, without the optional whitespace around a field value (RFC 9110 section
 * 5.6.3): spaces and tabs only. `String.prototype.trim` would also strip CR, LF, VT, FF and
 * U+00A0 (byte 0xa0 in latin1), accepting values Node's parser refuses or altering them.
 */
function trimWhitespace(line: string, start: number): string {
  let end = line.length;
  while (start < end && isWhitespace(line.charCodeAt(start))) start++;
  while (end > start && isWhitespace(line.charCodeAt(end - 1))) end--;
  return line.slice(start, end);
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
