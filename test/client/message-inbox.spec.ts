import { describe, expect, it } from '@jest/globals';
import { MessageInbox } from '../../src/client/message-inbox.js';

function inbox(maxMessages = 4, maxBytes = 1000) {
  const pressure: boolean[] = [];
  const box = new MessageInbox<string>({ maxMessages, maxBytes }, (full) => pressure.push(full));
  return { box, pressure };
}

describe('MessageInbox', () => {
  it('hands out messages in order, and to a waiting reader at once', async () => {
    const { box } = inbox();
    box.push('a', 1);
    box.push('b', 1);
    expect(box.size).toBe(2);
    expect(box.byteSize).toBe(2);
    expect(await box.next()).toBe('a');
    expect(await box.next()).toBe('b');
    const waiting = box.next();
    box.push('c', 1);
    expect(await waiting).toBe('c');
    expect(box.size).toBe(0);
  });

  it('serves several waiting readers in order', async () => {
    const { box } = inbox();
    const first = box.next();
    const second = box.next();
    box.push('1', 1);
    box.push('2', 1);
    expect([await first, await second]).toEqual(['1', '2']);
  });

  it('times out with false, and then does not swallow the next message', async () => {
    const { box } = inbox();
    expect(await box.next(10)).toBe(false);
    box.push('later', 5);
    expect(await box.next(10)).toBe('later');
  });

  it('0 takes only what is queued; NaN is false', async () => {
    const { box } = inbox();
    expect(await box.next(0)).toBe(false);
    box.push('x', 1);
    expect(await box.next(Number.NaN)).toBe('x');
    expect(await box.next(Number.NaN)).toBe(false);
  });

  it('after end: queued messages first, then false; new ones are dropped', async () => {
    const { box } = inbox();
    box.push('kept', 1);
    box.end();
    box.end();
    box.push('dropped', 1);
    expect(box.isEnded).toBe(true);
    expect(await box.next()).toBe('kept');
    expect(await box.next()).toBe(false);
    expect(await box.next(1000)).toBe(false);
  });

  it('end wakes waiting readers with false', async () => {
    const { box } = inbox();
    const waiting = [box.next(), box.next(60_000)];
    box.end();
    expect(await Promise.all(waiting)).toEqual([false, false]);
  });

  it('signals pressure above maxMessages and releases it at half', async () => {
    const { box, pressure } = inbox(4, 1_000_000);
    for (let i = 0; i < 5; i++) box.push(String(i), 1);
    expect(pressure).toEqual([true]);
    box.push('5', 1);
    expect(pressure).toEqual([true]);
    for (let i = 0; i < 3; i++) await box.next();
    expect(pressure).toEqual([true]);
    await box.next();
    expect(box.size).toBe(2);
    expect(pressure).toEqual([true, false]);
  });

  it('signals pressure above maxBytes (a single large message counts)', async () => {
    const { box, pressure } = inbox(1000, 100);
    box.push('big', 150);
    expect(pressure).toEqual([true]);
    await box.next();
    expect(pressure).toEqual([true, false]);
    expect(box.byteSize).toBe(0);
  });

  it('end releases the pressure', () => {
    const { box, pressure } = inbox(1, 100);
    box.push('a', 1);
    box.push('b', 1);
    box.end();
    expect(pressure).toEqual([true, false]);
  });

  it('stays correct over many messages (compaction)', async () => {
    const { box } = inbox(100_000, 1e9);
    for (let i = 0; i < 5000; i++) box.push(String(i), 1);
    for (let i = 0; i < 3000; i++) expect(await box.next()).toBe(String(i));
    for (let i = 5000; i < 6000; i++) box.push(String(i), 1);
    for (let i = 3000; i < 6000; i++) expect(await box.next()).toBe(String(i));
    expect(box.size).toBe(0);
    expect(box.byteSize).toBe(0);
  });
});
