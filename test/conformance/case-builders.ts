import type { CaseSession } from './case-session.js';
import type { CloseExpectation, ExpectedEvent, Expectation, Outcome } from './conformance-case.js';

/** Opcodes, as the cases write them. */
export const OP = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

const bytes = (payload: Buffer | string): Buffer =>
  typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;

/** An expected text message (a string is encoded as UTF-8, a Buffer taken as is). */
export function textEvent(payload: Buffer | string): ExpectedEvent {
  return { kind: 'message', opcode: OP.text, payload: bytes(payload) };
}

export function binaryEvent(payload: Buffer): ExpectedEvent {
  return { kind: 'message', opcode: OP.binary, payload };
}

export function pongEvent(payload: Buffer | string): ExpectedEvent {
  return { kind: 'pong', payload: bytes(payload) };
}

/** The client closes normally at the end and the server answers 1000 (or `codes`). */
export function cleanClose(codes: readonly number[] = [1000]): CloseExpectation {
  return { closedByMe: true, codes, requireClean: true };
}

/** The server fails the connection: close with one of `codes`, or drops TCP; TCP closed. */
export function serverFails(codes: readonly number[] = [1002]): CloseExpectation {
  return { closedByMe: false, codes, requireClean: false };
}

/** Expect exactly these events, then a clean close. */
export function expectEcho(...events: ExpectedEvent[]): Expectation {
  return { outcomes: [{ verdict: 'OK', events }], close: cleanClose() };
}

/**
 * Expect the server to fail the connection with `code`. `before`: events owed before the failure
 * (OK); when given, failing without them is NON-STRICT (octets may be processed as a batch).
 */
export function expectFailure(code = 1002, before?: readonly ExpectedEvent[]): Expectation {
  const outcomes: Outcome[] =
    before === undefined
      ? [{ verdict: 'OK', events: [] }]
      : [
          { verdict: 'OK', events: before },
          { verdict: 'NON-STRICT', events: [] },
        ];
  return { outcomes, close: serverFails([code]) };
}

/** A buffer of `length` copies of `byte`. */
export function filled(length: number, byte: number): Buffer {
  return Buffer.alloc(length, byte);
}

/** `length` bytes of printable ASCII (valid UTF-8), repeating `pattern`. */
export function asciiPayload(length: number, pattern = 'BAsd7&jh23'): Buffer {
  return Buffer.alloc(length, pattern);
}

/** `length` bytes covering every byte value (binary messages). */
export function binaryPayload(length: number): Buffer {
  const payload = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) payload[i] = (i * 31 + 7) & 0xff;
  return payload;
}

/** Splits a buffer into pieces of `size` bytes (the last may be shorter; none when empty). */
export function split(data: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) pieces.push(data.subarray(at, at + size));
  return pieces;
}

/** The frames of a message fragmented into `pieces`, first with `opcode`, then continuations. */
export function fragmentFrames(
  session: CaseSession,
  opcode: number,
  pieces: readonly Buffer[],
): Buffer[] {
  const parts = pieces.length > 0 ? pieces : [Buffer.alloc(0)];
  return parts.map((piece, i) =>
    session.frame(i === 0 ? opcode : OP.continuation, piece, { fin: i === parts.length - 1 }),
  );
}
