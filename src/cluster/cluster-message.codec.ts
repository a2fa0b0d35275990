import type { ClusterCommand } from './cluster-command.interface.js';

/** Messages between nodes over Redis pub/sub. */
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

/** Reads a message written by `encodeClusterMessage`; null when it is not one. */
export function decodeClusterMessage(text: string): RedisClusterMessage | null {
  try {
    const message: unknown = JSON.parse(text, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && BUFFER_KEY in value) {
        return Buffer.from(String((value as Record<string, unknown>)[BUFFER_KEY]), 'base64');
      }
      return value;
    });
    if (message === null || typeof message !== 'object' || !('t' in message)) return null;
    return message as RedisClusterMessage;
  } catch {
    return null;
  }
}
