import { describe, expect, it } from '@jest/globals';
import { OutgoingFragments } from '../../src/client/outgoing-fragments.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';

const TEXT = WEBSOCKET_OPCODE_TEXT;
const BINARY = WEBSOCKET_OPCODE_BINARY;
const CONTINUATION = WEBSOCKET_OPCODE_CONTINUATION;

/** Sends the pieces as one fragmented message; returns what `check` said for each. */
function send(fragments: OutgoingFragments, opcode: number, pieces: Buffer[]): boolean[] {
  return pieces.map((piece, i) => {
    const frameOpcode = i === 0 ? opcode : CONTINUATION;
    const fin = i === pieces.length - 1;
    const ok = fragments.check(frameOpcode, piece, fin, false);
    if (ok) fragments.commit(frameOpcode, piece, fin);
    return ok;
  });
}

describe('OutgoingFragments', () => {
  it('whole messages: any binary, valid text only (strings always)', () => {
    const fragments = new OutgoingFragments();
    expect(fragments.check(BINARY, Buffer.from([0xff]), true, false)).toBe(true);
    expect(fragments.check(TEXT, Buffer.from('ok'), true, false)).toBe(true);
    expect(fragments.check(TEXT, Buffer.from([0xff]), true, false)).toBe(false);
    expect(fragments.check(TEXT, Buffer.from([0xff]), true, true)).toBe(true);
    expect(fragments.inProgress).toBe(false);
  });

  it('a continuation needs a message in progress, a new message needs none', () => {
    const fragments = new OutgoingFragments();
    expect(fragments.check(CONTINUATION, Buffer.from('x'), true, false)).toBe(false);
    fragments.commit(BINARY, Buffer.from('a'), false);
    expect(fragments.inProgress).toBe(true);
    expect(fragments.check(BINARY, Buffer.from('b'), true, false)).toBe(false);
    expect(fragments.check(TEXT, Buffer.from('b'), true, false)).toBe(false);
    expect(fragments.check(CONTINUATION, Buffer.from('b'), false, false)).toBe(true);
    fragments.commit(CONTINUATION, Buffer.from('b'), true);
    expect(fragments.inProgress).toBe(false);
  });

  it('text may cut a code point between fragments', () => {
    const fragments = new OutgoingFragments();
    const bytes = Buffer.from('a€𝄞b');
    expect(
      send(
        fragments,
        TEXT,
        [...bytes].map((byte) => Buffer.from([byte])),
      ),
    ).toEqual(new Array(bytes.length).fill(true));
    expect(fragments.inProgress).toBe(false);
  });

  it('refuses a piece that makes the text invalid, without losing its place', () => {
    const fragments = new OutgoingFragments();
    const euro = Buffer.from('€');
    fragments.commit(TEXT, euro.subarray(0, 1), false);
    expect(fragments.check(CONTINUATION, Buffer.from([0x28]), false, false)).toBe(false);
    // The refused piece changed nothing: the right bytes still continue the code point.
    expect(fragments.check(CONTINUATION, euro.subarray(1), true, false)).toBe(true);
  });

  it('refuses a final fragment that ends inside a code point', () => {
    const fragments = new OutgoingFragments();
    expect(send(fragments, TEXT, [Buffer.from('ok'), Buffer.from([0xe2, 0x82])])).toEqual([
      true,
      false,
    ]);
  });

  it('checks string fragments too, after a cut code point', () => {
    const fragments = new OutgoingFragments();
    fragments.commit(TEXT, Buffer.from([0xe2]), false);
    expect(fragments.check(CONTINUATION, Buffer.from('plain'), true, true)).toBe(false);
  });

  it('does not check binary fragments', () => {
    const fragments = new OutgoingFragments();
    expect(send(fragments, BINARY, [Buffer.from([0xff]), Buffer.from([0xfe])])).toEqual([
      true,
      true,
    ]);
  });
});
