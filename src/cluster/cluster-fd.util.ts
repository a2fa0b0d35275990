/**
 * Cluster-wide fds that stay plain integers, as Swoole's: the owner (worker or node) in the high
 * bits, the owner's own counter in the low 32. The single-process default has owner 0, so its fds
 * are simply 1, 2, 3, ...
 */
const LOCAL_SPAN = 2 ** 32;

/** The largest owner id that keeps fds within `Number.MAX_SAFE_INTEGER`. */
export const MAX_OWNER_ID = 2 ** 20 - 1;

/** The largest local part of an fd: an owner's counter wraps after it. */
export const MAX_LOCAL_FD = LOCAL_SPAN - 1;

/** The fd of an owner's `local`-th connection. */
export function makeClusterFd(owner: number, local: number): number {
  return owner * LOCAL_SPAN + local;
}

/** The owner of an fd. */
export function ownerOfFd(fd: number): number {
  return Math.floor(fd / LOCAL_SPAN);
}
