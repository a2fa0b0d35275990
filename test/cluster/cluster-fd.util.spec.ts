import { describe, expect, it } from '@jest/globals';
import { MAX_OWNER_ID, makeClusterFd, ownerOfFd } from '../../src/cluster/cluster-fd.util.js';

describe('cluster fds', () => {
  it('are plain counters for owner 0 (the single-process default)', () => {
    expect(makeClusterFd(0, 1)).toBe(1);
    expect(makeClusterFd(0, 42)).toBe(42);
    expect(ownerOfFd(42)).toBe(0);
  });

  it('carry the owner in the high bits', () => {
    const fd = makeClusterFd(3, 17);
    expect(fd).toBe(3 * 2 ** 32 + 17);
    expect(ownerOfFd(fd)).toBe(3);
    expect(ownerOfFd(makeClusterFd(3, 2 ** 32 - 1))).toBe(3);
  });

  it('stay safe integers up to MAX_OWNER_ID', () => {
    const largest = makeClusterFd(MAX_OWNER_ID, 2 ** 32 - 1);
    expect(Number.isSafeInteger(largest)).toBe(true);
    expect(ownerOfFd(largest)).toBe(MAX_OWNER_ID);
  });
});
