import { describe, expect, it } from '@jest/globals';
import { WsResponse, type WsResponseTarget } from '../../src/gateway/ws-response.js';

function response(): { response: WsResponse; ended: Array<Buffer | undefined> } {
  const ended: Array<Buffer | undefined> = [];
  const target: WsResponseTarget = {
    write: () => true,
    end: (_r, chunk) => void ended.push(chunk),
  };
  return { response: new WsResponse(1, target), ended };
}

describe('WsResponse', () => {
  it('sets status and headers until the head is sent', () => {
    const { response: res, ended } = response();
    expect(res.status(404, 'Nope')).toBe(true);
    expect(res.header('X-Thing', 3)).toBe(true);
    expect(res.header('X-List', ['a', 'b'])).toBe(true);
    expect(res.headers).toEqual({ 'X-Thing': '3', 'X-List': ['a', 'b'] });
    expect(res.end('body')).toBe(true);
    expect(ended[0]?.toString()).toBe('body');
    expect(res.header('X-Late', 'no')).toBe(false);
    expect(res.status(200)).toBe(false);
    expect(res.end()).toBe(false);
  });

  it('refuses header values with CR, LF or NUL (no response splitting) and bad names', () => {
    const { response: res } = response();
    expect(res.header('X-Evil', 'a\r\nSet-Cookie: x=1')).toBe(false);
    expect(res.header('X-Evil', ['ok', 'b\nc'])).toBe(false);
    expect(res.header('X-Evil', 'nul\0')).toBe(false);
    expect(res.header('Bad Name', 'v')).toBe(false);
    expect(res.headers).toEqual({});
  });

  it('adds cookies and redirects', () => {
    const { response: res } = response();
    expect(res.cookie('a', 'b c', { path: '/', httponly: true, samesite: 'Lax' })).toBe(true);
    expect(res.cookie('z', '1')).toBe(true);
    expect(res.headers['Set-Cookie']).toEqual(['a=b%20c; Path=/; HttpOnly; SameSite=Lax', 'z=1']);
    expect(res.redirect('/next')).toBe(true);
    expect(res.statusCode).toBe(302);
    expect(res.headers['Location']).toBe('/next');
    expect(res.isWritable()).toBe(false);
  });
});
