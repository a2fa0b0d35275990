import { describe, expect, it } from '@jest/globals';
import {
  WEBSOCKET_STATUS_ACTIVE,
  WEBSOCKET_STATUS_CLOSING,
  WEBSOCKET_STATUS_CONNECTION,
  WEBSOCKET_STATUS_HANDSHAKE,
  WebSocketStatus,
} from '../../src/protocol/websocket-status.constants.js';

describe('websocket status constants', () => {
  it('have the Swoole values', () => {
    expect(WEBSOCKET_STATUS_CONNECTION).toBe(1);
    expect(WEBSOCKET_STATUS_HANDSHAKE).toBe(2);
    expect(WEBSOCKET_STATUS_ACTIVE).toBe(3);
    expect(WEBSOCKET_STATUS_CLOSING).toBe(4);
  });

  it('are mirrored by the WebSocketStatus enum', () => {
    expect(WebSocketStatus.Connection).toBe(1);
    expect(WebSocketStatus.Handshake).toBe(2);
    expect(WebSocketStatus.Active).toBe(3);
    expect(WebSocketStatus.Closing).toBe(4);
    expect(Object.values(WebSocketStatus).filter((v) => typeof v === 'number')).toEqual([
      1, 2, 3, 4,
    ]);
  });
});
