import { describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import { SendQueue } from '../../src/client/send-queue.js';

/** What SendQueue uses of a socket, recording writes and corking. */
class FakeSocket {
  writable = true;
  writableLength = 0;
  readonly writes: string[] = [];
  readonly events: string[] = [];

  write(data: Buffer): boolean {
    this.writes.push(data.toString());
    this.events.push(`write ${data.toString()}`);
    return true;
  }

  cork(): void {
    this.events.push('cork');
  }

  uncork(): void {
    this.events.push('uncork');
  }
}

function queue(): { socket: FakeSocket; queue: SendQueue } {
  const socket = new FakeSocket();
  return { socket, queue: new SendQueue(socket as unknown as Socket) };
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('SendQueue', () => {
  it('writes at once, corked until the next tick', async () => {
    const { socket, queue: sends } = queue();
    sends.write(Buffer.from('a'));
    sends.write(Buffer.from('b'));
    expect(socket.events).toEqual(['cork', 'write a', 'write b']);
    await nextTick();
    expect(socket.events).toEqual(['cork', 'write a', 'write b', 'uncork']);
    sends.write(Buffer.from('c'));
    expect(socket.events.slice(4)).toEqual(['cork', 'write c']);
  });

  it('keeps frames behind one still being produced, counting them as buffered', () => {
    const { socket, queue: sends } = queue();
    const deliver = sends.reserve(100);
    sends.write(Buffer.from('after'));
    expect(socket.writes).toEqual([]);
    expect(sends.bufferedAmount).toBe(105);
    let idle = false;
    sends.whenIdle(() => (idle = true));
    expect(idle).toBe(false);
    deliver(Buffer.from('compressed'));
    expect(socket.writes).toEqual(['compressed', 'after']);
    expect(sends.bufferedAmount).toBe(0);
    expect(idle).toBe(true);
  });

  it('keeps several pending frames in order whatever order they finish in', () => {
    const { socket, queue: sends } = queue();
    const first = sends.reserve(1);
    const second = sends.reserve(1);
    second(Buffer.from('2'));
    expect(socket.writes).toEqual([]);
    first(Buffer.from('1'));
    expect(socket.writes).toEqual(['1', '2']);
  });

  it("counts the socket's own buffer", () => {
    const { socket, queue: sends } = queue();
    socket.writableLength = 42;
    expect(sends.bufferedAmount).toBe(42);
  });

  it('drops writes once the socket is no longer writable', () => {
    const { socket, queue: sends } = queue();
    socket.writable = false;
    sends.write(Buffer.from('lost'));
    expect(socket.writes).toEqual([]);
    let idle = false;
    sends.whenIdle(() => (idle = true));
    expect(idle).toBe(true);
  });
});
