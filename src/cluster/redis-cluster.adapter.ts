import type { ClusterAdapter } from './cluster-adapter.interface.js';
import {
  type ClusterCommand,
  type ClusterCommandExecutor,
  ClusterUnavailableError,
} from './cluster-command.interface.js';
import { type ClusterLogger, consoleClusterLogger } from './cluster-logger.interface.js';
import { decodeClusterMessage, encodeClusterMessage } from './cluster-message.codec.js';
import { type ClusterCommandOutcome, runClusterCommand } from './cluster-command.runner.js';
import { withDeadline } from './deadline.util.js';
import { PendingRequests } from './pending-requests.js';
import {
  type RedisClientConstructor,
  type RedisClientLike,
  type RedisClientOptions,
  loadRedisClient,
} from './redis-client.interface.js';
import { RedisOwnerLease } from './redis-owner-lease.js';
import { MAX_PENDING_BYTES, MAX_PENDING_SENDS, SendBudget } from './send-budget.js';

/** Options of the Redis adapter (`cluster: { redis: ... }` in the server options). */
export interface RedisClusterOptions {
  /** `redis://host:port/db`. */
  url: string;
  /** Key and channel prefix, so several applications can share one Redis (default `nsws`). */
  prefix?: string;
  /** Milliseconds a remote call (and any single Redis command) may take (default 2000). */
  requestTimeout?: number;
  /**
   * Milliseconds between liveness beats; a node silent for 3 beats is dropped (default 1000).
   * Give every node of a cluster the same value.
   */
  heartbeatInterval?: number;
}

/** Each step of `stop()` (leaving the live set, closing each client) waits at most this long. */
const STOP_STEP_MS = 1000;

/** Connecting waits at least this long, whatever `requestTimeout` says. */
const MIN_CONNECT_MS = 5000;

/** Bytes a Redis command other than PUBLISH is counted for against the send budget. */
const COMMAND_BYTES = 64;

/**
 * Multi-node over Redis: commands for another node's connections travel by pub/sub (a channel
 * per node, one for broadcasts), lookups are request/response with a timeout, and liveness is a
 * sorted set of expiring beats, so a node that vanished drops out of lookups within three beats.
 * Owner ids are leases (see `RedisOwnerLease`), so two nodes never hand out the same fds.
 *
 * When Redis is down, local connections keep working in full and remote calls fail at once
 * (nothing is queued); the client reconnects by itself and remote calls resume. When Redis is
 * slow, every wait is bounded: a remote call settles within `requestTimeout` (its PUBLISH
 * included), each beat's commands too, and what is in flight on the connection is bounded by a
 * `SendBudget`, past which calls are refused at once. No rejection is ever left unhandled.
 */
export class RedisClusterAdapter implements ClusterAdapter {
  private owner = 0;
  private publisher: RedisClientLike | null = null;
  private subscriber: RedisClientLike | null = null;
  private lease: RedisOwnerLease | null = null;
  private leaseLost = false;
  private readonly pending: PendingRequests;
  private live = new Set<number>();
  private heartbeat: NodeJS.Timeout | null = null;
  private beating = false;
  private executor: ClusterCommandExecutor | null = null;
  /** Bumped by every start and stop: a start still running when it changed gives up. */
  private generation = 0;
  private readonly prefix: string;
  private readonly beatMs: number;
  private readonly requestMs: number;

  constructor(
    private readonly options: RedisClusterOptions,
    private readonly clientConstructor?: RedisClientConstructor,
    private readonly logger: ClusterLogger = consoleClusterLogger,
    private readonly budget = new SendBudget(MAX_PENDING_SENDS, MAX_PENDING_BYTES),
  ) {
    this.prefix = options.prefix ?? 'nsws';
    this.beatMs = options.heartbeatInterval ?? 1000;
    this.requestMs = options.requestTimeout ?? 2000;
    this.pending = new PendingRequests(this.requestMs);
  }

  get ownerId(): number {
    return this.owner;
  }

  async start(executor: ClusterCommandExecutor): Promise<void> {
    await this.stop();
    const generation = ++this.generation;
    this.executor = executor;
    this.leaseLost = false;
    try {
      await this.open(generation);
    } catch (error) {
      if (this.generation === generation) await this.stop();
      throw error;
    }
  }

  isLive(owner: number): boolean {
    if (owner === this.owner) return true;
    // Without a connected publisher no command can leave: nobody else is reachable right now.
    return this.reachable() && this.live.has(owner);
  }

  async request(owner: number, command: ClusterCommand): Promise<unknown> {
    if (!this.reachable()) throw new ClusterUnavailableError(this.unreachableReason());
    const { id, answer } = this.pending.open(`node ${owner} ${command.op}`);
    const message = encodeClusterMessage({ t: 'req', id, from: this.owner, cmd: command });
    const sent = this.publishRaw(this.channel(owner), message);
    if (sent === null) {
      this.pending.settle(id, undefined, 'Redis is backed up: too many commands in flight');
    } else {
      sent.then(
        (receivers) => {
          if (receivers === 0) this.pending.settle(id, undefined, `node ${owner} is not connected`);
        },
        () => this.pending.settle(id, undefined, 'Redis did not take the request'),
      );
    }
    // The answer's deadline started with `open`: it bounds the call, the PUBLISH included.
    return answer;
  }

  notify(owner: number, command: ClusterCommand): boolean {
    if (!this.isLive(owner)) return false;
    const message = encodeClusterMessage({ t: 'req', id: 0, from: this.owner, cmd: command });
    return this.publishAndForget(this.channel(owner), message);
  }

  async gather(command: ClusterCommand): Promise<unknown[]> {
    if (!this.reachable()) throw new ClusterUnavailableError(this.unreachableReason());
    const others = [...this.live].filter((owner) => owner !== this.owner);
    const settled = await Promise.allSettled(others.map((owner) => this.request(owner, command)));
    return settled.filter((result) => result.status === 'fulfilled').map((result) => result.value);
  }

  publish(command: ClusterCommand): boolean {
    if (!this.reachable()) return false;
    const message = encodeClusterMessage({ t: 'pub', from: this.owner, cmd: command });
    return this.publishAndForget(this.key('all'), message);
  }

  async stop(): Promise<void> {
    this.generation++;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.pending.rejectAll('cluster adapter stopped');
    this.executor = null;
    this.live = new Set();
    const { publisher, subscriber } = this;
    const heldLease = this.lease !== null && !this.leaseLost;
    this.publisher = null;
    this.subscriber = null;
    this.lease = null;
    // Leave the live set at once rather than after three missed beats (best effort). Commands
    // run in order on a connection, so the QUIT sent right after it does not overtake it.
    const leaving =
      publisher?.status === 'ready' && heldLease
        ? withDeadline(publisher.zrem(this.key('owners'), String(this.owner)), STOP_STEP_MS, 'ZREM')
        : Promise.resolve(0);
    await Promise.all([
      leaving.catch(() => undefined),
      ...[publisher, subscriber].map((client) => client && closeClient(client)),
    ]);
  }

  private async open(generation: number): Promise<void> {
    const Client = this.clientConstructor ?? (await loadRedisClient());
    this.assertCurrent(generation);
    const options: RedisClientOptions = {
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
    await withDeadline(
      Promise.all([publisher.connect(), subscriber.connect()]),
      Math.max(this.requestMs, MIN_CONNECT_MS),
      'connecting to Redis',
    );
    this.assertCurrent(generation);
    const lease = new RedisOwnerLease(
      (what, run) => this.command(what, run),
      this.prefix,
      3 * this.beatMs,
    );
    this.owner = await lease.claim(() => this.generation !== generation);
    this.assertCurrent(generation);
    this.lease = lease;
    subscriber.on('message', (_channel: unknown, text: unknown) => this.receive(String(text)));
    await withDeadline(
      subscriber.subscribe(this.channel(this.owner), this.key('all')),
      this.requestMs,
      'SUBSCRIBE',
    );
    this.assertCurrent(generation);
    await this.beat();
    // beat() catches everything itself; the catch here only keeps that a rule.
    this.heartbeat = setInterval(() => this.beat().catch(() => undefined), this.beatMs);
    this.heartbeat.unref();
  }

  /**
   * Renews our lease and beat, and refreshes the set of live nodes. Never rejects: any failure
   * (Redis down, slow, backed up) empties the live set, so remote calls fail fast until a beat
   * succeeds again. A beat does not start while the previous one still waits.
   */
  private async beat(): Promise<void> {
    const lease = this.lease;
    if (this.beating || lease === null || this.leaseLost) return;
    if (this.publisher?.status !== 'ready') {
      this.live = new Set();
      return;
    }
    this.beating = true;
    try {
      const renewal = await lease.renew();
      if (this.lease !== lease) return;
      if (renewal === 'lost') return this.loseOwnerId();
      if (renewal === 'recreated') {
        this.logger.warn(
          `owner id ${this.owner}: its lease was missing in Redis (Redis lost its data?) and was taken again`,
        );
      }
      const owners = this.key('owners');
      const now = Date.now();
      await this.command('ZADD', (c) => c.zadd(owners, now + 3 * this.beatMs, String(this.owner)));
      await this.command('ZREMRANGEBYSCORE', (c) => c.zremrangebyscore(owners, '-inf', now));
      const members = await this.command('ZRANGEBYSCORE', (c) =>
        c.zrangebyscore(owners, now, '+inf'),
      );
      if (this.lease === lease) this.live = new Set(members.map(Number));
    } catch {
      this.live = new Set();
    } finally {
      this.beating = false;
    }
  }

  /**
   * Another node holds our owner id now: Redis lost its data while this node could not beat for
   * a whole lease period. Two nodes must not answer for the same fds, so this one leaves the
   * cluster (its own connections keep working, remote calls fail) and says so loudly.
   */
  private loseOwnerId(): void {
    this.leaseLost = true;
    this.live = new Set();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.pending.rejectAll(`owner id ${this.owner} was taken over by another node`);
    this.logger.error(
      `owner id ${this.owner} is now held by another node (Redis lost its data while this node ` +
        'could not reach it); this node leaves the cluster: its own connections keep working, ' +
        'calls to other nodes fail. Restart it to rejoin.',
    );
    const subscriber = this.subscriber;
    if (subscriber?.status === 'ready') {
      withDeadline(
        subscriber.unsubscribe(this.channel(this.owner), this.key('all')),
        this.requestMs,
        'UNSUBSCRIBE',
      ).catch(() => undefined);
    }
  }

  private receive(text: string): void {
    const message = decodeClusterMessage(text);
    if (message === null) return;
    if (message.t === 'res') {
      this.pending.settle(message.id, message.result, message.err);
      return;
    }
    if (message.from === this.owner || this.leaseLost) return;
    const outcome = runClusterCommand(this.executor, message.cmd);
    if (message.t === 'req' && message.id !== 0) {
      this.reply(message.from, message.id, outcome);
    }
  }

  /** Answers a request; an answer that cannot be sent is dropped (the requester times out). */
  private reply(owner: number, id: number, outcome: ClusterCommandOutcome): void {
    let text: string;
    try {
      text = encodeClusterMessage({ t: 'res', id, ...outcome });
    } catch {
      text = encodeClusterMessage({ t: 'res', id, err: 'the answer could not be encoded' });
    }
    this.publishAndForget(this.channel(owner), text);
  }

  /** One Redis command on the publisher, within the send budget and `requestTimeout`. */
  private async command<T>(what: string, run: (client: RedisClientLike) => Promise<T>): Promise<T> {
    const sent = this.send(COMMAND_BYTES, run);
    if (sent === null) throw new ClusterUnavailableError(`${what}: ${this.unreachableReason()}`);
    return withDeadline(sent, this.requestMs, what);
  }

  private publishAndForget(channel: string, message: string): boolean {
    const sent = this.publishRaw(channel, message);
    sent?.catch(() => undefined);
    return sent !== null;
  }

  private publishRaw(channel: string, message: string): Promise<number> | null {
    return this.send(Buffer.byteLength(message), (client) => client.publish(channel, message));
  }

  /**
   * Hands a command to the publisher when it is connected and the budget has room (null
   * otherwise); the room is held until Redis answers or the command fails. The caller handles
   * the returned promise.
   */
  private send<T>(bytes: number, run: (client: RedisClientLike) => Promise<T>): Promise<T> | null {
    const publisher = this.publisher;
    if (publisher === null || publisher.status !== 'ready') return null;
    if (!this.budget.tryAcquire(bytes)) return null;
    let sent: Promise<T>;
    try {
      sent = run(publisher);
    } catch (error) {
      this.budget.release(bytes);
      return Promise.reject(error);
    }
    const release = () => this.budget.release(bytes);
    sent.then(release, release);
    return sent;
  }

  private reachable(): boolean {
    return !this.leaseLost && this.publisher?.status === 'ready' && this.lease !== null;
  }

  private unreachableReason(): string {
    if (this.leaseLost) return `owner id ${this.owner} was taken over by another node`;
    if (this.publisher?.status !== 'ready') return 'Redis is not connected';
    return 'Redis is backed up: too many commands in flight';
  }

  private assertCurrent(generation: number): void {
    if (this.generation !== generation) {
      throw new Error('RedisClusterAdapter: stopped while starting');
    }
  }

  private key(name: string): string {
    return `${this.prefix}:${name}`;
  }

  private channel(owner: number): string {
    return this.key(`owner:${owner}`);
  }
}

/** QUIT, bounded; a client that does not take it or answer in time is dropped at once. */
async function closeClient(client: RedisClientLike): Promise<void> {
  if (client.status === 'ready') {
    try {
      await withDeadline(client.quit(), STOP_STEP_MS, 'QUIT');
      return;
    } catch {
      // Fall through: drop the connection.
    }
  }
  try {
    client.disconnect();
  } catch {
    // Already closed.
  }
}
