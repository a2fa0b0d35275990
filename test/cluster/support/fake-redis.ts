import { EventEmitter } from 'node:events';
import type {
  RedisClientConstructor,
  RedisClientLike,
  RedisClientOptions,
} from '../../../src/cluster/redis-client.interface.js';

/** A command name as the fake knows it (lower case, as ioredis's methods). */
export type FakeCommand =
  | 'connect'
  | 'incr'
  | 'get'
  | 'set'
  | 'pexpire'
  | 'time'
  | 'publish'
  | 'subscribe'
  | 'unsubscribe'
  | 'zadd'
  | 'zrem'
  | 'zremrangebyscore'
  | 'zrangebyscore'
  | 'quit';

/** Which commands a rule applies to: their names and, optionally, the tag of the client. */
export interface FakeMatch {
  commands?: FakeCommand[];
  tag?: string;
}

/** A command the fake received, for assertions. */
export interface FakeCommandRecord {
  command: FakeCommand;
  tag: string;
  args: unknown[];
}

interface HeldCommand {
  client: FakeRedisClient;
  run: () => void;
  fail: (error: Error) => void;
}

interface StoredString {
  value: string;
  expiresAt: number | null;
}

/**
 * An in-memory Redis shared by the fake clients made from it: strings with expiry, sorted sets,
 * INCR, TIME and pub/sub, answered asynchronously as over a network. A test can make commands
 * hang (held until `resume`), fail, or the whole server go down and come back, and can `flush`
 * the data (a restart without persistence).
 */
export class FakeRedis {
  readonly clients: FakeRedisClient[] = [];
  readonly log: FakeCommandRecord[] = [];
  private strings = new Map<string, StoredString>();
  private zsets = new Map<string, Map<string, number>>();
  private hangRules: FakeMatch[] = [];
  private failRules: FakeMatch[] = [];
  private held: HeldCommand[] = [];
  private up = true;
  private readonly watchers: Array<{ match: FakeMatch; resolve: () => void }> = [];

  /** A client class whose instances carry `tag` (to aim `hang`/`fail` at one adapter). */
  clientClass(tag = 'default'): RedisClientConstructor {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const server = this;
    return class extends FakeRedisClient {
      constructor(url: string, options: RedisClientOptions) {
        super(server, tag, url, options);
        server.clients.push(this);
      }
    };
  }

  /** Matching commands (from now on) wait until `resume()`. */
  hang(match: FakeMatch = {}): void {
    this.hangRules.push(match);
  }

  /** Matching commands (from now on) fail. */
  fail(match: FakeMatch = {}): void {
    this.failRules.push(match);
  }

  /** Ends every hang and fail rule and runs the held commands, in order. */
  resume(): void {
    this.hangRules = [];
    this.failRules = [];
    const held = this.held;
    this.held = [];
    for (const command of held) command.run();
  }

  /** Commands held right now. */
  get heldCount(): number {
    return this.held.length;
  }

  /** The server goes away: connected clients start reconnecting, every command fails. */
  down(): void {
    this.up = false;
    for (const client of this.clients) client.lostConnection();
  }

  /** The server is back (empty when `flushed`): clients that were reconnecting are ready. */
  restart(flushed = true): void {
    if (flushed) this.flush();
    this.up = true;
    for (const client of this.clients) client.reconnected();
  }

  /** Forgets every key (Redis restarted without persistence); subscriptions are not data. */
  flush(): void {
    this.strings = new Map();
    this.zsets = new Map();
  }

  /** Resolves at the next matching command. */
  nextCommand(match: FakeMatch): Promise<void> {
    return new Promise((resolve) => this.watchers.push({ match, resolve }));
  }

  /** Records of one command. */
  commandsOf(command: FakeCommand, tag?: string): FakeCommandRecord[] {
    return this.log.filter(
      (record) => record.command === command && (tag === undefined || record.tag === tag),
    );
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Runs a command for a client: failing, held or answered on a later turn. */
  execute<T>(
    client: FakeRedisClient,
    command: FakeCommand,
    args: unknown[],
    run: () => T,
  ): Promise<T> {
    this.log.push({ command, tag: client.tag, args });
    for (const watcher of [...this.watchers]) {
      if (matches(watcher.match, command, client.tag)) {
        this.watchers.splice(this.watchers.indexOf(watcher), 1);
        watcher.resolve();
      }
    }
    if (this.failRules.some((rule) => matches(rule, command, client.tag))) {
      return Promise.reject(new Error(`fake redis: ${command} failed`));
    }
    return new Promise<T>((resolve, reject) => {
      const answer = () => {
        try {
          resolve(run());
        } catch (error) {
          reject(error as Error);
        }
      };
      if (this.hangRules.some((rule) => matches(rule, command, client.tag))) {
        this.held.push({ client, run: answer, fail: reject });
      } else {
        setImmediate(answer);
      }
    });
  }

  /** Fails the commands a client had held (its connection closed). */
  dropHeld(client: FakeRedisClient, error: Error): void {
    const mine = this.held.filter((command) => command.client === client);
    this.held = this.held.filter((command) => command.client !== client);
    for (const command of mine) command.fail(error);
  }

  // The data commands, run when a command is answered.

  getString(key: string): string | null {
    const stored = this.strings.get(key);
    if (stored === undefined) return null;
    if (stored.expiresAt !== null && stored.expiresAt <= Date.now()) {
      this.strings.delete(key);
      return null;
    }
    return stored.value;
  }

  setString(
    key: string,
    value: string,
    expiresAt: number | null,
    onlyIfAbsent: boolean,
  ): 'OK' | null {
    if (onlyIfAbsent && this.getString(key) !== null) return null;
    this.strings.set(key, { value, expiresAt });
    return 'OK';
  }

  expire(key: string, ms: number): number {
    if (this.getString(key) === null) return 0;
    const stored = this.strings.get(key) as StoredString;
    stored.expiresAt = Date.now() + ms;
    return 1;
  }

  incr(key: string): number {
    const next = Number(this.getString(key) ?? '0') + 1;
    const stored = this.strings.get(key);
    this.strings.set(key, { value: String(next), expiresAt: stored?.expiresAt ?? null });
    return next;
  }

  zset(key: string): Map<string, number> {
    let set = this.zsets.get(key);
    if (!set) {
      set = new Map();
      this.zsets.set(key, set);
    }
    return set;
  }

  deliver(channel: string, message: string): number {
    const receivers = this.clients.filter(
      (client) => client.status === 'ready' && client.channels.has(channel),
    );
    for (const client of receivers) setImmediate(() => client.emit('message', channel, message));
    return receivers.length;
  }
}

function matches(rule: FakeMatch, command: FakeCommand, tag: string): boolean {
  return (
    (rule.commands === undefined || rule.commands.includes(command)) &&
    (rule.tag === undefined || rule.tag === tag)
  );
}

function bound(value: number | string): number {
  if (value === '-inf') return -Infinity;
  if (value === '+inf') return Infinity;
  return Number(value);
}

/** One fake `ioredis` client of a `FakeRedis`. */
export class FakeRedisClient extends EventEmitter implements RedisClientLike {
  status = 'wait';
  readonly channels = new Set<string>();
  private everConnected = false;

  constructor(
    private readonly server: FakeRedis,
    readonly tag: string,
    readonly url: string,
    readonly options: RedisClientOptions,
  ) {
    super();
  }

  connect(): Promise<void> {
    if (!this.server.isUp) {
      this.server.log.push({ command: 'connect', tag: this.tag, args: [] });
      this.status = 'reconnecting';
      return Promise.reject(new Error('connect ECONNREFUSED (fake)'));
    }
    this.status = 'connecting';
    return this.server.execute(this, 'connect', [], () => {
      if (this.status !== 'connecting') throw new Error('Connection is closed. (fake)');
      this.status = 'ready';
      this.everConnected = true;
    });
  }

  incr(key: string): Promise<number> {
    return this.run('incr', [key], () => this.server.incr(key));
  }

  get(key: string): Promise<string | null> {
    return this.run('get', [key], () => this.server.getString(key));
  }

  set(key: string, value: string, nx: 'NX'): Promise<'OK' | null>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  set(key: string, value: string, ...options: Array<string | number>): Promise<'OK' | null> {
    const pxAt = options.indexOf('PX');
    const expiresAt = pxAt >= 0 ? Date.now() + Number(options[pxAt + 1]) : null;
    return this.run('set', [key, value, ...options], () =>
      this.server.setString(key, value, expiresAt, options.includes('NX')),
    );
  }

  pexpire(key: string, ms: number): Promise<number> {
    return this.run('pexpire', [key, ms], () => this.server.expire(key, ms));
  }

  time(): Promise<Array<string | number>> {
    return this.run('time', [], () => {
      const now = Date.now();
      return [String(Math.floor(now / 1000)), String((now % 1000) * 1000)];
    });
  }

  publish(channel: string, message: string): Promise<number> {
    return this.run('publish', [channel, message], () => this.server.deliver(channel, message));
  }

  subscribe(...channels: string[]): Promise<unknown> {
    return this.run('subscribe', channels, () => {
      for (const channel of channels) this.channels.add(channel);
      return this.channels.size;
    });
  }

  unsubscribe(...channels: string[]): Promise<unknown> {
    return this.run('unsubscribe', channels, () => {
      for (const channel of channels) this.channels.delete(channel);
      return this.channels.size;
    });
  }

  zadd(key: string, score: number, member: string): Promise<unknown> {
    return this.run('zadd', [key, score, member], () => {
      this.server.zset(key).set(member, score);
      return 1;
    });
  }

  zrem(key: string, member: string): Promise<unknown> {
    return this.run('zrem', [key, member], () => (this.server.zset(key).delete(member) ? 1 : 0));
  }

  zremrangebyscore(key: string, min: number | string, max: number | string): Promise<unknown> {
    return this.run('zremrangebyscore', [key, min, max], () => {
      const set = this.server.zset(key);
      let removed = 0;
      for (const [member, score] of set) {
        if (score >= bound(min) && score <= bound(max)) removed += set.delete(member) ? 1 : 0;
      }
      return removed;
    });
  }

  zrangebyscore(key: string, min: number | string, max: number | string): Promise<string[]> {
    return this.run('zrangebyscore', [key, min, max], () =>
      [...this.server.zset(key)]
        .filter(([, score]) => score >= bound(min) && score <= bound(max))
        .sort((a, b) => a[1] - b[1])
        .map(([member]) => member),
    );
  }

  quit(): Promise<unknown> {
    return this.run('quit', [], () => {
      this.close();
      return 'OK';
    });
  }

  disconnect(): void {
    this.close();
  }

  /** The server went down under this client. */
  lostConnection(): void {
    if (this.status !== 'ready') return;
    this.status = 'reconnecting';
    this.server.dropHeld(this, new Error('Connection is closed. (fake)'));
  }

  /** The server came back: a client that was connected before is ready again. */
  reconnected(): void {
    if (this.status === 'reconnecting' && this.everConnected) this.status = 'ready';
  }

  private close(): void {
    this.status = 'end';
    this.channels.clear();
    this.server.dropHeld(this, new Error('Connection is closed. (fake)'));
  }

  private run<T>(command: FakeCommand, args: unknown[], answer: () => T): Promise<T> {
    if (this.status !== 'ready') {
      return Promise.reject(
        new Error("Stream isn't writeable and enableOfflineQueue options is false (fake)"),
      );
    }
    return this.server.execute(this, command, args, answer);
  }
}
