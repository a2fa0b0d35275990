/**
 * The part of an `ioredis` client the Redis adapter uses. `ioredis` is an optional peer
 * dependency, loaded only when a Redis URL is configured, so its types are not imported here.
 */
export interface RedisClientLike {
  readonly status: string;
  connect(): Promise<void>;
  incr(key: string): Promise<number>;
  get(key: string): Promise<string | null>;
  /** `SET key value NX`: 'OK' when set, null when the key existed. */
  set(key: string, value: string, nx: 'NX'): Promise<'OK' | null>;
  /** `SET key value PX ms NX`: 'OK' when set, null when the key existed. */
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  /** 1 when the key exists (its expiry is set), 0 when it does not. */
  pexpire(key: string, ms: number): Promise<number>;
  /** The server's clock: `[seconds, microseconds]` (ioredis gives them as strings). */
  time(): Promise<Array<string | number>>;
  publish(channel: string, message: string): Promise<number>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zrem(key: string, member: string): Promise<unknown>;
  zremrangebyscore(key: string, min: number | string, max: number | string): Promise<unknown>;
  zrangebyscore(key: string, min: number | string, max: number | string): Promise<string[]>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Options given to the `ioredis` constructor. */
export interface RedisClientOptions {
  lazyConnect: boolean;
  enableOfflineQueue: boolean;
  maxRetriesPerRequest: number;
  retryStrategy: (attempt: number) => number;
}

/** The `ioredis` constructor. */
export type RedisClientConstructor = new (
  url: string,
  options: RedisClientOptions,
) => RedisClientLike;

/** Loads `ioredis`, or explains how to install it. */
export async function loadRedisClient(): Promise<RedisClientConstructor> {
  try {
    // A computed specifier: ioredis is optional, so neither the compiler nor a bundler may require it.
    const name = 'ioredis';
    const module = (await import(name)) as {
      default: RedisClientConstructor | { default: RedisClientConstructor };
    };
    const exported = module.default;
    return typeof exported === 'function' ? exported : exported.default;
  } catch {
    throw new Error(
      'WsServer: the Redis cluster adapter needs the optional dependency "ioredis" (npm install ioredis)',
    );
  }
}
