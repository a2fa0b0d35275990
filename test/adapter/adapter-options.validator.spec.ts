import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { validateAdapterOptions } from '../../src/adapter/adapter-options.validator.js';

describe('validateAdapterOptions', () => {
  it('accepts nothing, and the module options that apply to the adapter', () => {
    expect(validateAdapterOptions(undefined)).toEqual({});
    const options = {
      host: '127.0.0.1',
      shutdownTimeout: 100,
      settings: { websocket_compression: true, heartbeat_check_interval: 30 },
      cluster: { redis: { url: 'redis://127.0.0.1:6379' } },
      messageParser: () => undefined,
    };
    expect(validateAdapterOptions(options)).toBe(options);
  });

  it.each([
    [null, /options must be an object/],
    [42, /options must be an object/],
    [{ messageParser: {} }, /messageParser must be a function/],
    [{ port: 8080 }, /unknown option "port"/],
    [{ attachToHttpServer: true }, /unknown option "attachToHttpServer"/],
    [{ colour: 'red' }, /unknown option "colour"/],
    [
      { settings: { package_max_length: -1 } },
      /settings\.package_max_length must not be less than 1/,
    ],
    [
      { settings: { websocket_compresion: true } },
      /unknown option "settings\.websocket_compresion"/,
    ],
    [{ cluster: { redis: { url: 'http://x' } } }, /cluster\.redis\.url must be a redis/],
  ])('refuses %p, naming what is wrong', (options, message) => {
    expect(() => validateAdapterOptions(options)).toThrow(message);
    expect(() => validateAdapterOptions(options)).toThrow(/^SwooleWsAdapter: /);
  });
});
