import { describe, expect, it } from '@jest/globals';
import { resolveClientOptions } from '../../src/client/client-options.resolver.js';
import type { WsClientOptions } from '../../src/client/ws-client-options.interface.js';
import { WsConnectionError } from '../../src/client/ws-connection.error.js';

function refusal(url: string, options: WsClientOptions): WsConnectionError {
  try {
    resolveClientOptions(url, options);
  } catch (error) {
    expect(error).toBeInstanceOf(WsConnectionError);
    return error as WsConnectionError;
  }
  throw new Error('accepted');
}

describe('resolveClientOptions', () => {
  it('applies the defaults', () => {
    expect(resolveClientOptions('ws://example.test/chat?room=1')).toEqual({
      secure: false,
      host: 'example.test',
      port: 80,
      path: '/chat?room=1',
      headers: {},
      subprotocols: [],
      deflate: null,
      handshakeTimeout: 10_000,
      closeTimeout: 5_000,
      maxPayload: 2 * 1024 * 1024,
      maxOutputBuffer: 16 * 1024 * 1024,
      maxQueuedMessages: 1024,
      maxQueuedBytes: 16 * 1024 * 1024,
      tls: {},
    });
  });

  it('reads wss URLs, ports, IPv6 hosts and URL objects', () => {
    expect(resolveClientOptions('wss://example.test')).toMatchObject({
      secure: true,
      port: 443,
      path: '/',
    });
    expect(resolveClientOptions(new URL('ws://[::1]:9501'))).toMatchObject({
      host: '::1',
      port: 9501,
    });
  });

  it('keeps the options given, and only the TLS ones in tls', () => {
    const resolved = resolveClientOptions('wss://h/', {
      headers: { Origin: 'http://h', Cookie: ['a=1', 'b=2'] },
      subprotocols: 'chat',
      compression: { serverNoContextTakeover: true },
      handshakeTimeout: 1,
      closeTimeout: 2,
      maxPayload: 3,
      maxOutputBuffer: 4,
      maxQueuedMessages: 5,
      maxQueuedBytes: 6,
      ca: 'CA',
      rejectUnauthorized: false,
      servername: 'h',
    });
    expect(resolved).toMatchObject({
      headers: { Origin: 'http://h', Cookie: ['a=1', 'b=2'] },
      subprotocols: ['chat'],
      deflate: { serverNoContextTakeover: true },
      handshakeTimeout: 1,
      closeTimeout: 2,
      maxPayload: 3,
      maxOutputBuffer: 4,
      maxQueuedMessages: 5,
      maxQueuedBytes: 6,
      tls: { ca: 'CA', rejectUnauthorized: false, servername: 'h' },
    });
  });

  it('compression: true offers client_max_window_bits, false none', () => {
    expect(resolveClientOptions('ws://h/', { compression: true }).deflate).toEqual({
      clientMaxWindowBits: true,
    });
    expect(resolveClientOptions('ws://h/', { compression: false }).deflate).toBeNull();
  });

  it.each<[string, string, WsClientOptions, RegExp]>([
    ['a bad URL', '::', {}, /invalid WebSocket URL/],
    ['another scheme', 'ftp://h/', {}, /ws:\/\/ or wss:\/\//],
    ['a fragment', 'ws://h/#x', {}, /fragment/],
    ['headers not an object', 'ws://h/', { headers: 'x' as never }, /headers must be an object/],
    ['a bad header name', 'ws://h/', { headers: { 'a b': 'x' } }, /headers.a b/],
    ['a bad header value', 'ws://h/', { headers: { a: 1 as never } }, /headers.a/],
    ['a reserved header', 'ws://h/', { headers: { upgrade: 'x' } }, /headers.upgrade is set/],
    ['subprotocols not a list', 'ws://h/', { subprotocols: 3 as never }, /subprotocols must be/],
    ['an empty subprotocol', 'ws://h/', { subprotocols: [''] }, /not a valid subprotocol/],
    ['compression not an object', 'ws://h/', { compression: 'yes' as never }, /compression must/],
    [
      'a bad compression option',
      'ws://h/',
      { compression: { clientMaxWindowBits: 20 } },
      /compression.clientMaxWindowBits/,
    ],
    ['a zero timeout', 'ws://h/', { closeTimeout: 0 }, /closeTimeout must be a positive number/],
    ['an infinite size', 'ws://h/', { maxQueuedBytes: Infinity }, /maxQueuedBytes/],
    ['a string size', 'ws://h/', { maxOutputBuffer: '1' as never }, /maxOutputBuffer/],
  ])('refuses %s, naming it', (_title, url, options, message) => {
    const error = refusal(url, options);
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toMatch(message);
  });
});
