export * from './ws-client.js';
export * from './ws-client.error.js';
export * from './ws-client-options.interface.js';
