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

  /**
   * Sends a command to the fd's owner one way (no answer asked, nothing waits for one); false
   * when the owner is not live or the transport cannot take it now.
   */
  dispatch(fd: number, command: ClusterCommand): boolean {
    const owner = ownerOfFd(fd);
    if (!this.adapter.isLive(owner)) return false;
    return this.adapter.notify(owner, command);
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
  async gather(command: ClusterCommand): Promise<unknown[]> {
    try {
      return await this.adapter.gather(command);
    } catch {
      return [];
    }
  }

  /** Sends a command to every other owner. */
  publish(command: ClusterCommand): boolean {
    return this.adapter.publish(command);
  }
}
