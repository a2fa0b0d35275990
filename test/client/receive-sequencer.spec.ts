import { describe, expect, it } from '@jest/globals';
import { ReceiveSequencer } from '../../src/client/receive-sequencer.js';

describe('ReceiveSequencer', () => {
  it('runs steps at once while nothing is in flight', () => {
    const sequencer = new ReceiveSequencer(() => undefined);
    const order: number[] = [];
    sequencer.run(() => order.push(1));
    sequencer.run(() => order.push(2));
    expect(order).toEqual([1, 2]);
  });

  it('holds later steps behind an asynchronous one, then runs them in order', () => {
    const sequencer = new ReceiveSequencer(() => undefined);
    const order: string[] = [];
    let done = (): void => undefined;
    sequencer.run(() => {
      order.push('inflate starts');
      done = sequencer.begin();
    });
    sequencer.run(() => order.push('next message'));
    sequencer.run(() => order.push('close'));
    expect(order).toEqual(['inflate starts']);
    done();
    done();
    expect(order).toEqual(['inflate starts', 'next message', 'close']);
  });

  it('whenIdle waits for what is in flight, and survives clear()', () => {
    const sequencer = new ReceiveSequencer(() => undefined);
    const order: string[] = [];
    sequencer.whenIdle(() => order.push('idle at once'));
    const done = sequencer.begin();
    sequencer.run(() => order.push('dropped'));
    sequencer.whenIdle(() => order.push('finished'));
    sequencer.clear();
    expect(order).toEqual(['idle at once']);
    done();
    expect(order).toEqual(['idle at once', 'finished']);
  });

  it('signals pressure at the high-water mark and releases it at half', () => {
    const pressure: boolean[] = [];
    const sequencer = new ReceiveSequencer((full) => pressure.push(full), 4);
    const done = sequencer.begin();
    for (let i = 0; i < 4; i++) sequencer.run(() => undefined);
    expect(pressure).toEqual([true]);
    done();
    expect(pressure).toEqual([true, false]);
  });
});
