import { describe, expect, it } from '@jest/globals';
import { findHeadEnd, parseRequestHead } from '../../src/protocol/request-head.parser.js';

const UPGRADE_LINES = [
  'GET /chat?room=1 HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
];

/** A request head (latin1) from its lines, with the closing blank line. */
function head(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

/** The typical upgrade head with `line` in place of its request line. */
function withRequestLine(line: string): Buffer {
  return head([line, ...UPGRADE_LINES.slice(1)]);
}

/** The typical upgrade head with extra header lines. */
function withHeaders(...lines: string[]): Buffer {
  return head([...UPGRADE_LINES, ...lines]);
}

describe('findHeadEnd', () => {
  it('returns the index just past the blank line', () => {
    const data = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\nrest');
    expect(findHeadEnd(data)).toBe(data.length - 'rest'.length);
  });

  it('returns the length when the head is all there is', () => {
    const data = head(UPGRADE_LINES);
    expect(findHeadEnd(data)).toBe(data.length);
  });

  it('returns -1 until the blank line arrives', () => {
    expect(findHeadEnd(Buffer.alloc(0))).toBe(-1);
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'))).toBe(-1);
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r'))).toBe(-1);
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\n\nHost: x\n\n'))).toBe(-1);
  });
});

describe('parseRequestHead', () => {
  it('reads a typical upgrade head: method, url, version, lower-case names, trimmed values', () => {
    const parsed = parseRequestHead(
      head([
        'GET /chat?room=1 HTTP/1.1',
        'Host:server.example.com',
        'Upgrade: websocket',
        'Connection:   Upgrade  ',
        'Sec-WebSocket-Key: \tdGhlIHNhbXBsZSBub25jZQ==\t',
        'SEC-WEBSOCKET-VERSION: 13',
        'Sec-WebSocket-Protocol: chat, superchat',
        'X-Empty:',
      ]),
    );
    expect(parsed).toEqual({
      method: 'GET',
      url: '/chat?room=1',
      httpVersion: '1.1',
      headers: {
        host: 'server.example.com',
        upgrade: 'websocket',
        connection: 'Upgrade',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
        'sec-websocket-protocol': 'chat, superchat',
        'x-empty': '',
      },
    });
  });

  it('reads a head with no header lines at all', () => {
    expect(parseRequestHead(head(['GET / HTTP/1.1']))).toEqual({
      method: 'GET',
      url: '/',
      httpVersion: '1.1',
      headers: {},
    });
  });

  it('gives httpVersion 1.0 for HTTP/1.0', () => {
    expect(parseRequestHead(withRequestLine('GET / HTTP/1.0'))?.httpVersion).toBe('1.0');
  });

  it('reads methods other than GET (the caller decides what to do with them)', () => {
    expect(parseRequestHead(head(['OPTIONS /x HTTP/1.1', 'Host: a']))?.method).toBe('OPTIONS');
  });

  it('accepts obs-text (bytes 0x80-0xff) in a value, kept as latin1', () => {
    const data = Buffer.concat([
      Buffer.from('GET / HTTP/1.1\r\nX-Name: caf'),
      Buffer.from([0xe9, 0x80, 0xff]),
      Buffer.from('\r\n\r\n'),
    ]);
    expect(parseRequestHead(data)?.headers['x-name']).toBe('caf\xe9\x80\xff');
  });

  it('keeps a non-breaking space (0xa0) at the edges of a value: only SP and HTAB are trimmed', () => {
    const data = Buffer.concat([
      Buffer.from('GET / HTTP/1.1\r\nX-Name: '),
      Buffer.from([0xa0]),
      Buffer.from('v'),
      Buffer.from([0xa0]),
      Buffer.from('\r\n\r\n'),
    ]);
    expect(parseRequestHead(data)?.headers['x-name']).toBe('\xa0v\xa0');
  });

  it('returns null without the closing blank line', () => {
    expect(parseRequestHead(Buffer.from(UPGRADE_LINES.join('\r\n') + '\r\n'))).toBeNull();
    expect(parseRequestHead(Buffer.from(UPGRADE_LINES.join('\r\n')))).toBeNull();
    expect(parseRequestHead(Buffer.from(UPGRADE_LINES.join('\n') + '\n\n'))).toBeNull();
    expect(parseRequestHead(Buffer.alloc(0))).toBeNull();
  });

  it('returns null when bytes follow the blank line (the head must be cut at findHeadEnd)', () => {
    expect(parseRequestHead(Buffer.concat([head(UPGRADE_LINES), Buffer.from('x')]))).toBeNull();
  });

  it.each([
    ['a lowercase method', 'get / HTTP/1.1'],
    ['a mixed-case method', 'Get / HTTP/1.1'],
    ['a method with a digit', 'G3T / HTTP/1.1'],
    ['an absolute-form target', 'GET http://example.com/ HTTP/1.1'],
    ['an authority-form target', 'CONNECT example.com:443 HTTP/1.1'],
    ['an asterisk-form target', 'OPTIONS * HTTP/1.1'],
    ['an empty target', 'GET  HTTP/1.1'],
    ['HTTP/2.0', 'GET / HTTP/2.0'],
    ['HTTP/1 without a minor version', 'GET / HTTP/1'],
    ['HTTP/1.2', 'GET / HTTP/1.2'],
    ['HTTP/1.10', 'GET / HTTP/1.10'],
    ['a lowercase protocol name', 'GET / http/1.1'],
    ['HTTP/0.9 style (no version)', 'GET /'],
    ['two spaces after the method', 'GET  / HTTP/1.1'],
    ['two spaces before the version', 'GET /  HTTP/1.1'],
    ['a leading space', ' GET / HTTP/1.1'],
    ['a trailing space', 'GET / HTTP/1.1 '],
    ['a tab instead of a space', 'GET\t/ HTTP/1.1'],
    ['a space inside the target', 'GET /a b HTTP/1.1'],
    ['a control char inside the target', 'GET /a\x01b HTTP/1.1'],
    ['a non-ASCII byte inside the target', 'GET /caf\xe9 HTTP/1.1'],
    ['a bare CR at the end', 'GET / HTTP/1.1\r'],
    ['an empty request line', ''],
  ])('returns null for a bad request line: %s', (_label, line) => {
    expect(parseRequestHead(withRequestLine(line))).toBeNull();
  });

  it.each([
    ['a line without a colon', 'X-Name value'],
    ['an empty name', ': value'],
    ['a space before the colon', 'X-Name : value'],
    ['a space inside the name', 'X Name: value'],
    ['obs-fold (a line starting with a space)', ' continued'],
    ['obs-fold (a line starting with a tab)', '\tcontinued'],
    ['a non-token char in the name', 'X(Name): value'],
    ['a slash in the name', 'X/Name: value'],
    ['a non-ASCII byte in the name', 'X-Caf\xe9: value'],
    ['a NUL in the value', 'X-Name: a\x00b'],
    ['a bare CR inside the value', 'X-Name: a\rb'],
    ['a bare CR at the end of the value', 'X-Name: ab\r'],
    ['a bare LF inside the value', 'X-Name: a\nb'],
    ['a bare LF at the end of the value', 'X-Name: ab\n'],
    ['a vertical tab at the start of the value', 'X-Name: \x0bab'],
    ['a form feed at the end of the value', 'X-Name: ab\x0c'],
    ['another control char in the value', 'X-Name: a\x1bb'],
    ['DEL in the value', 'X-Name: a\x7fb'],
  ])('returns null for a bad header line: %s', (_label, line) => {
    expect(parseRequestHead(withHeaders(line))).toBeNull();
  });

  it.each([
    ['the same spelling', 'Upgrade: websocket'],
    ['another case', 'UPGRADE: websocket'],
    ['another value', 'upgrade: h2c'],
  ])('returns null for a duplicated header: %s', (_label, line) => {
    expect(parseRequestHead(withHeaders(line))).toBeNull();
  });

  it('returns null for a duplicated header even when both lines are not standard headers', () => {
    expect(parseRequestHead(withHeaders('User-Agent: a', 'user-agent: a'))).toBeNull();
  });

  it.each([
    ['Content-Length: 0'],
    ['content-length: 5'],
    ['Transfer-Encoding: chunked'],
    ['TRANSFER-ENCODING: identity'],
  ])('returns null when the request may have a body: %s', (line) => {
    expect(parseRequestHead(withHeaders(line))).toBeNull();
  });
});
