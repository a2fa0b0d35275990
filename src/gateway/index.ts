export * from './ws-server.service.js';
export * from './ws-server-options.interface.js';
export * from './ws-server-events.interface.js';
export * from './ws-request.js';
export * from './ws-response.js';
export * from './ws-logger.interface.js';
export * from './server-statistics.js';
