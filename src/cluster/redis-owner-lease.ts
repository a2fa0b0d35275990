import { randomUUID } from 'node:crypto';
import { MAX_OWNER_ID } from './cluster-fd.util.js';
import { sleep } from './deadline.util.js';
import type { RedisClientLike } from './redis-client.interface.js';

/** Runs one Redis command, bounded in time; rejects when Redis is down, slow or backed up. */
export type RedisCommandRunner = <T>(
  what: string,
  run: (client: RedisClientLike) => Promise<T>,
) => Promise<T>;

/** What a beat found about our lease. */
export type LeaseRenewal = 'held' | 'recreated' | 'lost';

/** How often a start waits for freshly created data to settle before it gives up. */
const MAX_SETTLE_ROUNDS = 5;

/**
 * A node's owner id, held as a lease in Redis: `<prefix>:lease:<id>` holds the node's random
 * token, expires after `leaseMs` (three beats) and is renewed by every beat. An id is taken with
 * `SET ... NX`, so two nodes can never hold the same lease at once; candidates come from the
 * `<prefix>:owner-seq` counter, and an id whose lease exists is skipped.
 *
 * Redis losing its data (a restart without persistence) drops the counter and the leases while
 * the running nodes keep their ids: they take their leases again at their next beat, but a node
 * starting in between would find the ids free. So a start first waits until the data has been
 * there for one lease period: the `<prefix>:epoch` key records (in Redis's clock) when the data
 * was first seen; while it is younger than `leaseMs`, the start waits, by which time every live
 * node has re-taken its lease. Normally the epoch is old and the start does not wait at all.
 */
export class RedisOwnerLease {
  private owner = 0;
  private readonly token = randomUUID();

  constructor(
    private readonly run: RedisCommandRunner,
    private readonly prefix: string,
    private readonly leaseMs: number,
  ) {}

  /** The id held (0 before `claim`). */
  get id(): number {
    return this.owner;
  }

  /** Takes a free owner id; `cancelled` is polled after each wait so a stop ends it early. */
  async claim(cancelled: () => boolean): Promise<number> {
    await this.waitForSettledData(cancelled);
    for (;;) {
      if (cancelled()) throw new Error('RedisClusterAdapter: stopped while claiming an owner id');
      const id = await this.run('INCR', (client) => client.incr(this.key('owner-seq')));
      if (id > MAX_OWNER_ID) {
        throw new Error('RedisClusterAdapter: owner ids exhausted; reset the owner-seq key');
      }
      const taken = await this.run('SET NX', (client) =>
        client.set(this.leaseKey(id), this.token, 'PX', this.leaseMs, 'NX'),
      );
      if (taken === 'OK') {
        this.owner = id;
        return id;
      }
    }
  }

  /**
   * Renews the lease: 'held' when it was ours, 'recreated' when it was gone (Redis lost its data)
   * and we took it again, 'lost' when another node holds it now.
   */
  async renew(): Promise<LeaseRenewal> {
    const key = this.leaseKey(this.owner);
    const holder = await this.run('GET', (client) => client.get(key));
    if (holder === this.token) {
      const renewed = await this.run('PEXPIRE', (client) => client.pexpire(key, this.leaseMs));
      if (renewed === 1) return 'held';
    } else if (holder !== null) {
      return 'lost';
    }
    const taken = await this.run('SET NX', (client) =>
      client.set(key, this.token, 'PX', this.leaseMs, 'NX'),
    );
    return taken === 'OK' ? 'recreated' : 'lost';
  }

  /** Waits until the data in Redis is at least one lease period old (see the class comment). */
  private async waitForSettledData(cancelled: () => boolean): Promise<void> {
    for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
      const now = serverMs(await this.run('TIME', (client) => client.time()));
      await this.run('SET NX', (client) => client.set(this.key('epoch'), String(now), 'NX'));
      const epoch = await this.run('GET', (client) => client.get(this.key('epoch')));
      if (epoch === null || !Number.isFinite(Number(epoch))) continue;
      const wait = Number(epoch) + this.leaseMs - now;
      if (wait <= 0) return;
      await sleep(wait);
      if (cancelled()) throw new Error('RedisClusterAdapter: stopped while claiming an owner id');
    }
    throw new Error(
      'RedisClusterAdapter: Redis keeps losing its data; no owner id can be claimed safely',
    );
  }

  private leaseKey(id: number): string {
    return this.key(`lease:${id}`);
  }

  private key(name: string): string {
    return `${this.prefix}:${name}`;
  }
}

/** Milliseconds of a Redis `TIME` answer. */
function serverMs(time: Array<string | number>): number {
  const [seconds, micros] = time.map(Number);
  if (!Number.isFinite(seconds) || !Number.isFinite(micros)) {
    throw new Error('RedisClusterAdapter: unexpected answer to TIME');
  }
  return seconds * 1000 + Math.floor(micros / 1000);
}
