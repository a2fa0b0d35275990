import { describe, expect, it } from '@jest/globals';
import { ClusterUnavailableError } from '../../src/cluster/cluster-command.interface.js';
import { withDeadline } from '../../src/cluster/deadline.util.js';
import { delay } from '../e2e/support/wait.js';

describe('withDeadline', () => {
  it('settles like the promise when it is in time', async () => {
    await expect(withDeadline(Promise.resolve(5), 1000, 'x')).resolves.toBe(5);
    await expect(withDeadline(Promise.reject(new Error('no')), 1000, 'x')).rejects.toThrow('no');
  });

  it('rejects with ClusterUnavailableError naming the wait when the promise is late', async () => {
    const never = new Promise<never>(() => undefined);
    const late = withDeadline(never, 20, 'QUIT');
    await expect(late).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(late).rejects.toThrow('QUIT: no answer within 20 ms');
  });

  it('leaves no unhandled rejection when the promise fails after its deadline', async () => {
    let fail: (error: Error) => void = () => undefined;
    const failsLate = new Promise<never>((_resolve, reject) => (fail = reject));
    await expect(withDeadline(failsLate, 10, 'x')).rejects.toThrow(/no answer/);
    fail(new Error('late failure'));
    await delay(50);
  });
});
