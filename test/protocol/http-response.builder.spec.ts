import { describe, expect, it } from '@jest/globals';
import {
  buildErrorResponse,
  buildHandshakeResponse,
  buildResponseHead,
} from '../../src/protocol/http-response.builder.js';

describe('buildResponseHead', () => {
  it('writes the status line and a blank line', () => {
    expect(buildResponseHead(204)).toBe('HTTP/1.1 204 No Content\r\n\r\n');
    expect(buildResponseHead(599)).toBe('HTTP/1.1 599 Unknown\r\n\r\n');
  });

  it('writes headers in order, numbers as text, arrays as repeated lines', () => {
    expect(
      buildResponseHead(200, {
        'X-One': 'a',
        'Content-Length': 0,
        'Set-Cookie': ['a=1', 'b=2'],
        'X-Empty': [],
      }),
    ).toBe(
      'HTTP/1.1 200 OK\r\nX-One: a\r\nContent-Length: 0\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n',
    );
  });
});

describe('buildHandshakeResponse', () => {
  it('writes the exact RFC 6455 101 response', () => {
    expect(buildHandshakeResponse('dGhlIHNhbXBsZSBub25jZQ==')).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
        '\r\n',
    );
  });

  it('appends extra headers, arrays as repeated lines', () => {
    const response = buildHandshakeResponse('dGhlIHNhbXBsZSBub25jZQ==', {
      'Sec-WebSocket-Protocol': 'chat',
      'Sec-WebSocket-Extensions': 'permessage-deflate',
      'Set-Cookie': ['a=1', 'b=2'],
    });
    expect(response).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
        'Sec-WebSocket-Protocol: chat\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate\r\n' +
        'Set-Cookie: a=1\r\n' +
        'Set-Cookie: b=2\r\n' +
        '\r\n',
    );
    expect(response.endsWith('\r\n\r\n')).toBe(true);
    expect(response.indexOf('\r\n\r\n')).toBe(response.length - 4);
  });
});

describe('buildErrorResponse', () => {
  it('writes a closing plain-text response whose Content-Length matches the body', () => {
    expect(buildErrorResponse(400, 'missing or invalid Upgrade header')).toBe(
      'HTTP/1.1 400 Bad Request\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 34\r\n' +
        '\r\n' +
        'missing or invalid Upgrade header\n',
    );
  });

  it('counts the body in bytes, not characters', () => {
    const response = buildErrorResponse(403, 'verboten – ü');
    const [head, body] = response.split('\r\n\r\n');
    expect(body).toBe('verboten – ü\n');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(Buffer.byteLength(body)).toBe(body.length + 3);
    expect(head.startsWith('HTTP/1.1 403 Forbidden\r\n')).toBe(true);
  });

  it('adds extra headers such as Sec-WebSocket-Version on 426', () => {
    const response = buildErrorResponse(426, 'unsupported WebSocket version', {
      'Sec-WebSocket-Version': '13',
    });
    expect(response).toBe(
      'HTTP/1.1 426 Upgrade Required\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 30\r\n' +
        'Sec-WebSocket-Version: 13\r\n' +
        '\r\n' +
        'unsupported WebSocket version\n',
    );
  });
});

describe('buildHandshakeResponse: extra headers', () => {
  it('adds extra headers but never a second Upgrade, Connection or Sec-WebSocket-Accept', () => {
    const head = buildHandshakeResponse('dGhlIHNhbXBsZSBub25jZQ==', {
      'Sec-WebSocket-Protocol': 'chat',
      upgrade: 'h2c',
      CONNECTION: 'close',
      'sec-websocket-accept': 'forged',
      'Set-Cookie': ['a=1', 'b=2'],
    });
    expect(head).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
        'Sec-WebSocket-Protocol: chat\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n',
    );
  });
});
