import { MAX_LOCAL_FD, makeClusterFd } from '../cluster/cluster-fd.util.js';

/**
 * Hands out the fds of one owner: `owner * 2^32 + n` with n counting from 1. A server that lives
 * long enough to accept 2^32 connections (five days at 10,000 a second) wraps n back to 1,
 * skipping the fds still in use, so an fd never overflows into the next owner's range and is
 * never given to two live connections.
 */
export class FdAllocator {
  private next = 1;

  constructor(private readonly maxLocal = MAX_LOCAL_FD) {}

  /** The next free fd of `owner`; `inUse` says which fds are taken. */
  allocate(owner: number, inUse: (fd: number) => boolean): number {
    for (;;) {
      const local = this.next;
      this.next = local >= this.maxLocal ? 1 : local + 1;
      const fd = makeClusterFd(owner, local);
      if (!inUse(fd)) return fd;
    }
  }
}
