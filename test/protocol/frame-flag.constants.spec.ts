import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_PACKAGE_MAX_LENGTH,
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
  SWOOLE_WEBSOCKET_FLAG_MASK,
  SWOOLE_WEBSOCKET_FLAG_RSV1,
  SWOOLE_WEBSOCKET_FLAG_RSV2,
  SWOOLE_WEBSOCKET_FLAG_RSV3,
  WebSocketFrameFlag,
} from '../../src/protocol/frame-flag.constants.js';

describe('frame flag constants', () => {
  it('have the Swoole values', () => {
    expect(SWOOLE_WEBSOCKET_FLAG_FIN).toBe(1);
    expect(SWOOLE_WEBSOCKET_FLAG_COMPRESS).toBe(2);
    expect(SWOOLE_WEBSOCKET_FLAG_RSV1).toBe(4);
    expect(SWOOLE_WEBSOCKET_FLAG_RSV2).toBe(8);
    expect(SWOOLE_WEBSOCKET_FLAG_RSV3).toBe(16);
    expect(SWOOLE_WEBSOCKET_FLAG_MASK).toBe(32);
  });

  it('are distinct bits', () => {
    const all = [
      SWOOLE_WEBSOCKET_FLAG_FIN,
      SWOOLE_WEBSOCKET_FLAG_COMPRESS,
      SWOOLE_WEBSOCKET_FLAG_RSV1,
      SWOOLE_WEBSOCKET_FLAG_RSV2,
      SWOOLE_WEBSOCKET_FLAG_RSV3,
      SWOOLE_WEBSOCKET_FLAG_MASK,
    ];
    expect(all.reduce((a, b) => a | b, 0)).toBe(63);
  });

  it('are mirrored by the WebSocketFrameFlag enum', () => {
    expect(WebSocketFrameFlag.Fin).toBe(1);
    expect(WebSocketFrameFlag.Compress).toBe(2);
    expect(WebSocketFrameFlag.Rsv1).toBe(4);
    expect(WebSocketFrameFlag.Rsv2).toBe(8);
    expect(WebSocketFrameFlag.Rsv3).toBe(16);
    expect(WebSocketFrameFlag.Mask).toBe(32);
    expect(Object.values(WebSocketFrameFlag).filter((v) => typeof v === 'number')).toEqual([
      1, 2, 4, 8, 16, 32,
    ]);
  });

  it('defaults package_max_length to 2 MiB', () => {
    expect(DEFAULT_PACKAGE_MAX_LENGTH).toBe(2097152);
  });
});
