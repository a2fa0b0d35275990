import { describe, expect, it } from '@jest/globals';
import {
  type ExtensionOffer,
  formatExtensionHeader,
  parseExtensionHeader,
} from '../../src/protocol/extension-header.parser.js';

describe('parseExtensionHeader', () => {
  it('returns an empty list without the header or for a blank one', () => {
    expect(parseExtensionHeader(undefined)).toEqual([]);
    expect(parseExtensionHeader('')).toEqual([]);
    expect(parseExtensionHeader('  \t ')).toEqual([]);
  });

  it('reads the RFC 6455 section 9.1 examples', () => {
    expect(parseExtensionHeader('foo')).toEqual([{ name: 'foo', params: [] }]);
    expect(parseExtensionHeader('bar; baz=2')).toEqual([{ name: 'bar', params: [['baz', '2']] }]);
    expect(parseExtensionHeader('foo, bar; baz=2')).toEqual([
      { name: 'foo', params: [] },
      { name: 'bar', params: [['baz', '2']] },
    ]);
    expect(parseExtensionHeader('mux; max-channels=4; flow-control, deflate-stream')).toEqual([
      {
        name: 'mux',
        params: [
          ['max-channels', '4'],
          ['flow-control', true],
        ],
      },
      { name: 'deflate-stream', params: [] },
    ]);
    expect(parseExtensionHeader('private-extension')).toEqual([
      { name: 'private-extension', params: [] },
    ]);
  });

  it('reads the RFC 7692 offers, with values quoted or not', () => {
    expect(
      parseExtensionHeader(
        'permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits="10"',
      ),
    ).toEqual([
      { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
      { name: 'permessage-deflate', params: [['server_max_window_bits', '10']] },
    ]);
    expect(
      parseExtensionHeader(
        'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits',
      ),
    ).toEqual([
      {
        name: 'permessage-deflate',
        params: [
          ['client_max_window_bits', true],
          ['server_max_window_bits', '10'],
        ],
      },
      { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
    ]);
    expect(
      parseExtensionHeader(
        'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
      ),
    ).toEqual([
      {
        name: 'permessage-deflate',
        params: [
          ['server_no_context_takeover', true],
          ['client_no_context_takeover', true],
        ],
      },
    ]);
  });

  it('unescapes quoted-pairs in quoted values', () => {
    expect(parseExtensionHeader('x; a="1\\0"')).toEqual([{ name: 'x', params: [['a', '10']] }]);
    expect(parseExtensionHeader('x; a="\\a\\b"; b')).toEqual([
      {
        name: 'x',
        params: [
          ['a', 'ab'],
          ['b', true],
        ],
      },
    ]);
  });

  it('allows spaces and tabs around separators', () => {
    expect(parseExtensionHeader('  foo ;\tbar = 1 ; baz = "2" ,  qux  ')).toEqual([
      {
        name: 'foo',
        params: [
          ['bar', '1'],
          ['baz', '2'],
        ],
      },
      { name: 'qux', params: [] },
    ]);
  });

  it('joins several header lines into one list', () => {
    expect(parseExtensionHeader(['foo; a=1', 'bar', 'baz; b'])).toEqual([
      { name: 'foo', params: [['a', '1']] },
      { name: 'bar', params: [] },
      { name: 'baz', params: [['b', true]] },
    ]);
  });

  it('returns null when any header line is malformed', () => {
    expect(parseExtensionHeader(['foo', 'bar;'])).toBeNull();
  });

  it.each([
    [',', 'an empty list element'],
    ['foo,', 'a trailing comma'],
    [', foo', 'a leading comma'],
    ['foo,,bar', 'an empty name between commas'],
    ['foo;', 'a trailing semicolon'],
    ['foo; ', 'a trailing semicolon and space'],
    ['foo;;a', 'an empty parameter name'],
    ['; a', 'no extension name'],
    ['foo; =1', 'a parameter without a name'],
    ['foo; a=', 'a parameter with an empty value'],
    ['foo; a="10', 'an unterminated quote'],
    ['foo; a="10\\', 'an unterminated quote ending in a backslash'],
    ['foo; a="1 0"', 'a quoted value that is not a token'],
    ['foo; a=""', 'an empty quoted value'],
    ['foo; a="\\""', 'an escaped quote as the value'],
    ['foo; a="1"2', 'text after a quoted value'],
    ['foo bar', 'a space instead of a separator'],
    ['foo; a=1 2', 'a space inside an unquoted value'],
    ['foo; a=1=2', 'a second equals sign'],
    ['foo/bar', 'a separator in the name'],
    ['"foo"', 'a quoted name'],
    ['foo: a', 'a colon separator'],
    ['foo;a=b;c=d e', 'a bad separator in the last parameter'],
  ])('returns null for %j (%s)', (header) => {
    expect(parseExtensionHeader(header)).toBeNull();
  });
});

describe('formatExtensionHeader', () => {
  it('formats nothing as an empty string', () => {
    expect(formatExtensionHeader([])).toBe('');
  });

  it('formats names and parameters with and without values', () => {
    expect(
      formatExtensionHeader([
        {
          name: 'permessage-deflate',
          params: [
            ['server_no_context_takeover', true],
            ['client_max_window_bits', '10'],
          ],
        },
        { name: 'foo', params: [] },
      ]),
    ).toBe('permessage-deflate; server_no_context_takeover; client_max_window_bits=10, foo');
  });

  it('quotes values that are not tokens, escaping quotes and backslashes', () => {
    expect(formatExtensionHeader([{ name: 'x', params: [['a', 'b c']] }])).toBe('x; a="b c"');
    expect(formatExtensionHeader([{ name: 'x', params: [['a', 'say "hi"']] }])).toBe(
      'x; a="say \\"hi\\""',
    );
    expect(formatExtensionHeader([{ name: 'x', params: [['a', 'a\\b']] }])).toBe('x; a="a\\\\b"');
    expect(formatExtensionHeader([{ name: 'x', params: [['a', '']] }])).toBe('x; a=""');
  });

  it('round-trips through the parser', () => {
    const offers: ExtensionOffer[] = [
      {
        name: 'permessage-deflate',
        params: [
          ['client_max_window_bits', true],
          ['server_max_window_bits', '10'],
        ],
      },
      { name: 'permessage-deflate', params: [] },
      { name: 'x-custom', params: [['k', "v.1~'!"]] },
    ];
    const header = formatExtensionHeader(offers);
    expect(parseExtensionHeader(header)).toEqual(offers);
    expect(formatExtensionHeader(parseExtensionHeader(header) ?? [])).toBe(header);
    const quoted = 'permessage-deflate; server_max_window_bits="10"; client_max_window_bits';
    expect(formatExtensionHeader(parseExtensionHeader(quoted) ?? [])).toBe(
      'permessage-deflate; server_max_window_bits=10; client_max_window_bits',
    );
  });
});
