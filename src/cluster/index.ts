export * from './cluster-adapter.interface.js';
export * from './cluster-command.interface.js';
export * from './cluster-fd.util.js';
export * from './ipc-cluster.adapter.js';
export * from './redis-cluster.adapter.js';
export * from './run-cluster.js';
