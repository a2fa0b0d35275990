import { describe, expect, it } from '@jest/globals';
import { createClientDeflateCodec } from '../../src/client/client-deflate.codec.js';
import { ClientReceiver, type ReceiverEvents } from '../../src/client/client-receiver.js';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import { SWOOLE_WEBSOCKET_FLAG_COMPRESS } from '../../src/protocol/frame-flag.constants.js';
import type { Frame } from '../../src/protocol/frame.js';
import {
  WEBSOCKET_OPCODE_BINARY,
  WEBSOCKET_OPCODE_CLOSE,
  WEBSOCKET_OPCODE_PING,
  WEBSOCKET_OPCODE_PONG,
  WEBSOCKET_OPCODE_TEXT,
} from '../../src/protocol/opcode.constants.js';
import { PerMessageDeflateCodec } from '../../src/protocol/permessage-deflate.codec.js';
import type { DeflateParams } from '../../src/protocol/permessage-deflate.negotiator.js';

const AGREED: DeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};
const LIMITS = { maxPayload: 1 << 20, maxQueuedMessages: 4, maxQueuedBytes: 1 << 20 };

/** Records every event, with how many messages were queued at that moment. */
class RecordingEvents implements ReceiverEvents {
  readonly log: string[] = [];
  receiver: ClientReceiver | undefined;

  ping(payload: Buffer): void {
    this.log.push(`ping ${payload.toString()} after ${this.receiver?.queued}`);
  }
  pong(payload: Buffer): void {
    this.log.push(`pong ${payload.toString()} after ${this.receiver?.queued}`);
  }
  close(code: number, reason: string): void {
    this.log.push(`close ${code} ${reason} after ${this.receiver?.queued}`);
  }
  fail(code: number, reason: string): void {
    this.log.push(`fail ${code} ${reason}`);
  }
  pressure(): void {
    this.log.push(`pressure ${String(this.receiver?.behind)}`);
  }
}

function setup(codec: PerMessageDeflateCodec | null = null): {
  receiver: ClientReceiver;
  events: RecordingEvents;
} {
  const events = new RecordingEvents();
  const receiver = new ClientReceiver(codec, LIMITS, events);
  events.receiver = receiver;
  return { receiver, events };
}

/** A server frame (unmasked). */
function serverFrame(opcode: number, payload: string | Buffer, rsv1 = false): Buffer {
  return encodeFrame(opcode, Buffer.from(payload), { rsv1 });
}

/** A close frame payload: the code, then the reason. */
function closePayload(code: number, reason: string): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

/** What a server sends for `text`, compressed with a server-side context. */
function deflated(server: PerMessageDeflateCodec, text: string | Buffer): Promise<Buffer> {
  return new Promise((resolve) => server.compress(Buffer.from(text), resolve));
}

function data(frame: Frame | false): unknown {
  return frame === false ? false : frame.data;
}

describe('ClientReceiver', () => {
  it('queues text and binary messages for next(), and passes control frames on in order', async () => {
    const { receiver, events } = setup();
    receiver.read(
      Buffer.concat([
        serverFrame(WEBSOCKET_OPCODE_TEXT, 'hello'),
        serverFrame(WEBSOCKET_OPCODE_PING, 'p'),
        serverFrame(WEBSOCKET_OPCODE_BINARY, Buffer.from([1, 2])),
        serverFrame(WEBSOCKET_OPCODE_PONG, 'q'),
        serverFrame(WEBSOCKET_OPCODE_CLOSE, closePayload(1000, 'bye')),
      ]),
    );
    expect(events.log).toEqual(['ping p after 1', 'pong q after 2', 'close 1000 bye after 2']);
    expect(receiver.queued).toBe(2);
    expect(data(await receiver.next())).toBe('hello');
    expect(data(await receiver.next())).toEqual(Buffer.from([1, 2]));
    receiver.end();
    expect(await receiver.next()).toBe(false);
  });

  it('reports a protocol error with its close code', () => {
    const { receiver, events } = setup();
    // A masked frame from a server (RFC 6455 section 5.1).
    receiver.read(
      encodeFrame(WEBSOCKET_OPCODE_TEXT, Buffer.from('x'), { mask: Buffer.alloc(4, 1) }),
    );
    expect(events.log).toHaveLength(1);
    expect(events.log[0]).toMatch(/^fail 1002 /);
  });

  it('is behind above maxQueuedMessages and catches up at half of it', async () => {
    const { receiver, events } = setup();
    for (let i = 0; i < 5; i++) receiver.read(serverFrame(WEBSOCKET_OPCODE_TEXT, `m${i}`));
    expect(receiver.behind).toBe(true);
    expect(events.log).toEqual(['pressure true']);
    for (let i = 0; i < 3; i++) await receiver.next();
    expect(receiver.behind).toBe(false);
    expect(events.log).toEqual(['pressure true', 'pressure false']);
  });

  it('inflates a compressed message, and what follows it waits its turn', async () => {
    const server = new PerMessageDeflateCodec(AGREED, LIMITS.maxPayload);
    const client = createClientDeflateCodec(AGREED, LIMITS.maxPayload);
    const { receiver, events } = setup(client);
    const compressed = await deflated(server, 'squeezed');
    receiver.read(
      Buffer.concat([
        serverFrame(WEBSOCKET_OPCODE_TEXT, compressed, true),
        serverFrame(WEBSOCKET_OPCODE_PING, 'behind'),
        serverFrame(WEBSOCKET_OPCODE_TEXT, 'plain'),
      ]),
    );
    expect(receiver.queued).toBe(0); // still inflating: nothing overtook it
    expect(events.log).toEqual([]);
    await new Promise<void>((resolve) => receiver.whenIdle(resolve));
    // The ping was handled once the message before it was queued, and before the one after it.
    expect(events.log).toEqual(['ping behind after 1']);
    const first = (await receiver.next()) as Frame;
    expect(first.data).toBe('squeezed');
    expect(first.flags & SWOOLE_WEBSOCKET_FLAG_COMPRESS).not.toBe(0);
    expect(data(await receiver.next())).toBe('plain');
    server.release();
    client.release();
  });

  it('fails on a compressed text message that inflates to invalid UTF-8', async () => {
    const server = new PerMessageDeflateCodec(AGREED, LIMITS.maxPayload);
    const client = createClientDeflateCodec(AGREED, LIMITS.maxPayload);
    const { receiver, events } = setup(client);
    receiver.read(
      serverFrame(WEBSOCKET_OPCODE_TEXT, await deflated(server, Buffer.from([0xff])), true),
    );
    await new Promise<void>((resolve) => receiver.whenIdle(resolve));
    expect(events.log).toEqual(['fail 1007 invalid UTF-8 in a text message']);
    expect(receiver.queued).toBe(0);
    server.release();
    client.release();
  });

  it('drops what is still being inflated once aborted, and reads nothing more', async () => {
    const server = new PerMessageDeflateCodec(AGREED, LIMITS.maxPayload);
    const client = createClientDeflateCodec(AGREED, LIMITS.maxPayload);
    const { receiver, events } = setup(client);
    receiver.read(serverFrame(WEBSOCKET_OPCODE_TEXT, await deflated(server, 'late'), true));
    receiver.read(serverFrame(WEBSOCKET_OPCODE_PING, 'dropped'));
    receiver.abort();
    receiver.read(serverFrame(WEBSOCKET_OPCODE_TEXT, 'after'));
    await new Promise<void>((resolve) => receiver.whenIdle(resolve));
    expect(receiver.queued).toBe(0);
    expect(events.log).toEqual([]);
    server.release();
    client.release();
  });

  it('runs whenIdle at once when nothing is being inflated', () => {
    const { receiver } = setup();
    let ran = false;
    receiver.whenIdle(() => (ran = true));
    expect(ran).toBe(true);
  });
});
