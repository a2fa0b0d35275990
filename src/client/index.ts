export * from './ws-client.js';
export * from './ws-connection.error.js';
export * from './ws-client-options.interface.js';
