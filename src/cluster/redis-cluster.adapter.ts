import type { ClusterAdapter } from './cluster-adapter.interface.js';
import {
  type ClusterCommand,
  type ClusterCommandExecutor,
  ClusterUnavailableError,
} from './cluster-command.interface.js';
import { MAX_OWNER_ID } from './cluster-fd.util.js';
import {
  type RedisClusterMessage,
  decodeClusterMessage,
  encodeClusterMessage,
} from './cluster-message.codec.js';
import { runClusterCommand } from './cluster-command.runner.js';
import { PendingRequests } from './pending-requests.js';
import {
  type RedisClientConstructor,
  type RedisClientLike,
  loadRedisClient,
} from './redis-client.interface.js';

/** Options of the Redis adapter (`cluster: { redis: ... }` in the server options). */
export interface RedisClusterOptions {
  /** `redis://host:port/db`. */
  url: string;
  /** Key and channel prefix, so several applications can share one Redis (default `nsws`). */
  prefix?: string;
  /** Milliseconds a remote call waits for its answer (default 2000). */
  requestTimeout?: number;
  /** Milliseconds between liveness beats; a node silent for 3 beats is dropped (default 1000). */
  heartbeatInterval?: number;
}

/**
 * Multi-node over Redis: commands for another node's connections travel by pub/sub (a channel
 * per node, one for broadcasts), lookups are request/response with a timeout, and liveness is a
 * sorted set of expiring beats, so a node that vanished drops out of lookups within three beats.
 *
 * When Redis is down, local connections keep working in full and remote calls fail at once
 * (nothing is queued); the client reconnects by itself and remote calls resume.
 */
export class RedisClusterAdapter implements ClusterAdapter {
  readonly kind = 'redis' as const;
  private owner = 0;
  private publisher: RedisClientLike | null = null;
  private subscriber: RedisClientLike | null = null;
  private readonly pending: PendingRequests;
  private live = new Set<number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private executor: ClusterCommandExecutor | null = null;
  private readonly prefix: string;
  private readonly beatMs: number;

  constructor(
    private readonly options: RedisClusterOptions,
    private readonly clientConstructor?: RedisClientConstructor,
  ) {
    this.prefix = options.prefix ?? 'nsws';
    this.beatMs = options.heartbeatInterval ?? 1000;
    this.pending = new PendingRequests(options.requestTimeout ?? 2000);
  }

  get ownerId(): number {
    return this.owner;
  }

  async start(executor: ClusterCommandExecutor): Promise<void> {
    this.executor = executor;
    const Client = this.clientConstructor ?? (await loadRedisClient());
    const options = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
    };
    const publisher = new Client(this.options.url, options);
    const subscriber = new Client(this.options.url, options);
    for (const client of [publisher, subscriber]) client.on('error', () => undefined);
    this.publisher = publisher;
    this.subscriber = subscriber;
    await Promise.all([publisher.connect(), subscriber.connect()]);
    this.owner = await this.claimOwnerId(publisher);
    if (this.owner > MAX_OWNER_ID)
      throw new Error('RedisClusterAdapter: owner ids exhausted; reset the owner-seq key');
    subscriber.on('message', (_channel: unknown, text: unknown) => this.receive(String(text)));
    await subscriber.subscribe(this.channel(this.owner), this.key('all'));
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), this.beatMs);
    this.heartbeat.unref();
  }

  isLive(owner: number): boolean {
    if (owner === this.owner) return true;
    // Without a connected publisher no command can leave: nobody else is reachable right now.
    return this.publisher?.status === 'ready' && this.live.has(owner);
  }

  async request(owner: number, command: ClusterCommand): Promise<unknown> {
    const publisher = this.readyPublisher();
    const { id, answer } = this.pending.open(`node ${owner} ${command.op}`);
    const message = encodeClusterMessage({ t: 'req', id, from: this.owner, cmd: command });
    const receivers = await publisher.publish(this.channel(owner), message).catch(() => 0);
    if (receivers === 0) this.pending.settle(id, undefined, `node ${owner} is not connected`);
    return answer;
  }

  async gather(command: ClusterCommand): Promise<unknown[]> {
    this.readyPublisher();
    const others = [...this.live].filter((owner) => owner !== this.owner);
    const settled = await Promise.allSettled(others.map((owner) => this.request(owner, command)));
    return settled.filter((result) => result.status === 'fulfilled').map((result) => result.value);
  }

  publish(command: ClusterCommand): boolean {
    const publisher = this.publisher;
    if (publisher === null || publisher.status !== 'ready') return false;
    publisher
      .publish(this.key('all'), encodeClusterMessage({ t: 'pub', from: this.owner, cmd: command }))
      .catch(() => undefined);
    return true;
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.pending.rejectAll('cluster adapter stopped');
    const publisher = this.publisher;
    if (publisher?.status === 'ready') {
      await publisher.zrem(this.key('owners'), String(this.owner)).catch(() => undefined);
    }
    for (const client of [this.publisher, this.subscriber]) {
      if (client) await client.quit().catch(() => client.disconnect());
    }
    this.publisher = null;
    this.subscriber = null;
  }

  /**
   * A new owner id from the shared counter, skipping ids of live nodes: a Redis restarted
   * without persistence starts the counter again, while the running nodes keep their ids (and
   * put them back in the liveness set at their next beat).
   */
  private async claimOwnerId(publisher: RedisClientLike): Promise<number> {
    const members = await publisher.zrangebyscore(this.key('owners'), Date.now(), '+inf');
    const taken = new Set(members.map(Number));
    for (;;) {
      const id = await publisher.incr(this.key('owner-seq'));
      if (!taken.has(id)) return id;
    }
  }

  /** Renews our beat and refreshes the set of live nodes. */
  private async beat(): Promise<void> {
    const publisher = this.publisher;
    if (publisher === null || publisher.status !== 'ready') {
      this.live = new Set();
      return;
    }
    const now = Date.now();
    try {
      await publisher.zadd(this.key('owners'), now + 3 * this.beatMs, String(this.owner));
      await publisher.zremrangebyscore(this.key('owners'), '-inf', now);
      const members = await publisher.zrangebyscore(this.key('owners'), now, '+inf');
      this.live = new Set(members.map(Number));
    } catch {
      this.live = new Set();
    }
  }

  private receive(text: string): void {
    const message = decodeClusterMessage(text);
    if (message === null) return;
    if (message.t === 'res') {
      this.pending.settle(message.id, message.result, message.err);
      return;
    }
    if (message.from === this.owner) return;
    const outcome = runClusterCommand(this.executor, message.cmd);
    if (message.t === 'req') this.reply(message.from, { t: 'res', id: message.id, ...outcome });
  }

  private reply(owner: number, message: RedisClusterMessage): void {
    this.publisher
      ?.publish(this.channel(owner), encodeClusterMessage(message))
      .catch(() => undefined);
  }

  private readyPublisher(): RedisClientLike {
    const publisher = this.publisher;
    if (publisher === null || publisher.status !== 'ready')
      throw new ClusterUnavailableError('Redis is not connected');
    return publisher;
  }

  private key(name: string): string {
    return `${this.prefix}:${name}`;
  }

  private channel(owner: number): string {
    return this.key(`owner:${owner}`);
  }
}
