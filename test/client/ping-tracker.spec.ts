import { describe, expect, it } from '@jest/globals';
import { MAX_PENDING_PINGS, PingTracker } from '../../src/client/ping-tracker.js';

const bytes = (text: string): Buffer => Buffer.from(text);

describe('PingTracker', () => {
  it('resolves a ping on the pong with its payload', async () => {
    const tracker = new PingTracker();
    const ping = tracker.track(bytes('a'));
    expect(tracker.size).toBe(1);
    tracker.pong(bytes('a'));
    expect(await ping).toBe(true);
    expect(tracker.size).toBe(0);
  });

  it('a pong answers its ping and every earlier one, not later ones', async () => {
    const tracker = new PingTracker();
    const first = tracker.track(bytes('1'));
    const second = tracker.track(bytes('2'));
    const third = tracker.track(bytes('3'));
    tracker.pong(bytes('2'));
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(tracker.size).toBe(1);
    tracker.cancelAll();
    expect(await third).toBe(false);
  });

  it('ignores an unsolicited pong', () => {
    const tracker = new PingTracker();
    void tracker.track(bytes('mine'));
    tracker.pong(bytes('other'));
    expect(tracker.size).toBe(1);
    tracker.cancelAll();
  });

  it('matches the same payload in order', async () => {
    const tracker = new PingTracker();
    const first = tracker.track(bytes(''));
    const second = tracker.track(bytes(''));
    tracker.pong(bytes(''));
    expect(await first).toBe(true);
    expect(tracker.size).toBe(1);
    tracker.pong(bytes(''));
    expect(await second).toBe(true);
  });

  it('resolves false after the timeout and forgets the ping', async () => {
    const tracker = new PingTracker();
    expect(await tracker.track(bytes('slow'), 5)).toBe(false);
    expect(tracker.size).toBe(0);
    tracker.pong(bytes('slow'));
  });

  it('clears the timer when answered in time', async () => {
    const tracker = new PingTracker();
    const ping = tracker.track(bytes('x'), 60_000);
    tracker.pong(bytes('x'));
    expect(await ping).toBe(true);
  });

  it('is bounded: beyond MAX_PENDING_PINGS a ping resolves false', async () => {
    const tracker = new PingTracker();
    for (let i = 0; i < MAX_PENDING_PINGS; i++) void tracker.track(bytes(String(i)));
    expect(await tracker.track(bytes('one too many'))).toBe(false);
    expect(tracker.size).toBe(MAX_PENDING_PINGS);
    tracker.cancelAll();
    expect(tracker.size).toBe(0);
  });
});
