/**
 * Small helpers for HTTP header values (RFC 9110 section 5.6): comma-separated lists of tokens.
 */

/** The RFC 9110 `token` characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether `value` is an HTTP token. */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

/** The non-empty, trimmed elements of a comma-separated header (several headers joined). */
export function splitHeaderList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  const items: string[] = [];
  for (const part of joined.split(',')) {
    const item = part.trim();
    if (item.length > 0) items.push(item);
  }
  return items;
}

/** Whether a comma-separated header holds `token`, compared case-insensitively. */
export function headerHasToken(value: string | string[] | undefined, token: string): boolean {
  const wanted = token.toLowerCase();
  // The usual case, a single value (`Upgrade: websocket`), without building a list.
  if (typeof value === 'string' && !value.includes(','))
    return value.trim().toLowerCase() === wanted;
  return splitHeaderList(value).some((item) => item.toLowerCase() === wanted);
}
