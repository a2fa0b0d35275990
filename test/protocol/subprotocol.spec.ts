import { describe, expect, it } from '@jest/globals';
import { parseSubprotocols, selectSubprotocol } from '../../src/protocol/subprotocol.js';

describe('parseSubprotocols', () => {
  it('returns the offered names in order', () => {
    expect(parseSubprotocols('chat, superchat')).toEqual(['chat', 'superchat']);
    expect(parseSubprotocols('v2.json.example,v1.json.example')).toEqual([
      'v2.json.example',
      'v1.json.example',
    ]);
  });

  it('joins several header lines', () => {
    expect(parseSubprotocols(['chat', 'superchat, mqtt'])).toEqual(['chat', 'superchat', 'mqtt']);
  });

  it('returns an empty list without the header', () => {
    expect(parseSubprotocols(undefined)).toEqual([]);
    expect(parseSubprotocols('')).toEqual([]);
  });

  it.each(['chat, super chat', 'chat;v=1', '"chat"', 'chat, a/b', 'ch@t'])(
    'returns null for the invalid token list %j',
    (header) => {
      expect(parseSubprotocols(header)).toBeNull();
    },
  );

  it('returns null when one header line is invalid', () => {
    expect(parseSubprotocols(['chat', 'bad name'])).toBeNull();
  });
});

describe('selectSubprotocol', () => {
  it('picks the first offered name the server supports', () => {
    expect(selectSubprotocol(['a', 'b', 'c'], ['c', 'b'])).toBe('b');
    expect(selectSubprotocol(['c', 'b'], ['b', 'c'])).toBe('c');
  });

  it('accepts one name or a comma-separated list as a string', () => {
    expect(selectSubprotocol(['chat', 'mqtt'], 'mqtt')).toBe('mqtt');
    expect(selectSubprotocol(['x', 'mqtt', 'chat'], 'chat, mqtt')).toBe('mqtt');
    expect(selectSubprotocol(['chat'], ' chat ,mqtt')).toBe('chat');
  });

  it('compares names case-sensitively and whole', () => {
    expect(selectSubprotocol(['Chat'], 'chat')).toBeUndefined();
    expect(selectSubprotocol(['chat'], 'chatter')).toBeUndefined();
    expect(selectSubprotocol(['ch'], 'chat')).toBeUndefined();
  });

  it('returns undefined when nothing matches or nothing is supported or offered', () => {
    expect(selectSubprotocol(['a'], ['b'])).toBeUndefined();
    expect(selectSubprotocol(['a'], undefined)).toBeUndefined();
    expect(selectSubprotocol(['a'], '')).toBeUndefined();
    expect(selectSubprotocol(['a'], [])).toBeUndefined();
    expect(selectSubprotocol([], ['a'])).toBeUndefined();
  });
});
