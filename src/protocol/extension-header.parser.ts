import { isToken } from './header-token.util.js';

/** One extension offer or answer: its name and its parameters in order (`true`: no value). */
export interface ExtensionOffer {
  name: string;
  params: Array<[name: string, value: string | true]>;
}

/**
 * Parses `Sec-WebSocket-Extensions` (RFC 6455 section 9.1), values quoted or not:
 * `permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits="10"`.
 * Several headers may be passed; they form one list. Returns null when the header is malformed.
 */
export function parseExtensionHeader(
  header: string | string[] | undefined,
): ExtensionOffer[] | null {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(',') : header;
  const scanner = new ExtensionScanner(text);
  return scanner.parse();
}

/** Formats extensions for a `Sec-WebSocket-Extensions` header, quoting values that need it. */
export function formatExtensionHeader(extensions: readonly ExtensionOffer[]): string {
  return extensions
    .map(({ name, params }) =>
      [
        name,
        ...params.map(([key, value]) => (value === true ? key : `${key}=${quoteIfNeeded(value)}`)),
      ].join('; '),
    )
    .join(', ');
}

function quoteIfNeeded(value: string): string {
  return isToken(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** A small recursive-descent reader over the header text. */
class ExtensionScanner {
  private at = 0;

  constructor(private readonly text: string) {}

  parse(): ExtensionOffer[] | null {
    const offers: ExtensionOffer[] = [];
    this.skipSpaces();
    if (this.at === this.text.length) return offers;
    for (;;) {
      const offer = this.readExtension();
      if (offer === null) return null;
      offers.push(offer);
      this.skipSpaces();
      if (this.at === this.text.length) return offers;
      if (this.text[this.at] !== ',') return null;
      this.at++;
      this.skipSpaces();
    }
  }

  private readExtension(): ExtensionOffer | null {
    const name = this.readToken();
    if (name === null) return null;
    const params: ExtensionOffer['params'] = [];
    for (;;) {
      this.skipSpaces();
      if (this.text[this.at] !== ';') return { name, params };
      this.at++;
      this.skipSpaces();
      const param = this.readParam();
      if (param === null) return null;
      params.push(param);
    }
  }

  private readParam(): [string, string | true] | null {
    const key = this.readToken();
    if (key === null) return null;
    this.skipSpaces();
    if (this.text[this.at] !== '=') return [key, true];
    this.at++;
    this.skipSpaces();
    const value = this.text[this.at] === '"' ? this.readQuoted() : this.readToken();
    return value === null ? null : [key, value];
  }

  private readToken(): string | null {
    const start = this.at;
    while (this.at < this.text.length && isToken(this.text[this.at])) this.at++;
    return this.at > start ? this.text.slice(start, this.at) : null;
  }

  /** A quoted string whose content must itself be a token (RFC 6455 section 9.1). */
  private readQuoted(): string | null {
    this.at++;
    let value = '';
    while (this.at < this.text.length && this.text[this.at] !== '"') {
      if (this.text[this.at] === '\\') this.at++;
      value += this.text[this.at] ?? '';
      this.at++;
    }
    if (this.text[this.at] !== '"') return null;
    this.at++;
    return isToken(value) ? value : null;
  }

  private skipSpaces(): void {
    while (this.text[this.at] === ' ' || this.text[this.at] === '\t') this.at++;
  }
}
