import { describe, expect, it, jest } from '@jest/globals';
import { SwooleWsClient } from '../../src/adapter/swoole-ws-client.js';
import {
  SWOOLE_WEBSOCKET_FLAG_COMPRESS,
  SWOOLE_WEBSOCKET_FLAG_FIN,
} from '../../src/protocol/frame-flag.constants.js';
import { CloseFrame, Frame } from '../../src/protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_CONTINUATION,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import { RecordingWsServer } from './fixtures/recording-ws-server.js';

const FD = 7;

function setup(): { engine: RecordingWsServer; client: SwooleWsClient } {
  const engine = new RecordingWsServer();
  return { engine, client: new SwooleWsClient(FD, engine.asWsServer, 'chat') };
}

function frame(opcode: number, payload: Buffer | string): Frame {
  return Frame.fromPayload(FD, opcode, Buffer.from(payload));
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

describe('SwooleWsClient', () => {
  it("has ws's ready-state constants, on the class and on instances", () => {
    const { client } = setup();
    expect([client.CONNECTING, client.OPEN, client.CLOSING, client.CLOSED]).toEqual([0, 1, 2, 3]);
    expect([
      SwooleWsClient.CONNECTING,
      SwooleWsClient.OPEN,
      SwooleWsClient.CLOSING,
      SwooleWsClient.CLOSED,
    ]).toEqual([0, 1, 2, 3]);
    expect(client.fd).toBe(FD);
    expect(client.protocol).toBe('chat');
    expect(client.binaryType).toBe('nodebuffer');
  });

  describe('send', () => {
    it('sends strings and numbers as text, buffers and views as binary, as ws', () => {
      const { engine, client } = setup();
      client.send('text');
      client.send(42);
      client.send(Buffer.from('buffer'));
      client.send(new Uint8Array([1, 2, 3]).subarray(1));
      client.send(new Uint8Array([9]).buffer);
      client.send('as binary', { binary: true });
      expect(engine.calls).toEqual([
        {
          op: 'push',
          fd: FD,
          data: 'text',
          opcode: WEBSOCKET_OPCODE_TEXT,
          flags: SWOOLE_WEBSOCKET_FLAG_FIN,
        },
        {
          op: 'push',
          fd: FD,
          data: '42',
          opcode: WEBSOCKET_OPCODE_TEXT,
          flags: SWOOLE_WEBSOCKET_FLAG_FIN,
        },
        {
          op: 'push',
          fd: FD,
          data: Buffer.from('buffer'),
          opcode: WEBSOCKET_OPCODE_BINARY,
          flags: SWOOLE_WEBSOCKET_FLAG_FIN,
        },
        {
          op: 'push',
          fd: FD,
          data: Buffer.from([2, 3]),
          opcode: WEBSOCKET_OPCODE_BINARY,
          flags: SWOOLE_WEBSOCKET_FLAG_FIN,
        },
        {
          op: 'push',
          fd: FD,
          data: Buffer.from([9]),
          opcode: WEBSOCKET_OPCODE_BINARY,
          flags: SWOOLE_WEBSOCKET_FLAG_FIN,
        },
        {
          op: 'push',
          fd: FD,
          data: 'as binary',
          opcode: WEBSOCKET_OPCODE_BINARY,
          flags: SWOOLE_WEBSOCKET_FLAG_FIN,
        },
      ]);
    });

    it('compresses on request, and sends fragments as continuations', () => {
      const { engine, client } = setup();
      client.send('squeeze', { compress: true });
      client.send('part 1', { fin: false, compress: true });
      client.send('part 2', { fin: false });
      client.send('end');
      expect(engine.calls.map((call) => call.op === 'push' && [call.opcode, call.flags])).toEqual([
        [WEBSOCKET_OPCODE_TEXT, SWOOLE_WEBSOCKET_FLAG_FIN | SWOOLE_WEBSOCKET_FLAG_COMPRESS],
        [WEBSOCKET_OPCODE_TEXT, 0],
        [WEBSOCKET_OPCODE_CONTINUATION, 0],
        [WEBSOCKET_OPCODE_CONTINUATION, SWOOLE_WEBSOCKET_FLAG_FIN],
      ]);
    });

    it('calls back without an error when queued, with one when the engine refused', async () => {
      const { engine, client } = setup();
      const done = jest.fn();
      client.send('ok', done);
      engine.accepts = false;
      client.send('too much', {}, done);
      await nextTick();
      expect(done).toHaveBeenNthCalledWith(1, undefined);
      expect((done.mock.calls[1][0] as Error).message).toMatch(/not sent/);
    });

    it('refuses data ws refuses', () => {
      const { client } = setup();
      expect(() => client.send({ not: 'data' } as unknown as string)).toThrow(TypeError);
    });

    it('after a close, sends nothing and calls back with the state, as ws', async () => {
      const { engine, client } = setup();
      client.close(1000);
      const done = jest.fn();
      client.send('late', done);
      client.send('late, no callback');
      await nextTick();
      expect(engine.calls.filter((call) => call.op === 'push')).toEqual([]);
      expect((done.mock.calls[0][0] as Error).message).toBe(
        'WebSocket is not open: readyState 2 (CLOSING)',
      );
    });
  });

  describe('ping and pong', () => {
    it('sends control frames, with the callback in any position', async () => {
      const { engine, client } = setup();
      const done = jest.fn();
      client.ping();
      client.ping('hello', false, done);
      client.ping(done);
      client.pong(Buffer.from('p'), done);
      await nextTick();
      expect(
        engine.calls.map((call) => call.op === 'push' && [call.opcode, String(call.data)]),
      ).toEqual([
        [WEBSOCKET_OPCODE_PING, ''],
        [WEBSOCKET_OPCODE_PING, 'hello'],
        [WEBSOCKET_OPCODE_PING, ''],
        [WEBSOCKET_OPCODE_PONG, 'p'],
      ]);
      expect(done).toHaveBeenCalledTimes(3);
    });

    it('refuses a payload over 125 bytes', () => {
      const { client } = setup();
      expect(() => client.ping('é'.repeat(63))).toThrow(RangeError);
    });
  });

  describe('close', () => {
    it('closes with the code and reason, 1000 without a code, once', () => {
      const first = setup();
      first.client.close(4001, Buffer.from('done'));
      first.client.close(4002, 'again');
      expect(first.engine.calls).toEqual([
        { op: 'closeConnection', fd: FD, code: 4001, reason: 'done' },
      ]);
      expect(first.client.readyState).toBe(SwooleWsClient.CLOSING);
      const second = setup();
      second.client.close();
      expect(second.engine.calls).toEqual([
        { op: 'closeConnection', fd: FD, code: 1000, reason: '' },
      ]);
    });

    it('refuses what ws refuses: invalid codes and long reasons', () => {
      const { engine, client } = setup();
      for (const code of [999, 1004, 1005, 1006, 1015, 2000, 5000]) {
        expect(() => client.close(code)).toThrow(TypeError);
      }
      expect(() => client.close(1000, 'x'.repeat(124))).toThrow(RangeError);
      expect(engine.calls).toEqual([]);
    });

    it("fires 'close' with our code when we closed, then is CLOSED", () => {
      const { client } = setup();
      const closes: unknown[][] = [];
      client.on('close', (...args: unknown[]) => closes.push(args));
      client.close(4003, 'bye');
      client.closed();
      client.closed();
      expect(closes).toEqual([[4003, Buffer.from('bye')]]);
      expect(client.readyState).toBe(SwooleWsClient.CLOSED);
    });

    it("fires 'close' with the peer's code and reason from its close frame", () => {
      const { engine, client } = setup();
      const closes: unknown[][] = [];
      client.on('close', (...args: unknown[]) => closes.push(args));
      const closeFrame = CloseFrame.fromClosePayload(
        Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('see you')]),
        SWOOLE_WEBSOCKET_FLAG_FIN,
        FD,
      );
      expect(closeFrame.opcode).toBe(WEBSOCKET_OPCODE_CLOSE);
      client.receive(closeFrame);
      engine.established = false;
      expect(client.readyState).toBe(SwooleWsClient.CLOSING);
      client.closed();
      expect(closes).toEqual([[4000, Buffer.from('see you')]]);
    });

    it("fires 'close' with 1006 when no close frame was seen, and terminates without one", () => {
      const { engine, client } = setup();
      const closes: unknown[][] = [];
      client.on('close', (...args: unknown[]) => closes.push(args));
      client.terminate();
      expect(engine.calls).toEqual([{ op: 'close', fd: FD }]);
      client.closed();
      expect(closes).toEqual([[1006, Buffer.alloc(0)]]);
    });
  });

  it('reports CLOSING once the engine stopped considering the connection open', () => {
    const { engine, client } = setup();
    expect(client.readyState).toBe(SwooleWsClient.OPEN);
    engine.established = false;
    expect(client.readyState).toBe(SwooleWsClient.CLOSING);
  });

  it('reads bufferedAmount from the engine', () => {
    const { engine, client } = setup();
    engine.queued = 1234;
    expect(client.bufferedAmount).toBe(1234);
    engine.established = false;
    expect(client.bufferedAmount).toBe(0);
  });

  describe('receive', () => {
    it("emits 'message' as (Buffer, isBinary) and hands routes text as a string, binary as a Buffer", () => {
      const { client } = setup();
      const messages: unknown[][] = [];
      const routed: unknown[] = [];
      client.on('message', (...args: unknown[]) => messages.push(args));
      client.addRoute({ route: (_client, data) => routed.push(data), dispose: () => undefined });
      client.receive(frame(WEBSOCKET_OPCODE_TEXT, 'text'));
      client.receive(frame(WEBSOCKET_OPCODE_BINARY, 'bin'));
      expect(messages).toEqual([
        [Buffer.from('text'), false],
        [Buffer.from('bin'), true],
      ]);
      expect(routed).toEqual(['text', Buffer.from('bin')]);
    });

    it("emits 'pong', and answers a delivered ping itself before emitting 'ping'", () => {
      const { engine, client } = setup();
      const events: string[] = [];
      client.on('pong', (data: Buffer) => events.push(`pong ${data}`));
      client.on('ping', (data: Buffer) => events.push(`ping ${data}`));
      client.receive(frame(WEBSOCKET_OPCODE_PONG, 'a'));
      client.receive(frame(WEBSOCKET_OPCODE_PING, 'b'));
      expect(events).toEqual(['pong a', 'ping b']);
      expect(engine.calls).toEqual([
        {
          op: 'push',
          fd: FD,
          data: Buffer.from('b'),
          opcode: WEBSOCKET_OPCODE_PONG,
          flags: undefined,
        },
      ]);
    });

    it('disposes its routes when closed', () => {
      const { client } = setup();
      const dispose = jest.fn();
      client.addRoute({ route: () => undefined, dispose });
      client.closed();
      expect(dispose).toHaveBeenCalledTimes(1);
    });
  });
});
