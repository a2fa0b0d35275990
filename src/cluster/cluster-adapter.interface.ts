import type { ClusterCommand, ClusterCommandExecutor } from './cluster-command.interface.js';

/**
 * The one seam through which `WsServer` reaches connections it does not own. The default,
 * single-process server has no adapter at all (its path is unchanged); the multi-process adapter
 * talks over node:cluster's IPC channel, the multi-node one over Redis.
 */
export interface ClusterAdapter {
  /** This process's owner id: the high bits of every fd it creates. */
  readonly ownerId: number;
  /** A short name for logs and `getClientInfo`. */
  readonly kind: 'ipc' | 'redis';

  /** Connects, learns the owner id, and starts answering others' commands with `executor`. */
  start(executor: ClusterCommandExecutor): Promise<void>;

  /** Whether an owner is believed alive right now (a cached view; never blocks). */
  isLive(owner: number): boolean;

  /** Runs a command on one owner; rejects with `ClusterUnavailableError` if it cannot answer. */
  request(owner: number, command: ClusterCommand): Promise<unknown>;

  /** Runs a command on every other live owner and collects the answers of those that replied. */
  gather(command: ClusterCommand): Promise<unknown[]>;

  /** Sends a command to every other owner without waiting (broadcast). False when it cannot. */
  publish(command: ClusterCommand): boolean;

  /** Disconnects. */
  stop(): Promise<void>;
}
