/**
 * An unhandled rejection fails the test that created it (jest-circus reports it), so the tests
 * that leave an answer unobserved wait past its deadline to prove there is none.
 */
import { describe, expect, it } from '@jest/globals';
import { ClusterUnavailableError } from '../../src/cluster/cluster-command.interface.js';
import { MAX_PENDING_REQUESTS, PendingRequests } from '../../src/cluster/pending-requests.js';
import { delay } from '../e2e/support/wait.js';
import { settlement } from './support/settle.js';

describe('PendingRequests', () => {
  it('resolves a request with its answer, once', async () => {
    const pending = new PendingRequests(1000);
    const { id, answer } = pending.open('test');
    expect(id).toBeGreaterThan(0);
    expect(pending.settle(id, 'result')).toBe(true);
    expect(pending.settle(id, 'again')).toBe(false);
    expect(await answer).toBe('result');
    expect(pending.size).toBe(0);
  });

  it('rejects a request answered with an error, with ClusterUnavailableError', async () => {
    const pending = new PendingRequests(1000);
    const { id, answer } = pending.open('test');
    pending.settle(id, undefined, 'no such worker');
    await expect(answer).rejects.toThrow(new ClusterUnavailableError('no such worker'));
  });

  it('rejects a request that gets no answer in time, and ignores the late answer', async () => {
    const pending = new PendingRequests(50);
    const { id, answer } = pending.open('worker 2 exist');
    const outcome = await settlement(answer);
    expect(outcome.status).toBe('rejected');
    expect(outcome.error).toBeInstanceOf(ClusterUnavailableError);
    expect(String(outcome.error)).toMatch(/worker 2 exist: no answer within 50 ms/);
    expect(pending.settle(id, 'late')).toBe(false);
    expect(pending.size).toBe(0);
  });

  it('never leaves a rejection unhandled when nobody awaits the answer (yet)', async () => {
    const pending = new PendingRequests(20);
    const { answer } = pending.open('nobody listens');
    await delay(100);
    // Awaited long after it rejected: the caller still gets the error.
    await expect(answer).rejects.toThrow(/no answer within 20 ms/);
  });

  it('fails a request beyond its cap at once, and takes requests again once some settle', () => {
    const pending = new PendingRequests(1000, 3);
    const opened = [1, 2, 3].map(() => pending.open('test'));
    expect(() => pending.open('one too many')).toThrow(ClusterUnavailableError);
    expect(() => pending.open('one too many')).toThrow(/3 requests already wait/);
    pending.settle(opened[0].id, 'done');
    expect(() => pending.open('room again')).not.toThrow();
    pending.rejectAll('end of test');
  });

  it('caps at MAX_PENDING_REQUESTS by default', () => {
    const pending = new PendingRequests(1000);
    for (let i = 0; i < MAX_PENDING_REQUESTS; i++) pending.open('test');
    expect(() => pending.open('over')).toThrow(ClusterUnavailableError);
    pending.rejectAll('end of test');
    expect(pending.size).toBe(0);
  });

  it('rejects every open request with rejectAll, and clears their timers', async () => {
    const pending = new PendingRequests(10_000);
    const answers = [1, 2, 3].map(() => pending.open('test').answer);
    pending.rejectAll('adapter stopped');
    expect(pending.size).toBe(0);
    for (const answer of answers) await expect(answer).rejects.toThrow('adapter stopped');
  });

  it('never hands out id 0 (it means "no answer wanted")', () => {
    const pending = new PendingRequests(1000);
    const ids = Array.from({ length: 50 }, () => pending.open('test').id);
    expect(ids).not.toContain(0);
    expect(new Set(ids).size).toBe(50);
    pending.rejectAll('end of test');
  });
});
