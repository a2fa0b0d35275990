import { describe, expect, it } from '@jest/globals';
import { SendBudget } from '../../src/cluster/send-budget.js';

describe('SendBudget', () => {
  it('refuses past its count of sends, and gives room back on release', () => {
    const budget = new SendBudget(2, 1000);
    expect(budget.tryAcquire(10)).toBe(true);
    expect(budget.tryAcquire(10)).toBe(true);
    expect(budget.tryAcquire(10)).toBe(false);
    expect(budget.pendingSends).toBe(2);
    budget.release(10);
    expect(budget.tryAcquire(10)).toBe(true);
  });

  it('refuses past its bytes, taking nothing for a refused send', () => {
    const budget = new SendBudget(10, 100);
    expect(budget.tryAcquire(60)).toBe(true);
    expect(budget.tryAcquire(60)).toBe(false);
    expect(budget.pendingBytes).toBe(60);
    expect(budget.pendingSends).toBe(1);
    expect(budget.tryAcquire(40)).toBe(true);
    budget.release(60);
    budget.release(40);
    expect(budget.pendingBytes).toBe(0);
    expect(budget.pendingSends).toBe(0);
  });

  it('never goes below zero on an extra release', () => {
    const budget = new SendBudget(1, 10);
    budget.release(5);
    expect(budget.pendingSends).toBe(0);
    expect(budget.pendingBytes).toBe(0);
    expect(budget.tryAcquire(10)).toBe(true);
  });
});
