import { describe, expect, it } from '@jest/globals';
import { OutboundQueue } from '../../src/gateway/outbound-queue.js';

/** A queue writing into an array of strings. */
function queue(): { queue: OutboundQueue; written: string[] } {
  const written: string[] = [];
  return { queue: new OutboundQueue((buffer) => written.push(buffer.toString())), written };
}

const b = (text: string): Buffer => Buffer.from(text);

describe('OutboundQueue', () => {
  it('writes at once when nothing is pending', () => {
    const { queue: outbound, written } = queue();
    expect(outbound.idle).toBe(true);
    outbound.push([b('a'), b('b')]);
    expect(written).toEqual(['a', 'b']);
    expect(outbound.idle).toBe(true);
    expect(outbound.pendingBytes).toBe(0);
  });

  it('holds frames pushed after a reservation until it is delivered, then writes in order', () => {
    const { queue: outbound, written } = queue();
    outbound.push([b('first')]);
    const deliver = outbound.reserve();
    outbound.push([b('third')]);
    outbound.push([b('fourth')]);
    expect(written).toEqual(['first']);
    expect(outbound.idle).toBe(false);
    expect(outbound.pendingBytes).toBe('thirdfourth'.length);
    deliver([b('sec'), b('ond')]);
    expect(written).toEqual(['first', 'sec', 'ond', 'third', 'fourth']);
    expect(outbound.idle).toBe(true);
    expect(outbound.pendingBytes).toBe(0);
  });

  it('counts a reservation at its estimate until delivered, then at its real size', () => {
    const { queue: outbound } = queue();
    const deliverFirst = outbound.reserve(1000);
    const deliverSecond = outbound.reserve(500);
    expect(outbound.pendingBytes).toBe(1500);
    deliverSecond([b('x'.repeat(40))]);
    // Ready but still behind the first: counted at its real size now.
    expect(outbound.pendingBytes).toBe(1040);
    deliverFirst([b('y'.repeat(10))]);
    expect(outbound.pendingBytes).toBe(0);
  });

  it('writes reservations in reservation order even when delivered out of order', () => {
    const { queue: outbound, written } = queue();
    const first = outbound.reserve();
    const second = outbound.reserve();
    outbound.push([b('plain')]);
    second([b('second')]);
    expect(written).toEqual([]);
    first([b('first')]);
    expect(written).toEqual(['first', 'second', 'plain']);
  });

  it('calls whenIdle callbacks at once, or once everything queued is written', () => {
    const { queue: outbound, written } = queue();
    const calls: string[] = [];
    outbound.whenIdle(() => calls.push('now'));
    expect(calls).toEqual(['now']);
    const deliver = outbound.reserve();
    outbound.push([b('close')]);
    outbound.whenIdle(() => calls.push(`idle after ${written.join(',')}`));
    expect(calls).toEqual(['now']);
    deliver([b('message')]);
    expect(calls).toEqual(['now', 'idle after message,close']);
  });

  it('ignores a second delivery of the same reservation', () => {
    const { queue: outbound, written } = queue();
    const deliver = outbound.reserve(10);
    deliver([b('once')]);
    deliver([b('twice')]);
    expect(written).toEqual(['once']);
    expect(outbound.pendingBytes).toBe(0);
  });

  it('clear() drops everything queued, and a reservation delivered after it', () => {
    const { queue: outbound, written } = queue();
    const calls: string[] = [];
    const deliver = outbound.reserve(100);
    outbound.push([b('queued')]);
    outbound.whenIdle(() => calls.push('idle'));
    outbound.clear();
    expect(outbound.idle).toBe(true);
    expect(outbound.pendingBytes).toBe(0);
    deliver([b('late')]);
    expect(written).toEqual([]);
    expect(outbound.pendingBytes).toBe(0);
    expect(calls).toEqual([]);
    outbound.push([b('after')]);
    expect(written).toEqual(['after']);
  });
});
