export * from './create-testing-server.js';
export * from './testing-server.interface.js';
