import { describe, expect, it } from '@jest/globals';
import { ByteQueue } from '../../src/protocol/byte-queue.js';

function queueOf(...chunks: string[]): ByteQueue {
  const queue = new ByteQueue();
  for (const chunk of chunks) queue.push(Buffer.from(chunk));
  return queue;
}

describe('ByteQueue', () => {
  it('counts what was pushed and ignores empty chunks', () => {
    const queue = queueOf('ab', '', 'cde');
    expect(queue.length).toBe(5);
    queue.clear();
    expect(queue.length).toBe(0);
  });

  it('take() gives a view of the chunk when the bytes lie within it', () => {
    const chunk = Buffer.from('hello world');
    const queue = new ByteQueue();
    queue.push(chunk);
    const taken = queue.take(5);
    expect(taken.toString()).toBe('hello');
    expect(taken.buffer).toBe(chunk.buffer);
    expect(queue.take(6).toString()).toBe(' world');
    expect(queue.length).toBe(0);
  });

  it('take() copies across chunks, and take(0) is empty', () => {
    const queue = queueOf('ab', 'cd', 'ef');
    expect(queue.take(0).length).toBe(0);
    expect(queue.take(5).toString()).toBe('abcde');
    expect(queue.take(1).toString()).toBe('f');
  });

  it('copyTo() moves bytes across chunks into a target', () => {
    const queue = queueOf('a', 'bc', 'd');
    const target = Buffer.alloc(4);
    queue.copyTo(target, 3);
    expect(target.subarray(0, 3).toString()).toBe('abc');
    expect(queue.length).toBe(1);
    expect(queue.take(1).toString()).toBe('d');
  });

  it('peek() looks without consuming, joining chunks when it must', () => {
    const queue = queueOf('ab', 'cd');
    expect(queue.peek(5)).toBeNull();
    expect(queue.peek(1)?.toString()).toBe('a');
    expect(queue.peek(3)?.toString()).toBe('abc');
    expect(queue.peek(0)?.length).toBe(0);
    expect(queue.length).toBe(4);
    queue.take(1);
    expect(queue.peek(3)?.toString()).toBe('bcd');
  });
});
