import { describe, expect, it } from '@jest/globals';
import {
  WEBSOCKET_CLOSE_ABNORMAL,
  WEBSOCKET_CLOSE_DATA_ERROR,
  WEBSOCKET_CLOSE_EXTENSION_MISSING,
  WEBSOCKET_CLOSE_GOING_AWAY,
  WEBSOCKET_CLOSE_MESSAGE_ERROR,
  WEBSOCKET_CLOSE_MESSAGE_TOO_BIG,
  WEBSOCKET_CLOSE_NORMAL,
  WEBSOCKET_CLOSE_POLICY_ERROR,
  WEBSOCKET_CLOSE_PROTOCOL_ERROR,
  WEBSOCKET_CLOSE_SERVER_ERROR,
  WEBSOCKET_CLOSE_STATUS_ERROR,
  WEBSOCKET_CLOSE_TLS,
  WebSocketCloseCode,
  isApplicationCloseCode,
  isValidWireCloseCode,
} from '../../src/protocol/close-code.constants.js';

describe('close code constants', () => {
  it('have the Swoole values', () => {
    expect(WEBSOCKET_CLOSE_NORMAL).toBe(1000);
    expect(WEBSOCKET_CLOSE_GOING_AWAY).toBe(1001);
    expect(WEBSOCKET_CLOSE_PROTOCOL_ERROR).toBe(1002);
    expect(WEBSOCKET_CLOSE_DATA_ERROR).toBe(1003);
    expect(WEBSOCKET_CLOSE_STATUS_ERROR).toBe(1005);
    expect(WEBSOCKET_CLOSE_ABNORMAL).toBe(1006);
    expect(WEBSOCKET_CLOSE_MESSAGE_ERROR).toBe(1007);
    expect(WEBSOCKET_CLOSE_POLICY_ERROR).toBe(1008);
    expect(WEBSOCKET_CLOSE_MESSAGE_TOO_BIG).toBe(1009);
    expect(WEBSOCKET_CLOSE_EXTENSION_MISSING).toBe(1010);
    expect(WEBSOCKET_CLOSE_SERVER_ERROR).toBe(1011);
    expect(WEBSOCKET_CLOSE_TLS).toBe(1015);
  });

  it('are mirrored by the WebSocketCloseCode enum', () => {
    expect(WebSocketCloseCode.Normal).toBe(1000);
    expect(WebSocketCloseCode.GoingAway).toBe(1001);
    expect(WebSocketCloseCode.ProtocolError).toBe(1002);
    expect(WebSocketCloseCode.DataError).toBe(1003);
    expect(WebSocketCloseCode.StatusError).toBe(1005);
    expect(WebSocketCloseCode.Abnormal).toBe(1006);
    expect(WebSocketCloseCode.MessageError).toBe(1007);
    expect(WebSocketCloseCode.PolicyError).toBe(1008);
    expect(WebSocketCloseCode.MessageTooBig).toBe(1009);
    expect(WebSocketCloseCode.ExtensionMissing).toBe(1010);
    expect(WebSocketCloseCode.ServerError).toBe(1011);
    expect(WebSocketCloseCode.Tls).toBe(1015);
    expect(Object.values(WebSocketCloseCode).filter((v) => typeof v === 'number')).toEqual([
      1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1015,
    ]);
  });
});

describe('isValidWireCloseCode', () => {
  it.each([
    [0, false],
    [999, false],
    [1000, true],
    [1001, true],
    [1002, true],
    [1003, true],
    [1004, false],
    [1005, false],
    [1006, false],
    [1007, true],
    [1008, true],
    [1011, true],
    [1014, true],
    [1015, false],
    [1016, false],
    [2000, false],
    [2999, false],
    [3000, true],
    [3999, true],
    [4000, true],
    [4999, true],
    [5000, false],
    [65535, false],
    [1000.5, false],
    [3000.5, false],
  ])('code %d -> %s', (code, expected) => {
    expect(isValidWireCloseCode(code)).toBe(expected);
  });
});

describe('isApplicationCloseCode', () => {
  it.each([
    [1000, true],
    [999, false],
    [1001, false],
    [1002, false],
    [1011, false],
    [3000, false],
    [3999, false],
    [4000, true],
    [4500, true],
    [4999, true],
    [5000, false],
    [4000.5, false],
    [Number.NaN, false],
  ])('code %d -> %s', (code, expected) => {
    expect(isApplicationCloseCode(code)).toBe(expected);
  });
});
