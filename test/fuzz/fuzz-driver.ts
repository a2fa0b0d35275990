import { connect } from 'node:net';
import type { FuzzCase } from './fuzz-case.js';

/** What the server did with one case, as seen from the client side. */
export interface CaseAnswer {
  received: Buffer;
  /** The TCP connection closed before the deadline. */
  tcpClosed: boolean;
  /** The server sent FIN. */
  serverEnded: boolean;
  /** Socket errors seen (ECONNRESET, EPIPE...). */
  errors: string[];
  /** Milliseconds from the last write to the close, if it closed. */
  closedAfterMs: number | undefined;
  /** For handshake cases that were upgraded: we sent a close frame (1000) after the 101. */
  sentClose: boolean;
}

/** A masked close frame with code 1000 (fixed mask: the content does not matter). */
const CLOSE_1000 = Buffer.from([0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2]);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Plays one case on a fresh `node:net` connection: writes its bytes as scheduled, behaves as
 * a plain TCP peer (answers the server's FIN with ours), and records everything received
 * until the connection closes or `deadlineMs` passes (then the case hung and is destroyed).
 * A handshake case that gets a 101 sends a close frame; one refused without
 * `Connection: close` half-closes, as an HTTP client done with the connection.
 */
export async function runCase(
  port: number,
  fuzzCase: FuzzCase,
  deadlineMs: number,
): Promise<CaseAnswer> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  const answer: CaseAnswer = {
    received: Buffer.alloc(0),
    tcpClosed: false,
    serverEnded: false,
    errors: [],
    closedAfterMs: undefined,
    sentClose: false,
  };
  let lastWrite = Date.now();
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    onClosed = resolve;
  });
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('end', () => {
    answer.serverEnded = true;
    socket.end();
  });
  socket.on('error', (error: NodeJS.ErrnoException) =>
    answer.errors.push(error.code ?? error.message),
  );
  socket.on('close', () => {
    answer.tcpClosed = true;
    answer.closedAfterMs = Date.now() - lastWrite;
    onClosed();
  });
  const connected = await new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
  const deadline = Date.now() + deadlineMs;
  if (connected) {
    for (const write of fuzzCase.writes) {
      if (write.delayMs > 0) await delay(write.delayMs);
      if (socket.destroyed || !socket.writable) break;
      socket.write(write.bytes);
    }
    lastWrite = Date.now();
    if (fuzzCase.endAfterWrites && socket.writable) socket.end();
    if (fuzzCase.kind === 'handshake') await followHandshake(socket, chunks, answer, deadline);
  }
  const timer = new Promise<void>((resolve) =>
    setTimeout(resolve, Math.max(0, deadline - Date.now())).unref(),
  );
  await Promise.race([closed, timer]);
  if (!answer.tcpClosed) socket.destroy();
  answer.received = Buffer.concat(chunks);
  return answer;
}

/** After a handshake: close an opened WebSocket properly, or end a kept-alive HTTP connection. */
async function followHandshake(
  socket: ReturnType<typeof connect>,
  chunks: Buffer[],
  answer: CaseAnswer,
  deadline: number,
): Promise<void> {
  let head: string | null = null;
  while (Date.now() < deadline && !answer.tcpClosed) {
    const bytes = Buffer.concat(chunks);
    const end = bytes.indexOf('\r\n\r\n');
    if (end >= 0) {
      head = bytes.subarray(0, end).toString('latin1');
      break;
    }
    await delay(5);
  }
  if (head === null || !socket.writable) return;
  if (/^HTTP\/1\.1 101 /.test(head)) {
    socket.write(CLOSE_1000);
    answer.sentClose = true;
  } else if (!/\r\nconnection: *close/i.test(head)) {
    await delay(20);
    socket.end();
  }
}

/** Runs `total` cases with at most `concurrency` connections open at once. */
export async function runPool<T>(
  total: number,
  concurrency: number,
  run: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(total);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      results[index] = await run(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}
