/**
 * Bench server: ours-nest's application (ours-nest.module.ts) as `worker_num` worker processes
 * started with `runCluster`, sharing one port (node:cluster, round-robin). The primary serves
 * the control channel: it reports the port once every worker listens, and its CPU snapshot
 * adds up the primary and every worker (server-ipc.ts, process-tree-cpu.ts).
 */
import 'reflect-metadata';
import cluster from 'node:cluster';
import type { Address } from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import { runCluster } from '../../src/index.js';
import { oursNestModule } from './ours-nest.module.js';
import { serverConfig } from './server-config.js';
import { serveControlChannel, startServer } from './server-ipc.js';

const config = serverConfig();
const workers = config.workers ?? 2;

async function bootstrapWorker(): Promise<void> {
  await NestFactory.createApplicationContext(oursNestModule(config, workers), {
    logger: ['error'],
  });
}

function stopWorkers(): void {
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
}

/** Resolves with the shared port once every worker listens; rejects if one dies first. */
function everyWorkerListening(): Promise<number> {
  return new Promise((resolve, reject) => {
    const listening = new Set<number>();
    cluster.on('listening', (worker, address: Address) => {
      listening.add(worker.id);
      if (listening.size === workers) resolve(address.port);
    });
    cluster.on('exit', (worker, code) => {
      if (listening.size < workers) reject(new Error(`worker ${worker.id} exited with ${code}`));
    });
  });
}

async function primary(): Promise<void> {
  const ready = everyWorkerListening();
  // No restarts: a worker that dies must show up as a failed measurement, not be hidden.
  await runCluster(() => undefined, { workers, restart: false });
  const port = await ready;
  serveControlChannel(port, { compression: config.compression, beforeExit: stopWorkers });
}

startServer(cluster.isPrimary ? primary : () => runCluster(bootstrapWorker, { workers }));
