import cluster from 'node:cluster';
import type { ClusterAdapter } from './cluster-adapter.interface.js';
import type { ClusterLogger } from './cluster-logger.interface.js';
import { IpcClusterAdapter } from './ipc-cluster.adapter.js';
import { CLUSTER_WORKERS_ENV } from './ipc-message.interface.js';
import { RedisClusterAdapter, type RedisClusterOptions } from './redis-cluster.adapter.js';

/** What decides the adapter: the server's `cluster` option and Swoole's `worker_num`. */
export interface ClusterChoice {
  redis?: RedisClusterOptions;
  workerNum?: number;
}

/**
 * Picks the cluster adapter the options and the process call for: Redis when `cluster.redis` is
 * set, IPC in a worker started by `runCluster`, none otherwise (the single-process default).
 * `worker_num` > 1 in a process not started by `runCluster` is a configuration error.
 */
export function createClusterAdapter(
  choice: ClusterChoice,
  logger: ClusterLogger,
  env: NodeJS.ProcessEnv = process.env,
): ClusterAdapter | null {
  if (choice.redis) return new RedisClusterAdapter(choice.redis, undefined, logger);
  const underRunCluster = cluster.isWorker && env[CLUSTER_WORKERS_ENV] !== undefined;
  if (underRunCluster) return new IpcClusterAdapter();
  const workers = choice.workerNum ?? 1;
  if (workers > 1) {
    throw new Error(
      `WsServer: settings.worker_num is ${workers}, but this process was not started by runCluster(); ` +
        `start the application with runCluster(() => bootstrap(), { workers: ${workers} }) in main.ts`,
    );
  }
  return null;
}
