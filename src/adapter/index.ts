/**
 * nest-swoole-ws/adapter: a Nest `WebSocketAdapter` for `@nestjs/websockets` gateways
 * (`@WebSocketGateway`, `@SubscribeMessage`) on this library's engine, in place of
 * `@nestjs/platform-ws`'s `WsAdapter`. Kept out of the main entry so that applications that do
 * not use it never load anything of `@nestjs/websockets`.
 */
export * from './swoole-ws.adapter.js';
export * from './swoole-ws-client.js';
export * from './gateway-server.js';
export * from './adapter-options.interface.js';
export { defaultMessageParser } from './gateway-message.router.js';
