import type { ClusterCommand } from './cluster-command.interface.js';

/**
 * Messages on node:cluster's IPC channel between workers and the primary, which relays them.
 * `nsws` marks them as ours, so an application's own IPC messages pass untouched.
 */
export type IpcMessage =
  /** A command for owner `to` (from a worker), or delivered to a worker (`from` set by the primary). `id` 0: no answer wanted. */
  | { nsws: 1; t: 'req'; id: number; to: number; from?: number; cmd: ClusterCommand }
  /** A command for every other worker, no answers. */
  | { nsws: 1; t: 'pub'; from?: number; cmd: ClusterCommand }
  /** A command for every other worker, answers collected by the primary. */
  | { nsws: 1; t: 'gather'; id: number; cmd: ClusterCommand }
  /** An answer to request `id` of worker `to`. */
  | { nsws: 1; t: 'res'; id: number; to: number; result?: unknown; err?: string }
  /** A worker's adapter started: it now answers commands (the primary then announces it). */
  | { nsws: 1; t: 'hello' }
  /** The primary's list of running workers. */
  | { nsws: 1; t: 'owners'; owners: number[] };

/** Whether an IPC message is one of ours. */
export function isIpcMessage(message: unknown): message is IpcMessage {
  return (
    typeof message === 'object' && message !== null && (message as { nsws?: unknown }).nsws === 1
  );
}

/** Environment variable telling a worker it runs under `runCluster` (value: the worker count). */
export const CLUSTER_WORKERS_ENV = 'NSWS_CLUSTER_WORKERS';
