import type { ClusterCommand } from './cluster-command.interface.js';

/**
 * Messages on node:cluster's IPC channel between workers and the primary, which relays them.
 * `nsws` marks them as ours, so an application's own IPC messages pass untouched.
 */
export type IpcMessage =
  /**
   * A command for owner `to` (from a worker), or delivered to a worker (`from` set by the
   * primary). `id` 0: one-way (`notify`), no answer wanted, none sent, not even an error.
   */
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

/** Bytes a message is counted for against a channel's send budget: its payload, plus framing. */
export function ipcMessageBytes(message: IpcMessage): number {
  const framing = 64;
  if (message.t !== 'req' && message.t !== 'pub' && message.t !== 'gather') return framing;
  const command = message.cmd;
  if (command.op !== 'push' && command.op !== 'broadcast') return framing;
  // A string is serialised with one or two bytes a character: count two, an upper bound.
  const data = command.data;
  return framing + (typeof data === 'string' ? data.length * 2 : data.length);
}

/** Environment variable telling a worker it runs under `runCluster` (value: the worker count). */
export const CLUSTER_WORKERS_ENV = 'NSWS_CLUSTER_WORKERS';
