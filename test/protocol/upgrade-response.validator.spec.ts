import { describe, expect, it } from '@jest/globals';
import { computeAcceptKey } from '../../src/protocol/accept-key.js';
import {
  type UpgradeOffer,
  type UpgradeResponseLike,
  validateUpgradeResponse,
} from '../../src/protocol/upgrade-response.validator.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const OFFER: UpgradeOffer = { key: KEY, subprotocols: [], deflate: null };

function response(headers: UpgradeResponseLike['headers'] = {}, statusCode = 101) {
  return {
    statusCode,
    statusMessage: statusCode === 101 ? 'Switching Protocols' : 'Not Found',
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-accept': computeAcceptKey(KEY),
      ...headers,
    },
  };
}

describe('validateUpgradeResponse', () => {
  it("accepts RFC 6455's own example", () => {
    expect(computeAcceptKey(KEY)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(validateUpgradeResponse(response(), OFFER)).toEqual({
      ok: true,
      protocol: '',
      extensions: '',
      deflate: null,
    });
  });

  it('takes the header tokens in any case and in lists', () => {
    const check = validateUpgradeResponse(
      response({ upgrade: 'WebSocket', connection: 'keep-alive, UPGRADE' }),
      OFFER,
    );
    expect(check.ok).toBe(true);
  });

  it('refuses another status, naming it', () => {
    expect(validateUpgradeResponse(response({}, 404), OFFER)).toEqual({
      ok: false,
      reason: 'unexpected server response: 404 Not Found (expected 101 Switching Protocols)',
    });
    expect(validateUpgradeResponse({ headers: {} }, OFFER)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no status/),
    });
  });

  it.each([
    ['no Upgrade', { upgrade: undefined }, /Upgrade: websocket/],
    ['another Upgrade', { upgrade: 'h2c' }, /Upgrade: websocket/],
    ['no Connection: Upgrade', { connection: 'close' }, /Connection: Upgrade/],
    ['no accept key', { 'sec-websocket-accept': undefined }, /Sec-WebSocket-Accept/],
    [
      'a wrong accept key',
      { 'sec-websocket-accept': computeAcceptKey('x') },
      /Sec-WebSocket-Accept/,
    ],
  ])('refuses %s', (_title, headers, reason) => {
    expect(validateUpgradeResponse(response(headers), OFFER)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(reason),
    });
  });

  describe('subprotocols', () => {
    const offer = { ...OFFER, subprotocols: ['chat', 'json'] };

    it('takes one that was offered', () => {
      expect(
        validateUpgradeResponse(response({ 'sec-websocket-protocol': 'json' }), offer),
      ).toMatchObject({ ok: true, protocol: 'json' });
    });

    it('takes none, even when some were offered', () => {
      expect(validateUpgradeResponse(response(), offer)).toMatchObject({ ok: true, protocol: '' });
    });

    it.each([
      ['one not offered', 'xml', offer, /subprotocol "xml", which the client did not offer/],
      ['one when none was offered', 'chat', OFFER, /subprotocol "chat"/],
      ['two at once', 'chat, json', offer, /invalid Sec-WebSocket-Protocol/],
      ['repeated headers', ['chat', 'json'], offer, /invalid Sec-WebSocket-Protocol/],
    ])('refuses %s', (_title, header, offered, reason) => {
      expect(
        validateUpgradeResponse(response({ 'sec-websocket-protocol': header }), offered),
      ).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
    });
  });

  describe('extensions', () => {
    const offer = { ...OFFER, deflate: { clientMaxWindowBits: true as const } };

    it('agrees on permessage-deflate when offered', () => {
      expect(
        validateUpgradeResponse(
          response({
            'sec-websocket-extensions': 'permessage-deflate;client_max_window_bits=10',
          }),
          offer,
        ),
      ).toEqual({
        ok: true,
        protocol: '',
        extensions: 'permessage-deflate; client_max_window_bits=10',
        deflate: {
          serverNoContextTakeover: false,
          clientNoContextTakeover: false,
          serverMaxWindowBits: 15,
          clientMaxWindowBits: 10,
        },
      });
    });

    it('takes a declined offer (no header, or an empty one)', () => {
      expect(validateUpgradeResponse(response(), offer)).toMatchObject({ ok: true, deflate: null });
      expect(
        validateUpgradeResponse(response({ 'sec-websocket-extensions': '' }), offer),
      ).toMatchObject({ ok: true, deflate: null });
    });

    it.each([
      ['an extension when none was offered', 'permessage-deflate', OFFER, /did not offer/],
      ['another extension', 'x-custom', offer, /extension "x-custom"/],
      ['two extensions', 'permessage-deflate, x-custom', offer, /more extensions/],
      ['a malformed header', 'permessage-deflate; ;', offer, /malformed/],
      [
        'invalid parameters',
        'permessage-deflate; server_max_window_bits=20',
        offer,
        /permessage-deflate answer is invalid/,
      ],
    ])('refuses %s', (_title, header, offered, reason) => {
      expect(
        validateUpgradeResponse(response({ 'sec-websocket-extensions': header }), offered),
      ).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
    });
  });
});
