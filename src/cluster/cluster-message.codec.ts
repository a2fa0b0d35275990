import type { ClusterCommand } from './cluster-command.interface.js';

/**
 * Messages between nodes over Redis pub/sub. A `req` with id 0 is one-way (`notify`): the
 * receiver runs it and sends no answer.
 */
export type RedisClusterMessage =
  | { t: 'req'; id: number; from: number; cmd: ClusterCommand }
  | { t: 'pub'; from: number; cmd: ClusterCommand }
  | { t: 'res'; id: number; result?: unknown; err?: string };

/** Marker of a Buffer encoded as base64 inside JSON. */
const BUFFER_KEY = '$b64';

/** JSON with Buffers kept as Buffers (base64 on the wire). */
export function encodeClusterMessage(message: RedisClusterMessage): string {
  return JSON.stringify(
    message,
    function replace(this: Record<string, unknown>, key: string, value: unknown) {
      const original = this[key];
      return Buffer.isBuffer(original) ? { [BUFFER_KEY]: original.toString('base64') } : value;
    },
  );
}

/**
 * Reads a message written by `encodeClusterMessage`; null when it is not one (not JSON, or not
 * the shape of a request, broadcast or answer), so a stray publish on our channels is ignored.
 */
export function decodeClusterMessage(text: string): RedisClusterMessage | null {
  let message: unknown;
  try {
    message = JSON.parse(text, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && BUFFER_KEY in value) {
        return Buffer.from(String((value as Record<string, unknown>)[BUFFER_KEY]), 'base64');
      }
      return value;
    });
  } catch {
    return null;
  }
  return isClusterMessage(message) ? message : null;
}

function isClusterMessage(value: unknown): value is RedisClusterMessage {
  if (value === null || typeof value !== 'object') return false;
  const message = value as Record<string, unknown>;
  switch (message.t) {
    case 'req':
      return isId(message.id) && isId(message.from) && isCommand(message.cmd);
    case 'pub':
      return isId(message.from) && isCommand(message.cmd);
    case 'res':
      return isId(message.id) && (message.err === undefined || typeof message.err === 'string');
    default:
      return false;
  }
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isCommand(value: unknown): value is ClusterCommand {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { op?: unknown }).op === 'string'
  );
}
