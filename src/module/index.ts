export * from './ws-server.module.js';
export * from './ws-server-module.definition.js';
export * from './ws-server-module-options.interface.js';
export * from './ws-options.validator.js';
export * from './ws-error.rule.js';
export { WS_NO_REPLY } from './ws-reply.util.js';
