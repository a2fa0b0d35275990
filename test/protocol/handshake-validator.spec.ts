import { describe, expect, it } from '@jest/globals';
import {
  type UpgradeRequestLike,
  WEBSOCKET_VERSION,
  validateUpgradeRequest,
} from '../../src/protocol/handshake-validator.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function request(
  headers: Record<string, string | string[] | undefined> = {},
  overrides: Partial<UpgradeRequestLike> = {},
): UpgradeRequestLike {
  return {
    method: 'GET',
    httpVersion: '1.1',
    headers: {
      host: 'server.example.com',
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': KEY,
      'sec-websocket-version': '13',
      ...headers,
    },
    ...overrides,
  };
}

function expectRefused(
  req: UpgradeRequestLike,
  status: number,
  reason: RegExp,
  headers: Record<string, string> = {},
) {
  const result = validateUpgradeRequest(req);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.status).toBe(status);
  expect(result.reason).toMatch(reason);
  expect(result.headers).toEqual(headers);
}

describe('validateUpgradeRequest', () => {
  it('speaks version 13', () => {
    expect(WEBSOCKET_VERSION).toBe('13');
  });

  it('accepts the RFC 6455 section 1.2 request', () => {
    const result = validateUpgradeRequest(
      request({
        origin: 'http://example.com',
        'sec-websocket-protocol': 'chat, superchat',
      }),
    );
    expect(result).toEqual({
      ok: true,
      key: KEY,
      subprotocols: ['chat', 'superchat'],
      extensions: [],
    });
  });

  it('accepts a minimal request with no protocols or extensions', () => {
    expect(validateUpgradeRequest(request())).toEqual({
      ok: true,
      key: KEY,
      subprotocols: [],
      extensions: [],
    });
  });

  it('returns the offered extensions', () => {
    const result = validateUpgradeRequest(
      request({
        'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
      }),
    );
    expect(result).toEqual({
      ok: true,
      key: KEY,
      subprotocols: [],
      extensions: [{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] }],
    });
  });

  it('trims the key', () => {
    const result = validateUpgradeRequest(request({ 'sec-websocket-key': `  ${KEY} ` }));
    expect(result.ok && result.key).toBe(KEY);
  });

  it('accepts later HTTP versions', () => {
    expect(validateUpgradeRequest(request({}, { httpVersion: '1.2' })).ok).toBe(true);
    expect(validateUpgradeRequest(request({}, { httpVersion: '2.0' })).ok).toBe(true);
  });

  it('accepts Connection and Upgrade token lists case-insensitively', () => {
    expect(validateUpgradeRequest(request({ connection: 'keep-alive, Upgrade' })).ok).toBe(true);
    expect(validateUpgradeRequest(request({ connection: 'UPGRADE' })).ok).toBe(true);
    expect(validateUpgradeRequest(request({ connection: ['keep-alive', 'upgrade'] })).ok).toBe(
      true,
    );
    expect(validateUpgradeRequest(request({ upgrade: 'WebSocket' })).ok).toBe(true);
    expect(validateUpgradeRequest(request({ upgrade: 'h2c, websocket' })).ok).toBe(true);
  });

  it.each(['POST', 'get', 'HEAD', undefined])('refuses method %s with 400', (method) => {
    expectRefused(request({}, { method }), 400, /GET/);
  });

  it.each(['1.0', '0.9', 'x'])('refuses HTTP/%s with 400', (httpVersion) => {
    expectRefused(request({}, { httpVersion }), 400, /HTTP\/1\.1/);
  });

  it.each([undefined, '', 'websockets', 'h2c', 'web socket'])(
    'refuses Upgrade %j with 400',
    (upgrade) => {
      expectRefused(request({ upgrade }), 400, /Upgrade header/);
    },
  );

  it.each([undefined, '', 'keep-alive', 'close', 'upgrades', 'keep-alive upgrade'])(
    'refuses Connection %j with 400',
    (connection) => {
      expectRefused(request({ connection }), 400, /Connection header/);
    },
  );

  it.each([undefined, '', '8', '12', '14', '13, 8', ' 13x'])(
    'refuses version %j with 426 and Sec-WebSocket-Version: 13',
    (version) => {
      expectRefused(request({ 'sec-websocket-version': version }), 426, /version/, {
        'Sec-WebSocket-Version': '13',
      });
    },
  );

  it('refuses a version given as several header lines', () => {
    expectRefused(request({ 'sec-websocket-version': ['13', '13'] }), 426, /version/, {
      'Sec-WebSocket-Version': '13',
    });
  });

  it.each([
    undefined,
    '',
    'short',
    Buffer.alloc(15).toString('base64'),
    Buffer.alloc(17).toString('base64'),
    'dGhlIHNhbXBsZSBub25jZQ',
    'dGhlIHNhbXBsZSBub25j*Q==',
    [KEY, KEY],
  ])('refuses the key %j with 400', (key) => {
    expectRefused(request({ 'sec-websocket-key': key }), 400, /Sec-WebSocket-Key/);
  });

  it.each(['chat, super chat', 'chat;q=1', '"chat"'])(
    'refuses the protocol header %j with 400',
    (protocol) => {
      expectRefused(request({ 'sec-websocket-protocol': protocol }), 400, /Sec-WebSocket-Protocol/);
    },
  );

  it.each(['permessage-deflate;', 'foo,,bar', 'foo; a="1 0"', ['foo', 'bar;']])(
    'refuses the extension header %j with 400',
    (extensions) => {
      expectRefused(
        request({ 'sec-websocket-extensions': extensions }),
        400,
        /Sec-WebSocket-Extensions/,
      );
    },
  );

  it('checks in order: method before version before key', () => {
    expectRefused(
      request({ 'sec-websocket-version': '8', 'sec-websocket-key': 'bad' }, { method: 'POST' }),
      400,
      /GET/,
    );
    expectRefused(
      request({ 'sec-websocket-version': '8', 'sec-websocket-key': 'bad' }),
      426,
      /version/,
      { 'Sec-WebSocket-Version': '13' },
    );
  });
});
