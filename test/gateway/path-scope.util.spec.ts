import { describe, expect, it } from '@jest/globals';
import { pathCovers } from '../../src/gateway/path-scope.util.js';

describe('pathCovers', () => {
  it('without a scope, or with "/", covers every path', () => {
    expect(pathCovers(undefined, '/anything')).toBe(true);
    expect(pathCovers('/', '/')).toBe(true);
    expect(pathCovers('/', '/a/b')).toBe(true);
  });

  it('covers the same path and the paths below it', () => {
    expect(pathCovers('/chat', '/chat')).toBe(true);
    expect(pathCovers('/chat', '/chat/')).toBe(true);
    expect(pathCovers('/chat', '/chat/room/1')).toBe(true);
  });

  it('does not cover a path that only starts with the same letters', () => {
    expect(pathCovers('/chat', '/chatter')).toBe(false);
    expect(pathCovers('/chat', '/cha')).toBe(false);
    expect(pathCovers('/chat', '/')).toBe(false);
    expect(pathCovers('/a', '/b')).toBe(false);
  });

  it('treats a scope with a trailing slash as the same scope', () => {
    expect(pathCovers('/chat/', '/chat')).toBe(true);
    expect(pathCovers('/chat/', '/chat/room')).toBe(true);
    expect(pathCovers('/chat/', '/chatter')).toBe(false);
  });

  it('handles nested scopes', () => {
    expect(pathCovers('/api/ws', '/api/ws/x')).toBe(true);
    expect(pathCovers('/api/ws', '/api')).toBe(false);
  });
});
