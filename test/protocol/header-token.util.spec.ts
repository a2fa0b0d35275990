import { describe, expect, it } from '@jest/globals';
import { headerHasToken, isToken, splitHeaderList } from '../../src/protocol/header-token.util.js';

describe('isToken', () => {
  it('accepts RFC 9110 token characters', () => {
    expect(isToken('websocket')).toBe(true);
    expect(isToken('permessage-deflate')).toBe(true);
    expect(isToken("!#$%&'*+-.^_`|~09AZaz")).toBe(true);
    expect(isToken('10')).toBe(true);
  });

  it.each([
    '',
    ' ',
    'a b',
    'a,b',
    'a;b',
    'a=b',
    '"a"',
    'a/b',
    '(a)',
    'a\tb',
    'é',
    '[a]',
    '{a}',
    'a@b',
    'a:b',
    'a?b',
    'a\\b',
  ])('rejects %j', (value) => {
    expect(isToken(value)).toBe(false);
  });
});

describe('splitHeaderList', () => {
  it('returns nothing for a missing header', () => {
    expect(splitHeaderList(undefined)).toEqual([]);
    expect(splitHeaderList('')).toEqual([]);
    expect(splitHeaderList([])).toEqual([]);
  });

  it('splits, trims and drops empty elements', () => {
    expect(splitHeaderList('a')).toEqual(['a']);
    expect(splitHeaderList(' keep-alive ,  Upgrade ')).toEqual(['keep-alive', 'Upgrade']);
    expect(splitHeaderList('a,,b, ,c,')).toEqual(['a', 'b', 'c']);
    expect(splitHeaderList('\ta\t,b')).toEqual(['a', 'b']);
  });

  it('joins several header lines into one list', () => {
    expect(splitHeaderList(['a, b', 'c', ' d '])).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('headerHasToken', () => {
  it('finds a token case-insensitively in a list', () => {
    expect(headerHasToken('keep-alive, Upgrade', 'upgrade')).toBe(true);
    expect(headerHasToken('UPGRADE', 'Upgrade')).toBe(true);
    expect(headerHasToken(['keep-alive', 'upgrade'], 'upgrade')).toBe(true);
    expect(headerHasToken('WebSocket', 'websocket')).toBe(true);
  });

  it('matches whole elements only', () => {
    expect(headerHasToken('keep-alive', 'upgrade')).toBe(false);
    expect(headerHasToken('upgrade-insecure', 'upgrade')).toBe(false);
    expect(headerHasToken('websocket2', 'websocket')).toBe(false);
    expect(headerHasToken('keep-alive upgrade', 'upgrade')).toBe(false);
    expect(headerHasToken(undefined, 'upgrade')).toBe(false);
    expect(headerHasToken('', 'upgrade')).toBe(false);
  });
});
