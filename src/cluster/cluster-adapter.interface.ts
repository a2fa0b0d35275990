import type { ClusterCommand, ClusterCommandExecutor } from './cluster-command.interface.js';

/**
 * The one seam through which `WsServer` reaches connections it does not own. The default,
 * single-process server has no adapter at all (its path is unchanged); the multi-process adapter
 * talks over node:cluster's IPC channel, the multi-node one over Redis.
 *
 * No method ever lets a rejection go unhandled or waits without a bound: a remote call settles
 * within the adapter's request timeout, and what cannot be sent (transport down or backed up)
 * is refused at once.
 */
export interface ClusterAdapter {
  /** This process's owner id: the high bits of every fd it creates. */
  readonly ownerId: number;

  /**
   * Connects, learns the owner id, and starts answering others' commands with `executor`. When
   * it fails it releases what it had opened; `stop()` is safe afterwards all the same.
   */
  start(executor: ClusterCommandExecutor): Promise<void>;

  /** Whether an owner is believed alive right now (a cached view; never blocks). */
  isLive(owner: number): boolean;

  /** Runs a command on one owner; rejects with `ClusterUnavailableError` if it cannot answer. */
  request(owner: number, command: ClusterCommand): Promise<unknown>;

  /**
   * Sends a command to one owner without waiting for, or asking for, an answer (no pending
   * request, no timer). True when it was handed to the transport for a live owner (delivery is
   * not confirmed), false when the owner is not live or the transport is down or backed up.
   */
  notify(owner: number, command: ClusterCommand): boolean;

  /** Runs a command on every other live owner and collects the answers of those that replied. */
  gather(command: ClusterCommand): Promise<unknown[]>;

  /** Sends a command to every other owner without waiting (broadcast). False when it cannot. */
  publish(command: ClusterCommand): boolean;

  /** Disconnects within a bounded time; safe after a failed start and when called twice. */
  stop(): Promise<void>;
}
