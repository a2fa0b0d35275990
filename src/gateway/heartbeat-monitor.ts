import type { WsConnection } from './ws-connection.js';
import { WEBSOCKET_CLOSE_GOING_AWAY } from '../protocol/close-code.constants.js';
import type { ResolvedSettings } from './ws-server-options.interface.js';

/**
 * Swoole's heartbeat: every `heartbeat_check_interval`, connections that received nothing for
 * `heartbeat_idle_time` are closed (WebSockets with 1001, others dropped). With `heartbeat_ping`,
 * a WebSocket quiet for one interval is pinged first, so a live peer's pong keeps it open.
 */
export class HeartbeatMonitor {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly settings: ResolvedSettings,
    private readonly connections: () => Iterable<WsConnection>,
  ) {}

  start(): void {
    if (this.settings.heartbeatIntervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.check(Date.now()), this.settings.heartbeatIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass over the connections at time `now` (milliseconds). */
  check(now: number): void {
    const { heartbeatIdleMs, heartbeatIntervalMs, heartbeatPing } = this.settings;
    for (const connection of this.connections()) {
      const quiet = now - connection.lastRecvTime;
      if (quiet >= heartbeatIdleMs) {
        if (connection.wasUpgraded) connection.close(WEBSOCKET_CLOSE_GOING_AWAY, 'idle timeout');
        else connection.socket.destroy();
      } else if (heartbeatPing && quiet >= heartbeatIntervalMs) {
        connection.ping();
      }
    }
  }
}
