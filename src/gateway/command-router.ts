import type { ClusterAdapter } from '../cluster/cluster-adapter.interface.js';
import { type ClusterChoice, createClusterAdapter } from '../cluster/cluster-adapter.factory.js';
import type { ClusterCommand } from '../cluster/cluster-command.interface.js';
import type { ClusterLogger } from '../cluster/cluster-logger.interface.js';
import { RemoteConnections } from '../cluster/remote-connections.js';
import type { LocalConnections } from './local-connections.js';

/** A command on one connection. */
export type FdCommand = Extract<ClusterCommand, { fd: number }>;
/** A command for every owner (cluster-wide lookups). */
export type OwnerCommand = Exclude<ClusterCommand, { fd: number }>;

/**
 * Where a call on an fd runs: on this process's connections, or on the fd's owner (another
 * worker or node) through the cluster adapter. Every `WsServer` method that may reach another
 * owner goes through here, so local and remote are decided in one place; without a cluster
 * (the single-process default) everything runs here.
 */
export class CommandRouter {
  /** The other owners, once this process joined a cluster. */
  private remote: RemoteConnections | null = null;
  private adapter: ClusterAdapter | null = null;

  constructor(private readonly local: LocalConnections) {}

  /** This process's owner id: 0 alone, the worker's or node's id in a cluster. */
  get ownerId(): number {
    return this.adapter?.ownerId ?? 0;
  }

  /**
   * Joins the cluster the options and the process call for, if any: over Redis when
   * `cluster.redis` is configured, else over the IPC channel when this process is a worker
   * started by `runCluster`; other owners' commands then run on our connections. An adapter
   * that fails to start is stopped (it releases its clients) before the error goes on.
   */
  async join(choice: ClusterChoice, logger: ClusterLogger): Promise<void> {
    const adapter = createClusterAdapter(choice, logger);
    if (adapter === null) return;
    try {
      await adapter.start((command) => this.local.execute(command));
    } catch (error) {
      await adapter.stop();
      throw error;
    }
    this.adapter = adapter;
    this.remote = new RemoteConnections(adapter);
  }

  /** Leaves the cluster (bounded: the adapter never waits long on its transport). */
  async leave(): Promise<void> {
    const adapter = this.adapter;
    this.adapter = null;
    this.remote = null;
    await adapter?.stop();
  }

  /** Whether an fd belongs to another worker or node. */
  isRemote(fd: number): boolean {
    return this.remote !== null && this.remote.isRemote(fd);
  }

  /**
   * Runs a command now: here, or handed to the fd's owner one way (no answer is asked for, so
   * no pending request and no timer); false when the owner is unknown, dead or unreachable.
   */
  send(command: FdCommand): unknown {
    const remote = this.remote;
    if (remote === null || !remote.isRemote(command.fd)) return this.local.execute(command);
    return remote.dispatch(command.fd, command);
  }

  /** Runs a command and resolves with its answer: from here, or from the fd's owner. */
  async ask<T>(command: FdCommand, fallback: T): Promise<T> {
    const remote = this.remote;
    if (remote === null || !remote.isRemote(command.fd)) return this.local.execute(command) as T;
    return remote.ask(command.fd, command, fallback);
  }

  /** This process's answer, then every other owner's that answered in time. */
  async everywhere<T>(command: OwnerCommand): Promise<T[]> {
    const here = this.local.execute(command) as T;
    if (this.remote === null) return [here];
    return [here, ...((await this.remote.gather(command)) as T[])];
  }

  /** Sends a command to every other owner (a broadcast); nothing without a cluster. */
  publish(command: OwnerCommand): void {
    this.remote?.publish(command);
  }
}
