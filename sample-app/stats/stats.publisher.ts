import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { WsServer, type WsServerStats } from '../../src/index.js';

/** The topic the `stats` events are published to (`/chat?stats=1` subscribes to it). */
export const STATS_TOPIC = 'stats';

/** How often each process reports. */
const INTERVAL_MS = 1000;

/** One process's report: `{"event":"stats","owner":...,"connections":...,...}`. */
export interface StatsEvent {
  event: 'stats';
  /** Which process: `host:pid`, the same for every report of one process. */
  owner: string;
  /** Open WebSockets of this process. */
  connections: number;
  /** Messages received and sent per second since the previous report. */
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
}

/**
 * Every second, each worker or node publishes its own `stats()` to the `stats` topic, with
 * the message rates since its previous report, so a subscriber sees one row per process of the
 * cluster. A process with no subscriber anywhere only pays one small publish per second.
 */
@Injectable()
export class StatsPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly owner = `${hostname()}:${process.pid}`;
  private readonly logger = new Logger('StatsPublisher');
  private timer: NodeJS.Timeout | null = null;
  private previous: { at: number; stats: WsServerStats } | null = null;

  constructor(@Inject(WsServer) private readonly server: WsServer) {}

  onApplicationBootstrap(): void {
    this.previous = { at: Date.now(), stats: this.server.stats() };
    this.timer = setInterval(() => this.report(), INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private report(): void {
    try {
      this.server.publish(STATS_TOPIC, JSON.stringify(this.sample()));
    } catch (error) {
      this.logger.error(`could not publish the stats: ${String(error)}`);
    }
  }

  /** This process's numbers now, with the rates since the previous sample. */
  private sample(): StatsEvent {
    const at = Date.now();
    const stats = this.server.stats();
    const previous = this.previous ?? { at: at - INTERVAL_MS, stats };
    this.previous = { at, stats };
    const seconds = Math.max(at - previous.at, 1) / 1000;
    const rate = (now: number, before: number) => Math.round((now - before) / seconds);
    return {
      event: 'stats',
      owner: this.owner,
      connections: stats.websocket_connection_num,
      messagesInPerSecond: rate(stats.messages_in, previous.stats.messages_in),
      messagesOutPerSecond: rate(stats.messages_out, previous.stats.messages_out),
    };
  }
}
