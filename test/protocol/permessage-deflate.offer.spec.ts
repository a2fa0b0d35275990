import { describe, expect, it } from '@jest/globals';
import {
  parseExtensionHeader,
  type ExtensionOffer,
} from '../../src/protocol/extension-header.parser.js';
import {
  acceptDeflateAnswer,
  buildDeflateOffer,
  checkDeflateOfferOptions,
  type DeflateOfferOptions,
} from '../../src/protocol/permessage-deflate.offer.js';

/** The one extension of a header, as the server would write it. */
function answer(header: string): ExtensionOffer {
  const parsed = parseExtensionHeader(header);
  if (parsed === null || parsed.length !== 1) throw new Error(`bad test header ${header}`);
  return parsed[0];
}

describe('checkDeflateOfferOptions', () => {
  it('accepts every valid combination', () => {
    expect(checkDeflateOfferOptions({})).toBeNull();
    expect(
      checkDeflateOfferOptions({
        serverNoContextTakeover: true,
        clientNoContextTakeover: false,
        serverMaxWindowBits: 8,
        clientMaxWindowBits: 15,
      }),
    ).toBeNull();
    expect(checkDeflateOfferOptions({ clientMaxWindowBits: true })).toBeNull();
  });

  it.each([
    [{ serverNoContextTakeover: 'yes' }, /serverNoContextTakeover must be a boolean/],
    [{ clientNoContextTakeover: 1 }, /clientNoContextTakeover must be a boolean/],
    [{ serverMaxWindowBits: 7 }, /serverMaxWindowBits/],
    [{ serverMaxWindowBits: 16 }, /serverMaxWindowBits/],
    [{ serverMaxWindowBits: 10.5 }, /serverMaxWindowBits/],
    [{ serverMaxWindowBits: true }, /serverMaxWindowBits/],
    [{ clientMaxWindowBits: 0 }, /clientMaxWindowBits must be true or an integer/],
    [{ clientMaxWindowBits: false }, /clientMaxWindowBits/],
  ])('names the bad option in %j', (options, message) => {
    expect(checkDeflateOfferOptions(options as unknown as DeflateOfferOptions)).toMatch(message);
  });
});

describe('buildDeflateOffer', () => {
  it('offers exactly what the options say, in a fixed order', () => {
    expect(buildDeflateOffer({})).toEqual({ name: 'permessage-deflate', params: [] });
    expect(
      buildDeflateOffer({
        clientMaxWindowBits: true,
        serverMaxWindowBits: 10,
        clientNoContextTakeover: true,
        serverNoContextTakeover: true,
      }),
    ).toEqual({
      name: 'permessage-deflate',
      params: [
        ['server_no_context_takeover', true],
        ['client_no_context_takeover', true],
        ['server_max_window_bits', '10'],
        ['client_max_window_bits', true],
      ],
    });
    expect(buildDeflateOffer({ clientMaxWindowBits: 9 }).params).toEqual([
      ['client_max_window_bits', '9'],
    ]);
  });

  it('leaves out parameters set to false', () => {
    expect(
      buildDeflateOffer({ serverNoContextTakeover: false, clientNoContextTakeover: false }).params,
    ).toEqual([]);
  });
});

describe('acceptDeflateAnswer', () => {
  it('a bare answer: context takeover and 15-bit windows both ways', () => {
    expect(acceptDeflateAnswer({}, answer('permessage-deflate'))).toEqual({
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    });
  });

  it('takes what the server chose on its own', () => {
    expect(
      acceptDeflateAnswer(
        {},
        answer(
          'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10',
        ),
      ),
    ).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 15,
    });
  });

  it('holds the client to what it offered about itself', () => {
    expect(
      acceptDeflateAnswer(
        { clientNoContextTakeover: true, clientMaxWindowBits: 11 },
        answer('permessage-deflate'),
      ),
    ).toMatchObject({ clientNoContextTakeover: true, clientMaxWindowBits: 11 });
  });

  it('takes the client window the server picked when offered without a value', () => {
    expect(
      acceptDeflateAnswer(
        { clientMaxWindowBits: true },
        answer('permessage-deflate; client_max_window_bits=9'),
      ),
    ).toMatchObject({ clientMaxWindowBits: 9 });
    expect(
      acceptDeflateAnswer({ clientMaxWindowBits: true }, answer('permessage-deflate')),
    ).toMatchObject({ clientMaxWindowBits: 15 });
  });

  it('accepts a smaller or equal window than offered', () => {
    expect(
      acceptDeflateAnswer(
        { serverMaxWindowBits: 12, clientMaxWindowBits: 12 },
        answer('permessage-deflate; server_max_window_bits=12; client_max_window_bits=9'),
      ),
    ).toMatchObject({ serverMaxWindowBits: 12, clientMaxWindowBits: 9 });
  });

  it('reads quoted values', () => {
    expect(
      acceptDeflateAnswer({}, answer('permessage-deflate; server_max_window_bits="11"')),
    ).toMatchObject({ serverMaxWindowBits: 11 });
  });

  it.each<[string, DeflateOfferOptions, string, RegExp]>([
    ['another extension', {}, 'x-webkit-deflate-frame', /not permessage-deflate/],
    ['an unknown parameter', {}, 'permessage-deflate; level=9', /unknown parameter level/],
    [
      'a repeated parameter',
      {},
      'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10',
      /repeated/,
    ],
    [
      'a takeover parameter with a value',
      {},
      'permessage-deflate; server_no_context_takeover=1',
      /must not have a value/,
    ],
    [
      'client_no_context_takeover with a value',
      {},
      'permessage-deflate; client_no_context_takeover=true',
      /must not have a value/,
    ],
    ['a window without a value', {}, 'permessage-deflate; server_max_window_bits', /needs a value/],
    ['a window of 16', {}, 'permessage-deflate; server_max_window_bits=16', /from 8 to 15/],
    [
      'a window with a leading zero',
      {},
      'permessage-deflate; server_max_window_bits=09',
      /8 to 15/,
    ],
    [
      'client_max_window_bits without a value',
      { clientMaxWindowBits: true },
      'permessage-deflate; client_max_window_bits',
      /needs a value/,
    ],
    [
      'server_no_context_takeover offered and left out',
      { serverNoContextTakeover: true },
      'permessage-deflate',
      /server_no_context_takeover was offered/,
    ],
    [
      'server_max_window_bits offered and left out',
      { serverMaxWindowBits: 10 },
      'permessage-deflate',
      /server_max_window_bits was offered/,
    ],
    [
      'a server window above the offer',
      { serverMaxWindowBits: 10 },
      'permessage-deflate; server_max_window_bits=11',
      /above the offered 10/,
    ],
    [
      'client_max_window_bits not offered',
      {},
      'permessage-deflate; client_max_window_bits=15',
      /was not offered/,
    ],
    [
      'a client window above the offer',
      { clientMaxWindowBits: 10 },
      'permessage-deflate; client_max_window_bits=12',
      /above the offered 10/,
    ],
  ])('refuses %s', (_title, offered, header, reason) => {
    expect(acceptDeflateAnswer(offered, answer(header))).toMatch(reason);
  });
});
