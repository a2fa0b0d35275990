import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { validateWsServerOptions } from '../../src/module/ws-options.validator.js';
import type { WsServerModuleOptions } from '../../src/module/ws-server-module-options.interface.js';

/** Options as a user might write them in JavaScript, typos included. */
function validate(options: unknown): WsServerModuleOptions {
  return validateWsServerOptions(options as WsServerModuleOptions);
}

function errorOf(options: unknown): string {
  try {
    validate(options);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the options to be rejected');
}

describe('validateWsServerOptions', () => {
  it('accepts empty options', () => {
    expect(validate({})).toEqual({});
  });

  it('accepts every documented option and returns the options untouched', () => {
    const options: WsServerModuleOptions = {
      host: '127.0.0.1',
      port: 0,
      ssl: { cert: Buffer.from('cert'), key: 'key' },
      attachToHttpServer: false,
      shutdownTimeout: 500,
      settings: {
        websocket_subprotocol: 'chat',
        websocket_compression: true,
        open_websocket_close_frame: true,
        open_websocket_ping_frame: false,
        open_websocket_pong_frame: true,
        heartbeat_check_interval: 0.5,
        heartbeat_idle_time: 2,
        heartbeat_ping: true,
        max_connection: 10,
        package_max_length: 1024,
        buffer_output_size: 4096,
        buffer_output_overflow: 'close',
        handshake_timeout: 1.5,
        http_header_max_size: 8192,
        websocket_close_timeout: 1,
        websocket_allowed_origins: ['http://localhost'],
        ssl_cert_file: '/tmp/cert.pem',
        ssl_key_file: '/tmp/key.pem',
        worker_num: 1,
      },
    };
    const snapshot = structuredClone(options);
    expect(validate(options)).toBe(options);
    expect(options).toEqual(snapshot);
    expect(Buffer.isBuffer(options.ssl?.cert)).toBe(true);
  });

  it('rejects an unknown setting, naming it', () => {
    expect(errorOf({ settings: { foo: 1 } })).toMatch(/settings\.foo/);
    expect(errorOf({ settings: { foo: 1 } })).toMatch(/unknown option "settings\.foo"/);
  });

  it('rejects an unknown top-level option, naming it', () => {
    expect(errorOf({ prot: 9501 })).toMatch(/unknown option "prot"/);
  });

  it('rejects an unknown ssl option, naming it', () => {
    expect(errorOf({ ssl: { cert: 'c', key: 'k', ca: 'x' } })).toMatch(/unknown option "ssl\.ca"/);
  });

  it('rejects an ill-typed setting, naming its full path', () => {
    const message = errorOf({ settings: { max_connection: 'x' } });
    expect(message).toMatch(/^WsServerModule: invalid options: /);
    expect(message).toContain('settings.max_connection');
  });

  it.each([
    [{ port: 'x' }, 'port'],
    [{ port: 70000 }, 'port'],
    [{ host: 1 }, 'host'],
    [{ attachToHttpServer: 'yes' }, 'attachToHttpServer'],
    [{ shutdownTimeout: -1 }, 'shutdownTimeout'],
    [{ settings: { websocket_compression: 'true' } }, 'settings.websocket_compression'],
    [{ settings: { buffer_output_overflow: 'block' } }, 'settings.buffer_output_overflow'],
    [{ settings: { heartbeat_check_interval: -1 } }, 'settings.heartbeat_check_interval'],
    [{ settings: { websocket_allowed_origins: 'http://a' } }, 'settings.websocket_allowed_origins'],
    [{ settings: { websocket_allowed_origins: [1] } }, 'settings.websocket_allowed_origins'],
    [{ settings: { package_max_length: 1.5 } }, 'settings.package_max_length'],
    [{ ssl: { cert: 1, key: 'k' } }, 'ssl.cert'],
  ])('rejects %j, naming %s', (options, name) => {
    expect(errorOf(options)).toContain(name);
  });

  it('names every problem at once', () => {
    const message = errorOf({ port: 'x', settings: { foo: 1, max_connection: 'y' } });
    expect(message).toContain('port');
    expect(message).toContain('settings.foo');
    expect(message).toContain('settings.max_connection');
  });

  it('accepts several workers, and rejects a worker_num that is not a positive integer, naming it', () => {
    expect(validate({ settings: { worker_num: 4 } })).toEqual({ settings: { worker_num: 4 } });
    expect(errorOf({ settings: { worker_num: 0 } })).toContain('settings.worker_num');
    expect(errorOf({ settings: { worker_num: 1.5 } })).toContain('settings.worker_num');
  });

  it('validates cluster.redis, naming a bad url', () => {
    expect(validate({ cluster: { redis: { url: 'redis://127.0.0.1:6379' } } })).toBeDefined();
    expect(errorOf({ cluster: { redis: { url: 'http://x' } } })).toContain('cluster.redis.url');
    expect(errorOf({ cluster: { redis: { url: 'redis://x', colour: 1 } } })).toContain(
      'cluster.redis.colour',
    );
  });

  it('rejects settings that are not an object, naming them', () => {
    expect(errorOf({ settings: 'fast' })).toContain('settings');
  });

  it('rejects options that are not an object', () => {
    expect(errorOf(null)).toBe('WsServerModule: options must be an object');
    expect(errorOf('x')).toBe('WsServerModule: options must be an object');
  });
});
