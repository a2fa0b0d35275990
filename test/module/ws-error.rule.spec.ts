import { describe, expect, it } from '@jest/globals';
import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  UnauthorizedException,
} from '@nestjs/common';
import { clientErrorOf, errorReply } from '../../src/module/ws-error.rule.js';

describe('clientErrorOf', () => {
  it('takes the status and message of an HTTP exception', () => {
    expect(clientErrorOf(new ForbiddenException())).toEqual({
      status: 403,
      message: 'Forbidden',
    });
    expect(clientErrorOf(new UnauthorizedException('who are you'))).toEqual({
      status: 401,
      message: 'who are you',
    });
  });

  it("keeps a ValidationPipe's list of messages", () => {
    const error = new BadRequestException(['name must be a string', 'age must be a number']);
    expect(clientErrorOf(error)).toEqual({
      status: 400,
      message: ['name must be a string', 'age must be a number'],
    });
  });

  it('takes a string response as the message', () => {
    expect(clientErrorOf(new HttpException('teapot', 418))).toEqual({
      status: 418,
      message: 'teapot',
    });
  });

  it('takes an object response without a message as is', () => {
    expect(clientErrorOf(new HttpException({ code: 'E1' }, 409))).toEqual({
      status: 409,
      message: { code: 'E1' },
    });
  });

  it('accepts HTTP-like errors from other copies of Nest (duck typing)', () => {
    const foreign = { getStatus: () => 429, message: 'slow down' };
    expect(clientErrorOf(foreign)).toEqual({ status: 429, message: 'slow down' });
  });

  it('falls back to 500 for a status that is not an integer', () => {
    const odd = { getStatus: () => 'nope', getResponse: () => 'odd' };
    expect(clientErrorOf(odd)).toEqual({ status: 500, message: 'odd' });
  });

  it.each([[new Error('boom')], [new TypeError('x')], ['a string'], [null], [undefined], [42]])(
    'is null for %p (a server fault)',
    (error) => {
      expect(clientErrorOf(error)).toBeNull();
    },
  );
});

describe('errorReply', () => {
  it('is the JSON text pushed to the sender', () => {
    expect(JSON.parse(errorReply({ status: 403, message: 'Forbidden resource' }))).toEqual({
      event: 'error',
      status: 403,
      message: 'Forbidden resource',
    });
  });

  it('keeps a list of messages', () => {
    expect(errorReply({ status: 400, message: ['a', 'b'] })).toBe(
      '{"event":"error","status":400,"message":["a","b"]}',
    );
  });
});
