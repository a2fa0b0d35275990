import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  OnBeforeHandshakeResponse,
  OnClose,
  OnDisconnect,
  OnHandshake,
  OnMessage,
  OnOpen,
  OnRequest,
  WS_EVENT_HANDLERS_METADATA,
  type WsEventHandlerMetadata,
} from '../../src/decorators/index.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
} from '../../src/protocol/opcode.constants.js';

class Gateway {
  @OnHandshake() handshake(): void {}
  @OnBeforeHandshakeResponse() before(): void {}
  @OnOpen() open(): void {}
  @OnMessage() message(): void {}
  @OnMessage(WEBSOCKET_OPCODE_BINARY) binary(): void {}
  @OnClose() close(): void {}
  @OnRequest() request(): void {}
  @OnDisconnect() disconnect(): void {}

  @OnMessage(WEBSOCKET_OPCODE_PING)
  @OnMessage(WEBSOCKET_OPCODE_PONG)
  control(): void {}

  @OnOpen()
  @OnClose()
  lifecycle(): void {}
}

function bindingsOf(name: keyof Gateway): WsEventHandlerMetadata[] {
  return Reflect.getMetadata(
    WS_EVENT_HANDLERS_METADATA,
    Gateway.prototype[name],
  ) as WsEventHandlerMetadata[];
}

describe('event decorators', () => {
  it.each([
    ['handshake', 'handshake'],
    ['before', 'beforeHandshakeResponse'],
    ['open', 'open'],
    ['message', 'message'],
    ['close', 'close'],
    ['request', 'request'],
    ['disconnect', 'disconnect'],
  ] as const)('%s() is bound to the %s event', (method, event) => {
    expect(bindingsOf(method)).toEqual([{ event }]);
  });

  it('@OnMessage(opcode) records the opcode', () => {
    expect(bindingsOf('binary')).toEqual([{ event: 'message', opcode: WEBSOCKET_OPCODE_BINARY }]);
  });

  it('several @OnMessage(opcode) on one method record each opcode', () => {
    const opcodes = bindingsOf('control').map((binding) => binding.opcode);
    expect(opcodes.sort()).toEqual([WEBSOCKET_OPCODE_PING, WEBSOCKET_OPCODE_PONG].sort());
    expect(bindingsOf('control').every((binding) => binding.event === 'message')).toBe(true);
  });

  it('different events on one method are all recorded', () => {
    expect(
      bindingsOf('lifecycle')
        .map((binding) => binding.event)
        .sort(),
    ).toEqual(['close', 'open']);
  });
});
