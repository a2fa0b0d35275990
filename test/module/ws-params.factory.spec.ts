import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { WsParamType } from '../../src/decorators/ws-param-type.enum.js';
import { WsRequest } from '../../src/gateway/ws-request.js';
import { WsResponse } from '../../src/gateway/ws-response.js';
import { WsParamsFactory } from '../../src/module/ws-params.factory.js';
import { Frame } from '../../src/protocol/frame.js';
import { WEBSOCKET_OPCODE_BINARY } from '../../src/protocol/opcode.constants.js';

const factory = new WsParamsFactory();

function frameOf(fd: number, data: string | Buffer): Frame {
  const frame = new Frame();
  frame.fd = fd;
  if (Buffer.isBuffer(data)) frame.opcode = WEBSOCKET_OPCODE_BINARY;
  frame.data = data;
  return frame;
}

function requestOf(fd: number, body = ''): WsRequest {
  const message = new IncomingMessage(new Socket());
  message.url = '/chat?room=1';
  message.method = 'POST';
  message.headers = { host: 'localhost' };
  return new WsRequest(fd, message, Buffer.from(body));
}

const response = new WsResponse(7, { write: () => true, end: () => undefined });

function value(type: WsParamType, args: unknown[], data?: string): unknown {
  return factory.exchangeKeyForValue(type, data, args);
}

describe('WsParamsFactory', () => {
  describe('Fd', () => {
    it('is the fd of a frame, a request, or the fd argument itself', () => {
      expect(value(WsParamType.Fd, [frameOf(3, 'x')])).toBe(3);
      expect(value(WsParamType.Fd, [requestOf(4), response])).toBe(4);
      expect(value(WsParamType.Fd, [5])).toBe(5);
    });

    it('is undefined for anything else', () => {
      expect(value(WsParamType.Fd, [])).toBeUndefined();
      expect(value(WsParamType.Fd, ['5'])).toBeUndefined();
    });
  });

  it('Frame is the frame, or undefined outside message handlers', () => {
    const frame = frameOf(1, 'x');
    expect(value(WsParamType.Frame, [frame])).toBe(frame);
    expect(value(WsParamType.Frame, [1])).toBeUndefined();
  });

  it('Data is a string for text, a Buffer for binary, the body for a request', () => {
    expect(value(WsParamType.Data, [frameOf(1, 'hello')])).toBe('hello');
    const binary = value(WsParamType.Data, [frameOf(1, Buffer.from([1, 2]))]);
    expect(Buffer.isBuffer(binary)).toBe(true);
    expect([...(binary as Buffer)]).toEqual([1, 2]);
    expect(String(value(WsParamType.Data, [requestOf(1, 'body'), response]))).toBe('body');
    expect(value(WsParamType.Data, [9])).toBeUndefined();
  });

  describe('Json', () => {
    it('parses text, binary and request bodies', () => {
      expect(value(WsParamType.Json, [frameOf(1, '{"a":1}')])).toEqual({ a: 1 });
      expect(value(WsParamType.Json, [frameOf(1, Buffer.from('[1,2]'))])).toEqual([1, 2]);
      expect(value(WsParamType.Json, [requestOf(1, '"s"'), response])).toBe('s');
    });

    it('picks one property when asked', () => {
      expect(value(WsParamType.Json, [frameOf(1, '{"room":"r1","n":2}')], 'room')).toBe('r1');
      expect(value(WsParamType.Json, [frameOf(1, '{"room":"r1"}')], 'missing')).toBeUndefined();
      expect(value(WsParamType.Json, [frameOf(1, '42')], 'room')).toBeUndefined();
      expect(value(WsParamType.Json, [frameOf(1, 'null')], 'room')).toBeUndefined();
    });

    it('throws a 400 BadRequestException for text that is not JSON', () => {
      expect(() => value(WsParamType.Json, [frameOf(1, '{nope')])).toThrow(BadRequestException);
      try {
        value(WsParamType.Json, [frameOf(1, '')]);
      } catch (error) {
        expect((error as BadRequestException).getStatus()).toBe(400);
      }
      expect.assertions(2);
    });

    it('is undefined without any data (close handler)', () => {
      expect(value(WsParamType.Json, [3])).toBeUndefined();
    });
  });

  it('Request and Response are the handler arguments, or undefined', () => {
    const request = requestOf(2);
    expect(value(WsParamType.Request, [request, response])).toBe(request);
    expect(value(WsParamType.Response, [request, response])).toBe(response);
    expect(value(WsParamType.Request, [frameOf(1, 'x')])).toBeUndefined();
    expect(value(WsParamType.Response, [request])).toBeUndefined();
  });

  it('an unknown type gives undefined', () => {
    expect(factory.exchangeKeyForValue(99, undefined, [frameOf(1, 'x')])).toBeUndefined();
  });
});
