/**
 * The calls one owner (worker process or node) makes on another's connections. Payloads are
 * strings or Buffers; both survive node:cluster's advanced serialisation and the Redis codec.
 */
export type ClusterCommand =
  | { op: 'push'; fd: number; data: string | Buffer; opcode: number; flags: number }
  | { op: 'disconnect'; fd: number; code: number; reason: string }
  | { op: 'exist'; fd: number }
  | { op: 'isEstablished'; fd: number }
  | { op: 'getClientInfo'; fd: number }
  | { op: 'broadcast'; data: string | Buffer; opcode: number; flags: number; path?: string }
  | { op: 'connections' }
  | { op: 'stats' }
  | { op: 'subscribe'; fd: number; topic: string }
  | { op: 'unsubscribe'; fd: number; topic: string }
  | {
      op: 'publish';
      topic: string;
      data: string | Buffer;
      opcode: number;
      flags: number;
      except?: number;
    }
  | { op: 'subscribers'; topic: string };

/** Runs a command on this owner's own connections and returns its result. */
export type ClusterCommandExecutor = (command: ClusterCommand) => unknown;

/** Raised when a remote call cannot be answered: the owner is gone, unreachable, or too slow. */
export class ClusterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterUnavailableError';
  }
}
