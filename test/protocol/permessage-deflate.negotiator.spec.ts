import { describe, expect, it } from '@jest/globals';
import {
  type ExtensionOffer,
  formatExtensionHeader,
  parseExtensionHeader,
} from '../../src/protocol/extension-header.parser.js';
import {
  type DeflateAgreement,
  type DeflateServerPolicy,
  PERMESSAGE_DEFLATE,
  negotiatePerMessageDeflate,
} from '../../src/protocol/permessage-deflate.negotiator.js';

/** Negotiates from a `Sec-WebSocket-Extensions` header as a client would send it. */
function negotiate(header: string, policy?: DeflateServerPolicy): DeflateAgreement | null {
  const offers = parseExtensionHeader(header);
  if (offers === null) throw new Error(`malformed header in test: ${header}`);
  return negotiatePerMessageDeflate(offers, policy);
}

/** The response as the 101 would carry it. */
function answer(header: string, policy?: DeflateServerPolicy): string | null {
  const agreement = negotiate(header, policy);
  return agreement === null ? null : formatExtensionHeader([agreement.response]);
}

const DEFAULTS = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

describe('negotiatePerMessageDeflate', () => {
  it('names the extension as RFC 7692 registers it', () => {
    expect(PERMESSAGE_DEFLATE).toBe('permessage-deflate');
  });

  it('accepts a bare offer with the defaults and an empty answer', () => {
    expect(negotiate('permessage-deflate')).toEqual({
      params: DEFAULTS,
      response: { name: 'permessage-deflate', params: [] },
    });
    expect(answer('permessage-deflate')).toBe('permessage-deflate');
  });

  it('returns null without offers or without a permessage-deflate offer', () => {
    expect(negotiatePerMessageDeflate([])).toBeNull();
    expect(negotiate('x-webkit-deflate-frame, foo; bar=1')).toBeNull();
  });

  it('skips offers of other extensions', () => {
    expect(
      answer('foo; server_no_context_takeover, permessage-deflate; client_max_window_bits'),
    ).toBe('permessage-deflate; client_max_window_bits=15');
  });

  it('takes the first acceptable offer', () => {
    expect(
      answer(
        'permessage-deflate; server_max_window_bits=10, permessage-deflate; server_max_window_bits=12',
      ),
    ).toBe('permessage-deflate; server_max_window_bits=10');
    expect(answer('permessage-deflate; client_no_context_takeover, permessage-deflate')).toBe(
      'permessage-deflate; client_no_context_takeover',
    );
  });

  it.each([
    ['an unknown parameter', 'permessage-deflate; foo'],
    ['an unknown parameter with a value', 'permessage-deflate; client_max_window_bits; mode=fast'],
    [
      'a repeated parameter',
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
    ],
    [
      'a repeated window parameter',
      'permessage-deflate; client_max_window_bits; client_max_window_bits=10',
    ],
    [
      'a repeated server window',
      'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10',
    ],
    ['a value on server_no_context_takeover', 'permessage-deflate; server_no_context_takeover=1'],
    ['a value on client_no_context_takeover', 'permessage-deflate; client_no_context_takeover="x"'],
    ['server_max_window_bits without a value', 'permessage-deflate; server_max_window_bits'],
    ['server_max_window_bits=7', 'permessage-deflate; server_max_window_bits=7'],
    ['server_max_window_bits=16', 'permessage-deflate; server_max_window_bits=16'],
    ['server_max_window_bits=08', 'permessage-deflate; server_max_window_bits=08'],
    ['server_max_window_bits=abc', 'permessage-deflate; server_max_window_bits=abc'],
    ['client_max_window_bits=7', 'permessage-deflate; client_max_window_bits=7'],
    ['client_max_window_bits=16', 'permessage-deflate; client_max_window_bits=16'],
    ['client_max_window_bits=08', 'permessage-deflate; client_max_window_bits=08'],
    ['client_max_window_bits=abc', 'permessage-deflate; client_max_window_bits=abc'],
    ['client_max_window_bits=-9', 'permessage-deflate; client_max_window_bits=-9'],
    ['client_max_window_bits=9.0', 'permessage-deflate; client_max_window_bits="9.0"'],
    [
      'server_max_window_bits=8 (zlib cannot do a raw 8-bit window)',
      'permessage-deflate; server_max_window_bits=8',
    ],
  ])('declines an offer with %s and takes the next one', (_what, offer) => {
    expect(negotiate(offer)).toBeNull();
    expect(negotiate(`${offer}, permessage-deflate; server_no_context_takeover`)).toEqual({
      params: { ...DEFAULTS, serverNoContextTakeover: true },
      response: { name: 'permessage-deflate', params: [['server_no_context_takeover', true]] },
    });
  });

  it.each(['', ' ', '+9'])('declines window values the parser cannot produce (%j)', (value) => {
    const offers: ExtensionOffer[] = [
      { name: 'permessage-deflate', params: [['client_max_window_bits', value]] },
      { name: 'permessage-deflate', params: [['server_max_window_bits', value]] },
      { name: 'permessage-deflate', params: [] },
    ];
    expect(negotiatePerMessageDeflate(offers)?.params).toEqual(DEFAULTS);
  });

  it('answers server_no_context_takeover and client_no_context_takeover when offered', () => {
    expect(negotiate('permessage-deflate; server_no_context_takeover')?.params).toEqual({
      ...DEFAULTS,
      serverNoContextTakeover: true,
    });
    expect(negotiate('permessage-deflate; client_no_context_takeover')?.params).toEqual({
      ...DEFAULTS,
      clientNoContextTakeover: true,
    });
    expect(
      answer('permessage-deflate; client_no_context_takeover; server_no_context_takeover'),
    ).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
  });

  it('adds the no_context_takeover parameters the policy asks for', () => {
    expect(answer('permessage-deflate', { serverNoContextTakeover: true })).toBe(
      'permessage-deflate; server_no_context_takeover',
    );
    expect(answer('permessage-deflate', { clientNoContextTakeover: true })).toBe(
      'permessage-deflate; client_no_context_takeover',
    );
    expect(
      negotiate('permessage-deflate', {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
      })?.params,
    ).toEqual({ ...DEFAULTS, serverNoContextTakeover: true, clientNoContextTakeover: true });
    expect(
      answer('permessage-deflate', {
        serverNoContextTakeover: false,
        clientNoContextTakeover: false,
      }),
    ).toBe('permessage-deflate');
  });

  it.each([9, 10, 11, 12, 13, 14, 15])(
    'answers server_max_window_bits=%i with a value no larger',
    (bits) => {
      const agreement = negotiate(`permessage-deflate; server_max_window_bits=${bits}`);
      expect(agreement?.params.serverMaxWindowBits).toBe(bits);
      expect(agreement?.response.params).toEqual([['server_max_window_bits', String(bits)]]);
      const smaller = negotiate(`permessage-deflate; server_max_window_bits=${bits}`, {
        serverMaxWindowBits: 10,
      });
      expect(smaller?.params.serverMaxWindowBits).toBe(Math.min(bits, 10));
      expect(smaller?.response.params).toEqual([
        ['server_max_window_bits', String(Math.min(bits, 10))],
      ]);
    },
  );

  it('declines server_max_window_bits=8 so that a later offer is accepted', () => {
    expect(
      negotiate(
        'permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=9',
      ),
    ).toEqual({
      params: { ...DEFAULTS, serverMaxWindowBits: 9 },
      response: { name: 'permessage-deflate', params: [['server_max_window_bits', '9']] },
    });
    expect(
      negotiate('permessage-deflate; server_max_window_bits=8', { serverMaxWindowBits: 9 }),
    ).toBeNull();
  });

  it('announces a policy window below 15 even when the client did not offer one', () => {
    expect(answer('permessage-deflate', { serverMaxWindowBits: 12 })).toBe(
      'permessage-deflate; server_max_window_bits=12',
    );
    expect(answer('permessage-deflate', { serverMaxWindowBits: 15 })).toBe('permessage-deflate');
  });

  it('keeps a policy window within what zlib can do', () => {
    const window = (policy: DeflateServerPolicy): number | undefined =>
      negotiate('permessage-deflate', policy)?.params.serverMaxWindowBits;
    expect(window({ serverMaxWindowBits: 8 })).toBe(9);
    expect(window({ serverMaxWindowBits: 0 })).toBe(9);
    expect(window({ serverMaxWindowBits: 20 })).toBe(15);
    expect(window({ serverMaxWindowBits: 11.7 })).toBe(11);
    expect(window({ serverMaxWindowBits: Number.NaN })).toBe(15);
    expect(window({ serverMaxWindowBits: Number.POSITIVE_INFINITY })).toBe(15);
    expect(
      answer('permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: Number.NaN }),
    ).toBe('permessage-deflate; server_max_window_bits=12');
  });

  it('answers client_max_window_bits with the offered value, or 15 without one', () => {
    for (let bits = 8; bits <= 15; bits++) {
      const agreement = negotiate(`permessage-deflate; client_max_window_bits=${bits}`);
      expect(agreement?.params.clientMaxWindowBits).toBe(bits);
      expect(agreement?.response.params).toEqual([['client_max_window_bits', String(bits)]]);
    }
    expect(negotiate('permessage-deflate; client_max_window_bits')).toEqual({
      params: DEFAULTS,
      response: { name: 'permessage-deflate', params: [['client_max_window_bits', '15']] },
    });
    expect(answer('permessage-deflate; client_max_window_bits="10"')).toBe(
      'permessage-deflate; client_max_window_bits=10',
    );
  });

  it('never answers client_max_window_bits when it was not offered', () => {
    const agreement = negotiate('permessage-deflate; server_max_window_bits=10', {
      clientNoContextTakeover: true,
      serverMaxWindowBits: 9,
    });
    expect(agreement?.response.params.map(([name]) => name)).not.toContain(
      'client_max_window_bits',
    );
    expect(agreement?.params.clientMaxWindowBits).toBe(15);
  });

  it('answers in a fixed parameter order whatever the offer order', () => {
    expect(
      answer(
        'permessage-deflate; client_max_window_bits=11; server_max_window_bits=12; client_no_context_takeover; server_no_context_takeover',
      ),
    ).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11',
    );
  });

  it('reads the RFC 7692 section 7.1.3 style offer list', () => {
    expect(
      answer(
        'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits',
      ),
    ).toBe('permessage-deflate; server_max_window_bits=10; client_max_window_bits=15');
  });

  describe('every combination of the four parameters', () => {
    const serverWindows: Array<string | null> = [null];
    const clientWindows: Array<string | true | null> = [null, true];
    for (let bits = 9; bits <= 15; bits++) {
      serverWindows.push(String(bits));
      clientWindows.push(String(bits));
    }
    const policies: DeflateServerPolicy[] = [
      {},
      { serverNoContextTakeover: true, clientNoContextTakeover: true },
      { serverMaxWindowBits: 11 },
    ];

    it('produces a response that parses back and keeps the RFC constraints', () => {
      let checked = 0;
      for (const serverNoContext of [false, true])
        for (const clientNoContext of [false, true])
          for (const serverWindow of serverWindows)
            for (const clientWindow of clientWindows)
              for (const policy of policies) {
                const params: ExtensionOffer['params'] = [];
                if (serverNoContext) params.push(['server_no_context_takeover', true]);
                if (clientNoContext) params.push(['client_no_context_takeover', true]);
                if (serverWindow !== null) params.push(['server_max_window_bits', serverWindow]);
                if (clientWindow !== null) params.push(['client_max_window_bits', clientWindow]);
                const offer: ExtensionOffer = { name: 'permessage-deflate', params };
                // The offer itself survives the header round trip.
                expect(parseExtensionHeader(formatExtensionHeader([offer]))).toEqual([offer]);

                const agreement = negotiatePerMessageDeflate([offer], policy);
                expect(agreement).not.toBeNull();
                const { params: agreed, response } = agreement!;
                const parsed = parseExtensionHeader(formatExtensionHeader([response]));
                expect(parsed).toEqual([response]);
                const answered = new Map(parsed![0].params);
                expect(answered.size).toBe(parsed![0].params.length);
                for (const [name, value] of answered) {
                  if (name.endsWith('_no_context_takeover')) expect(value).toBe(true);
                  else expect(value).toMatch(/^(9|1[0-5])$/);
                }

                // server_no_context_takeover: answered when offered (7.1.1.1).
                expect(agreed.serverNoContextTakeover).toBe(
                  serverNoContext || policy.serverNoContextTakeover === true,
                );
                expect(answered.has('server_no_context_takeover')).toBe(
                  agreed.serverNoContextTakeover,
                );
                // client_no_context_takeover: the server may add it (7.1.1.2).
                expect(agreed.clientNoContextTakeover).toBe(
                  clientNoContext || policy.clientNoContextTakeover === true,
                );
                expect(answered.has('client_no_context_takeover')).toBe(
                  agreed.clientNoContextTakeover,
                );
                // server_max_window_bits: answered with the same or a smaller value (7.1.2.1).
                if (serverWindow !== null) {
                  expect(answered.get('server_max_window_bits')).toBe(
                    String(agreed.serverMaxWindowBits),
                  );
                  expect(agreed.serverMaxWindowBits).toBeLessThanOrEqual(Number(serverWindow));
                } else if (answered.has('server_max_window_bits')) {
                  expect(answered.get('server_max_window_bits')).toBe(
                    String(agreed.serverMaxWindowBits),
                  );
                } else {
                  expect(agreed.serverMaxWindowBits).toBe(15);
                }
                expect(agreed.serverMaxWindowBits).toBeGreaterThanOrEqual(9);
                expect(agreed.serverMaxWindowBits).toBeLessThanOrEqual(
                  policy.serverMaxWindowBits ?? 15,
                );
                // client_max_window_bits: only when offered, never above the offered value (7.1.2.2).
                if (clientWindow === null) {
                  expect(answered.has('client_max_window_bits')).toBe(false);
                  expect(agreed.clientMaxWindowBits).toBe(15);
                } else {
                  expect(answered.get('client_max_window_bits')).toBe(
                    String(agreed.clientMaxWindowBits),
                  );
                  expect(agreed.clientMaxWindowBits).toBeLessThanOrEqual(
                    clientWindow === true ? 15 : Number(clientWindow),
                  );
                }
                // The response order is fixed.
                const order = [
                  'server_no_context_takeover',
                  'client_no_context_takeover',
                  'server_max_window_bits',
                  'client_max_window_bits',
                ];
                const names = response.params.map(([name]) => order.indexOf(name));
                expect(names).toEqual([...names].sort((a, b) => a - b));
                checked++;
              }
      expect(checked).toBe(2 * 2 * 8 * 9 * 3);
    });
  });
});
