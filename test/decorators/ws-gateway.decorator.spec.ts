import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { WS_GATEWAY_METADATA, WsGateway } from '../../src/decorators/index.js';

function optionsOf(target: object): unknown {
  return Reflect.getMetadata(WS_GATEWAY_METADATA, target);
}

describe('@WsGateway', () => {
  it('records a path given as a string', () => {
    @WsGateway('/chat')
    class Chat {}
    expect(optionsOf(Chat)).toEqual({ path: '/chat' });
  });

  it('records a path given as options', () => {
    @WsGateway({ path: '/a/b' })
    class Nested {}
    expect(optionsOf(Nested)).toEqual({ path: '/a/b' });
  });

  it('without a path, records empty options (the gateway sees every path)', () => {
    @WsGateway()
    class Everything {}
    expect(optionsOf(Everything)).toEqual({});
  });

  it.each(['chat', '', 'ws://host/chat'])('rejects the path %p, naming it', (path) => {
    expect(() => WsGateway(path)).toThrow(`@WsGateway: path must start with "/" (got "${path}")`);
  });

  it('rejects a path that is not a string with a clear error', () => {
    expect(() => WsGateway({ path: 42 as unknown as string })).toThrow(/@WsGateway: path/);
  });

  it('leaves undecorated classes without metadata', () => {
    class Plain {}
    expect(optionsOf(Plain)).toBeUndefined();
  });
});
