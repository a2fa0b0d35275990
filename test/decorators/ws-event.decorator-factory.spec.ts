import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { createEventDecorator } from '../../src/decorators/ws-event.decorator-factory.js';
import {
  WS_EVENT_HANDLERS_METADATA,
  type WsEventHandlerMetadata,
} from '../../src/decorators/ws-metadata.constants.js';

function bindingsOf(method: unknown): WsEventHandlerMetadata[] | undefined {
  return Reflect.getMetadata(WS_EVENT_HANDLERS_METADATA, method as object) as
    WsEventHandlerMetadata[] | undefined;
}

describe('createEventDecorator', () => {
  it('records the event on the method function, without an opcode key when none is given', () => {
    class Gateway {
      @createEventDecorator('close')
      close(): void {}
    }
    expect(bindingsOf(Gateway.prototype.close)).toEqual([{ event: 'close' }]);
    expect(Object.keys(bindingsOf(Gateway.prototype.close)?.[0] ?? {})).toEqual(['event']);
  });

  it('keeps every binding when a method carries several, without sharing arrays', () => {
    class Gateway {
      @createEventDecorator('message', 9)
      @createEventDecorator('message', 10)
      control(): void {}

      @createEventDecorator('message')
      other(): void {}
    }
    const control = bindingsOf(Gateway.prototype.control) ?? [];
    expect(control).toHaveLength(2);
    expect(control).toEqual(
      expect.arrayContaining([
        { event: 'message', opcode: 9 },
        { event: 'message', opcode: 10 },
      ]),
    );
    expect(bindingsOf(Gateway.prototype.other)).toEqual([{ event: 'message' }]);
  });

  it('returns the descriptor unchanged, so the method still works', () => {
    class Gateway {
      @createEventDecorator('open')
      open(): string {
        return 'ran';
      }
    }
    expect(new Gateway().open()).toBe('ran');
  });

  it('leaves undecorated methods without metadata', () => {
    class Gateway {
      plain(): void {}
    }
    expect(bindingsOf(Gateway.prototype.plain)).toBeUndefined();
  });
});
