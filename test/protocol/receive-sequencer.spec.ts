import { describe, expect, it } from '@jest/globals';
import { ReceiveSequencer } from '../../src/protocol/receive-sequencer.js';

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

/** A sequencer whose pause/resume calls are recorded. */
function sequencer(highWaterMark?: number): { sequencer: ReceiveSequencer; paused: boolean[] } {
  const paused: boolean[] = [];
  return { sequencer: new ReceiveSequencer((value) => paused.push(value), highWaterMark), paused };
}

describe('ReceiveSequencer: order and pressure', () => {
  it('runs an action at once when nothing is in flight', () => {
    const { sequencer: inbound } = sequencer();
    const ran: number[] = [];
    inbound.run(() => ran.push(1));
    inbound.run(() => ran.push(2));
    expect(ran).toEqual([1, 2]);
  });

  it('holds actions behind an asynchronous step and runs them in order when it ends', () => {
    const { sequencer: inbound } = sequencer();
    const ran: string[] = [];
    let done = (): void => undefined;
    inbound.run(() => {
      ran.push('inflate');
      done = inbound.begin();
    });
    inbound.run(() => ran.push('message'));
    inbound.run(() => ran.push('close'));
    expect(ran).toEqual(['inflate']);
    done();
    expect(ran).toEqual(['inflate', 'message', 'close']);
  });

  it('stops draining at an action that starts another step, and resumes when that one ends', () => {
    const { sequencer: inbound } = sequencer();
    const ran: string[] = [];
    const finishers: Array<() => void> = [];
    const step = (name: string) => () => {
      ran.push(name);
      finishers.push(inbound.begin());
    };
    inbound.run(step('first'));
    inbound.run(step('second'));
    inbound.run(() => ran.push('third'));
    finishers[0]();
    expect(ran).toEqual(['first', 'second']);
    finishers[1]();
    expect(ran).toEqual(['first', 'second', 'third']);
  });

  it('ignores a second call of the same finisher', () => {
    const { sequencer: inbound } = sequencer();
    const ran: string[] = [];
    const first = inbound.begin();
    first();
    const second = inbound.begin();
    inbound.run(() => ran.push('waiting'));
    first();
    expect(ran).toEqual([]);
    second();
    expect(ran).toEqual(['waiting']);
  });

  it('pauses the socket at the high-water mark and resumes below half of it', () => {
    const { sequencer: inbound, paused } = sequencer(4);
    const done = inbound.begin();
    for (let i = 0; i < 3; i++) inbound.run(() => undefined);
    expect(paused).toEqual([]);
    inbound.run(() => undefined);
    expect(paused).toEqual([true]);
    inbound.run(() => undefined);
    expect(paused).toEqual([true]);
    done();
    expect(paused).toEqual([true, false]);
  });

  it('stays paused while a later step keeps the backlog high', () => {
    const { sequencer: inbound, paused } = sequencer(4);
    const first = inbound.begin();
    let second = (): void => undefined;
    inbound.run(() => {
      second = inbound.begin();
    });
    for (let i = 0; i < 4; i++) inbound.run(() => undefined);
    expect(paused).toEqual([true]);
    first();
    // Four still wait behind the second step: not below half of the mark.
    expect(paused).toEqual([true]);
    second();
    expect(paused).toEqual([true, false]);
  });

  it('clear() drops what waits', () => {
    const { sequencer: inbound } = sequencer();
    const ran: string[] = [];
    const done = inbound.begin();
    inbound.run(() => ran.push('dropped'));
    inbound.clear();
    done();
    expect(ran).toEqual([]);
    inbound.run(() => ran.push('later'));
    expect(ran).toEqual(['later']);
  });
});
