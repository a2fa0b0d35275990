import { describe, expect, it } from '@jest/globals';
import { MAX_LOCAL_FD, makeClusterFd, ownerOfFd } from '../../src/cluster/cluster-fd.util.js';
import { FdAllocator } from '../../src/gateway/fd-allocator.js';

describe('FdAllocator', () => {
  it('counts from 1 within the owner range', () => {
    const fds = new FdAllocator();
    expect([1, 2, 3].map(() => fds.allocate(0, () => false))).toEqual([1, 2, 3]);
    expect(fds.allocate(7, () => false)).toBe(makeClusterFd(7, 4));
  });

  it('wraps after the largest local fd instead of spilling into the next owner', () => {
    const fds = new FdAllocator(3);
    const taken = [1, 2, 3, 4].map(() => fds.allocate(5, () => false));
    expect(taken).toEqual([1, 2, 3, 1].map((local) => makeClusterFd(5, local)));
    expect(taken.every((fd) => ownerOfFd(fd) === 5)).toBe(true);
  });

  it('skips fds still in use when it wraps', () => {
    const fds = new FdAllocator(4);
    const live = new Set([1, 2, 3, 4].map(() => fds.allocate(0, () => false)));
    live.delete(3);
    expect(fds.allocate(0, (fd) => live.has(fd))).toBe(3);
  });

  it('the real range is 2^32 - 1 local fds per owner', () => {
    expect(MAX_LOCAL_FD).toBe(2 ** 32 - 1);
    expect(ownerOfFd(makeClusterFd(1, MAX_LOCAL_FD))).toBe(1);
  });
});
