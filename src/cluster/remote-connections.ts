import type { ClusterAdapter } from './cluster-adapter.interface.js';
import type { ClusterCommand } from './cluster-command.interface.js';
import { ownerOfFd } from './cluster-fd.util.js';

/**
 * `WsServer`'s view of connections owned by other workers or nodes, through the adapter.
 *
 * Fire-and-forget calls (`push`, `disconnect`) answer synchronously, as Swoole's do: true when
 * the command was handed to a live owner (delivery is not confirmed), false when the owner is
 * unknown or unreachable. Their `...Async` forms wait for the owner's own answer. Lookups of
 * remote connections can only be asynchronous.
 */
export class RemoteConnections {
  constructor(private readonly adapter: ClusterAdapter) {}

  /** Whether an fd belongs to another owner. */
  isRemote(fd: number): boolean {
    return ownerOfFd(fd) !== this.adapter.ownerId;
  }

  /** Sends a command to the fd's owner without waiting; false when the owner is not live. */
  dispatch(fd: number, command: ClusterCommand): boolean {
    const owner = ownerOfFd(fd);
    if (!this.adapter.isLive(owner)) return false;
    this.adapter.request(owner, command).catch(() => undefined);
    return true;
  }

  /** Runs a command on the fd's owner and returns its answer; `fallback` when it cannot. */
  async ask<T>(fd: number, command: ClusterCommand, fallback: T): Promise<T> {
    try {
      return (await this.adapter.request(ownerOfFd(fd), command)) as T;
    } catch {
      return fallback;
    }
  }

  /** Every other owner's answer to a command. */
  gather(command: ClusterCommand): Promise<unknown[]> {
    return this.adapter.gather(command).catch(() => []);
  }

  /** Sends a command to every other owner. */
  publish(command: ClusterCommand): boolean {
    return this.adapter.publish(command);
  }
}
