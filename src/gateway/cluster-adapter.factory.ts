import cluster from 'node:cluster';
import type { ClusterAdapter } from '../cluster/cluster-adapter.interface.js';
import { IpcClusterAdapter } from '../cluster/ipc-cluster.adapter.js';
import { CLUSTER_WORKERS_ENV } from '../cluster/ipc-message.interface.js';
import { RedisClusterAdapter } from '../cluster/redis-cluster.adapter.js';
import type { WsServerOptions } from './ws-server-options.interface.js';

/**
 * Picks the cluster adapter the options and the process call for: Redis when `cluster.redis` is
 * set, IPC in a worker started by `runCluster`, none otherwise (the single-process default).
 */
export function createClusterAdapter(options: WsServerOptions): ClusterAdapter | null {
  const redis = options.cluster?.redis;
  if (redis) return new RedisClusterAdapter(redis);
  const underRunCluster = cluster.isWorker && process.env[CLUSTER_WORKERS_ENV] !== undefined;
  if (underRunCluster) return new IpcClusterAdapter();
  const workers = options.settings?.worker_num ?? 1;
  if (workers > 1) {
    throw new Error(
      `WsServer: settings.worker_num is ${workers}, but this process was not started by runCluster(); ` +
        `start the application with runCluster(() => bootstrap(), { workers: ${workers} }) in main.ts`,
    );
  }
  return null;
}
