import type { Server as HttpServer } from 'node:http';
import { CommandRouter } from './command-router.js';
import { ConnectionRegistry } from './connection-registry.js';
import { HeartbeatMonitor } from './heartbeat-monitor.js';
import { HttpRequestHandler } from './http-request.handler.js';
import { LocalConnections } from './local-connections.js';
import { ServerEvents } from './server-events.js';
import { ServerListener } from './server-listener.js';
import type { ServerStatistics } from './server-statistics.js';
import { UpgradeHandler } from './upgrade-handler.js';
import type { WsLogger } from './ws-logger.interface.js';
import type { ResolvedSettings, WsServerOptions } from './ws-server-options.interface.js';

/**
 * The parts of one server, wired together, and their lifecycle: start (join the cluster, then
 * listen), attach to an application's HTTP server, shut down (stop accepting, leave the
 * cluster, close every connection within a bound). `WsServer` is the facade in front of it.
 */
export class ServerRuntime {
  readonly events: ServerEvents;
  readonly registry: ConnectionRegistry;
  readonly local: LocalConnections;
  readonly router: CommandRouter;
  readonly upgrades: UpgradeHandler;
  readonly listener: ServerListener;
  private readonly heartbeat: HeartbeatMonitor;
  private starting = false;
  private shutdownDone: Promise<void> | null = null;

  constructor(
    private readonly options: Readonly<WsServerOptions>,
    settings: ResolvedSettings,
    statistics: ServerStatistics,
    private readonly logger: WsLogger,
    defaultHandshake: symbol,
  ) {
    this.events = new ServerEvents(logger);
    this.registry = new ConnectionRegistry(settings, statistics, this.events);
    this.local = new LocalConnections(this.registry, () => this.listener.port);
    this.router = new CommandRouter(this.local);
    this.upgrades = new UpgradeHandler(
      settings,
      this.registry,
      this.events,
      logger,
      defaultHandshake,
    );
    const requests = new HttpRequestHandler(settings, this.registry, this.events, logger);
    this.listener = new ServerListener(
      options,
      settings,
      this.registry,
      this.upgrades,
      requests,
      logger,
    );
    this.heartbeat = new HeartbeatMonitor(settings, () => this.registry.values());
  }

  /** Joins the cluster, then listens; a failure leaves nothing running, so it may be retried. */
  async start(): Promise<void> {
    this.assertStartable();
    this.starting = true;
    try {
      await this.joinCluster();
      await this.listener.listen();
      this.heartbeat.start();
    } catch (error) {
      await this.leaveCluster();
      throw error;
    } finally {
      this.starting = false;
    }
  }

  /** Takes upgrades on `server` at once; those arriving while the cluster is joined wait. */
  async attach(server: HttpServer): Promise<void> {
    this.assertStartable();
    this.starting = true;
    this.listener.attach(server);
    const joining = this.joinCluster();
    this.listener.notReadyUntil = joining;
    try {
      await joining;
      this.heartbeat.start();
    } catch (error) {
      await this.listener.close();
      throw error;
    } finally {
      this.listener.notReadyUntil = null;
      this.starting = false;
    }
  }

  /** Shuts down once; a second call waits for the same drain. */
  shutdown(timeoutMs: number): Promise<void> {
    this.shutdownDone ??= this.drainAndClose(timeoutMs);
    return this.shutdownDone;
  }

  private assertStartable(): void {
    if (!this.events.has('message')) {
      throw new Error(
        'WsServer: a "message" handler is required (Swoole refuses to start without onMessage)',
      );
    }
    if (this.listener.active || this.starting) throw new Error('WsServer: already started');
    if (this.shutdownDone !== null) throw new Error('WsServer: shut down; create a new server');
  }

  /** Joins the cluster, if any (see `CommandRouter.join`): fds then carry its owner id. */
  private async joinCluster(): Promise<void> {
    const { cluster, settings } = this.options;
    await this.router.join({ redis: cluster?.redis, workerNum: settings?.worker_num }, this.logger);
    this.registry.ownerId = this.router.ownerId;
  }

  private async leaveCluster(): Promise<void> {
    await this.router.leave();
    this.registry.ownerId = 0;
  }

  private async drainAndClose(timeoutMs: number): Promise<void> {
    this.registry.stopAccepting();
    this.heartbeat.stop();
    await this.leaveCluster();
    const closed = this.listener.close();
    await this.registry.closeAll(timeoutMs);
    await closed;
  }
}
