import type { Socket } from 'node:net';
import { RawClient, type HeaderOverrides } from '../e2e/support/raw-client.js';
import { delay } from '../e2e/support/wait.js';

/** What the server did with a hostile WebSocket connection. */
export interface CloseOutcome {
  /** The code of the server's close frame; undefined without a close frame (or without a code). */
  code: number | undefined;
  /** Whether a close frame came at all. */
  closeFrame: boolean;
  /** Whether the server ended or dropped the TCP connection within the wait. */
  ended: boolean;
}

/**
 * The raw sockets of one attack: every one it opens is tracked, so all of them are destroyed
 * when the attack ends, however it ends.
 */
export class SocketJar {
  private readonly clients = new Set<RawClient>();

  constructor(readonly port: number) {}

  /** A raw TCP connection; `allowHalfOpen` keeps our side open after the server's FIN. */
  async connect(allowHalfOpen = false): Promise<RawClient> {
    const raw = await RawClient.connect(this.port, false, allowHalfOpen);
    this.clients.add(raw);
    raw.socket.once('close', () => this.clients.delete(raw));
    return raw;
  }

  /** A raw connection that completed the opening handshake (101 checked). */
  async upgraded(path = '/echo', headers: HeaderOverrides = {}): Promise<RawClient> {
    const raw = await this.connect();
    await raw.handshake(path, headers);
    return raw;
  }

  /** How many tracked sockets are still open. */
  get open(): number {
    return this.clients.size;
  }

  /** Resets every tracked socket (RST, as a client that vanishes). */
  destroyAll(): void {
    for (const raw of this.clients) raw.socket.resetAndDestroy();
    this.clients.clear();
  }
}

/**
 * Reads what the server sends until its close frame, skipping data frames, then waits for the
 * TCP connection to end; gives up after `ms`.
 */
export async function closeOutcome(raw: RawClient, ms: number): Promise<CloseOutcome> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return { code: undefined, closeFrame: false, ended: raw.ended };
    try {
      const frame = await raw.readFrame(left);
      if (frame.opcode !== 0x8) continue;
      const ended = await endedWithin(raw, Math.max(0, deadline - Date.now()));
      return { code: frame.closeCode, closeFrame: true, ended };
    } catch {
      // No whole frame: the connection closed without a close frame, or the wait ran out.
      return { code: undefined, closeFrame: false, ended: raw.ended };
    }
  }
}

/** Whether the server ended the connection within `ms`. */
export async function endedWithin(raw: RawClient, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!raw.ended && Date.now() < deadline) await delay(10);
  return raw.ended;
}

/**
 * Runs `task(i)` for every i below `count`, at most `concurrency` at a time; resolves with every
 * result or failure, in order.
 */
export async function inParallel<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await task(index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** The reasons of the failed results, counted by message (for a readable failure). */
export function failureCounts(results: PromiseSettledResult<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    const reason = result.reason as { message?: unknown };
    const message = typeof reason?.message === 'string' ? reason.message : String(result.reason);
    counts[message] = (counts[message] ?? 0) + 1;
  }
  return counts;
}

/**
 * Writes `chunk` again and again, respecting TCP backpressure, until `until` (a timestamp) or
 * `maxBytes`, or until the connection closes. Returns the bytes handed to the socket.
 */
export async function writeFlood(
  socket: Socket,
  chunk: Buffer,
  until: number,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<number> {
  let written = 0;
  while (Date.now() < until && written < maxBytes && socket.writable) {
    written += chunk.length;
    if (!socket.write(chunk)) await drained(socket, until - Date.now());
  }
  return written;
}

/** Waits for `drain` (or the socket closing, or `ms`), leaving no listener behind. */
function drained(socket: Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    socket.once('drain', done);
    socket.once('close', done);
  });
}
