/**
 * nest-swoole-ws: Swoole's `Swoole\WebSocket\Server` model for NestJS, on its own RFC 6455
 * engine. The public API is re-exported from here.
 */
export * from './protocol/index.js';
export * from './gateway/index.js';
export * from './decorators/index.js';
export * from './module/index.js';
export * from './cluster/index.js';
export * from './client/index.js';
