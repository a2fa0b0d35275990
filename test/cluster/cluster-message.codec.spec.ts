import { describe, expect, it } from '@jest/globals';
import {
  decodeClusterMessage,
  encodeClusterMessage,
} from '../../src/cluster/cluster-message.codec.js';

describe('cluster message codec', () => {
  it('round-trips a request with a Buffer payload as a Buffer', () => {
    const data = Buffer.from([0, 1, 2, 255]);
    const text = encodeClusterMessage({
      t: 'req',
      id: 3,
      from: 2,
      cmd: { op: 'push', fd: 9, data, opcode: 2, flags: 1 },
    });
    const decoded = decodeClusterMessage(text);
    expect(decoded).toEqual({
      t: 'req',
      id: 3,
      from: 2,
      cmd: { op: 'push', fd: 9, data, opcode: 2, flags: 1 },
    });
    if (decoded?.t !== 'req' || decoded.cmd.op !== 'push') throw new Error('not a push');
    expect(Buffer.isBuffer(decoded.cmd.data)).toBe(true);
  });

  it('round-trips a string payload, a broadcast and an answer', () => {
    const broadcast = {
      t: 'pub',
      from: 1,
      cmd: { op: 'broadcast', data: 'héllo', opcode: 1, flags: 1, path: '/chat' },
    } as const;
    expect(decodeClusterMessage(encodeClusterMessage(broadcast))).toEqual(broadcast);
    const answer = { t: 'res', id: 4, result: { remote_port: 1234, nested: [1, 2] } } as const;
    expect(decodeClusterMessage(encodeClusterMessage(answer))).toEqual(answer);
    const failure = { t: 'res', id: 5, err: 'boom' } as const;
    expect(decodeClusterMessage(encodeClusterMessage(failure))).toEqual(failure);
  });

  it('keeps a one-way request (id 0)', () => {
    const oneWay = {
      t: 'req',
      id: 0,
      from: 7,
      cmd: { op: 'disconnect', fd: 1, code: 1000, reason: '' },
    } as const;
    expect(decodeClusterMessage(encodeClusterMessage(oneWay))).toEqual(oneWay);
  });

  it.each([
    ['not JSON', 'hello'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['no type', '{"id":1}'],
    ['an unknown type', '{"t":"zzz","id":1}'],
    ['a request without a command', '{"t":"req","id":1,"from":2}'],
    ['a request with a negative id', '{"t":"req","id":-1,"from":2,"cmd":{"op":"exist","fd":1}}'],
    ['a request with a string id', '{"t":"req","id":"1","from":2,"cmd":{"op":"exist","fd":1}}'],
    ['a command without op', '{"t":"pub","from":2,"cmd":{}}'],
    ['an answer with a non-string error', '{"t":"res","id":1,"err":5}'],
  ])('returns null for %s', (_what, text) => {
    expect(decodeClusterMessage(text)).toBeNull();
  });
});
