import { isUtf8 } from 'node:buffer';
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { decodeServerFrame, acceptKeyFor, type ServerFrame } from '../e2e/support/frames.js';
import type { CaseAnswer } from './fuzz-driver.js';
import type { ExpectedMessage, FrameExpectation, FuzzCase, FuzzProfile } from './fuzz-case.js';

/**
 * The oracle: whether the server's answer to a case is one of the defined ones.
 *
 * Every case must end with the TCP connection closed by the deadline (no hang, no leak), and
 * before that the server says exactly one of:
 * - an HTTP response (`HTTP/1.1 <status>`), whose status is one the code can produce for that
 *   kind of input (`FuzzProfile.refusalStatuses`, read from `ws-server.service.ts`,
 *   `handshake-validator.ts` and the Nest router):
 *   400 (malformed HTTP, Node's parser via `clientError`; an upgrade `validateUpgradeRequest`
 *   refuses; a plain request without `request` handlers), 426 (wrong `Sec-WebSocket-Version`),
 *   431 (head over `http_header_max_size`), 408 (head not complete within `handshake_timeout`),
 *   404 (Nest: no gateway on that path / no `request` handler); never 500 (a handler fault),
 *   503 (`max_connection` is not reached here) or anything else;
 * - a 101 with the right `Sec-WebSocket-Accept`, followed only by well-formed server frames
 *   (unmasked, RSV2/RSV3 clear, RSV1 only on data frames of a connection that negotiated
 *   permessage-deflate, control payloads of at most 125 bytes), the echoes of the messages sent
 *   whole and valid (in order), pongs for the pings, then one close frame whose code fits the
 *   case (our own code echoed; 1002/1007/1009 for a violation, chosen by the kind of
 *   violation; 1001 for an idle stall) and nothing after it;
 * - nothing at all, only where it is defined: a request head that never completes (dropped
 *   by the heartbeat / `headersTimeout`), a CONNECT request (Node drops it), or a stream we
 *   half-closed mid-frame.
 * Returns the list of problems (empty: the answer is defined).
 */
export function judge(fuzzCase: FuzzCase, answer: CaseAnswer, profile: FuzzProfile): string[] {
  const problems: string[] = [];
  if (!answer.tcpClosed)
    problems.push('the TCP connection did not close before the deadline (hang or leak)');
  const http = parseHead(answer.received);
  if (http === 'garbage') {
    problems.push(`the answer is not HTTP: ${preview(answer.received)}`);
    return problems;
  }
  if (fuzzCase.kind === 'frames')
    return problems.concat(judgeFrames(fuzzCase, answer, http, profile));
  if (fuzzCase.kind === 'handshake')
    return problems.concat(judgeHandshake(fuzzCase, answer, http, profile));
  // Random bytes: a refusal, or a drop.
  if (http !== null) {
    if (!profile.refusalStatuses.includes(http.status))
      problems.push(`status ${http.status} to random bytes`);
  } else if (
    !fuzzCase.endAfterWrites &&
    answer.received.length === 0 &&
    answer.closedAfterMs !== undefined &&
    answer.closedAfterMs < 500
  ) {
    // A silent drop is fine for an incomplete head (timeout), not as the answer to a complete one.
    problems.push('dropped without an HTTP response');
  }
  return problems;
}

interface ParsedHead {
  status: number;
  headers: Record<string, string>;
  rest: Buffer;
}

/** The first non-1xx response head, null when nothing (complete) came, 'garbage' when not HTTP. */
function parseHead(bytes: Buffer): ParsedHead | null | 'garbage' {
  let offset = 0;
  for (;;) {
    const rest = bytes.subarray(offset);
    if (rest.length === 0) return null;
    const prefix = rest.subarray(0, 9).toString('latin1');
    if (!'HTTP/1.1 '.startsWith(prefix) && !prefix.startsWith('HTTP/1.1 ')) return 'garbage';
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return rest.length < 9 ? null : 'garbage';
    const lines = rest.subarray(0, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0] + ' ');
    if (!match) return 'garbage';
    const status = Number(match[1]);
    if (status === 100) {
      offset += end + 4;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const at = line.indexOf(':');
      headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
    }
    return { status, headers, rest: rest.subarray(end + 4) };
  }
}

function judgeHandshake(
  fuzzCase: FuzzCase,
  answer: CaseAnswer,
  http: ParsedHead | null,
  profile: FuzzProfile,
): string[] {
  const expected = fuzzCase.handshake;
  if (expected === undefined) return ['handshake case without an expectation'];
  if (http === null) {
    const silentOk =
      expected.kind === 'stall' ||
      (expected.kind === 'any' && expected.maySilentlyClose) ||
      answer.received.length > 0;
    return silentOk ? [] : ['closed without an HTTP response'];
  }
  const problems: string[] = [];
  const status = http.status;
  switch (expected.kind) {
    case 'upgrade':
      if (status !== 101) problems.push(`expected 101, got ${status}`);
      break;
    case 'refuse':
      if (!expected.statuses.includes(status))
        problems.push(`expected one of ${expected.statuses.join('/')}, got ${status}`);
      break;
    case 'stall':
      if (![408, 400, 431].includes(status)) {
        problems.push(
          `incomplete head: expected 408 (400 after our FIN, 431 if already too long), got ${status}`,
        );
      }
      break;
    case 'any':
      if (status !== 101 && !profile.refusalStatuses.includes(status))
        problems.push(`undefined status ${status}`);
  }
  if (status !== 101) return problems;
  if (
    fuzzCase.key !== undefined &&
    http.headers['sec-websocket-accept'] !== acceptKeyFor(fuzzCase.key)
  ) {
    problems.push(`wrong Sec-WebSocket-Accept ${http.headers['sec-websocket-accept']}`);
  }
  const frames = decodeAll(http.rest, problems);
  const close = frames.find((frame) => frame.opcode === 0x8);
  if (answer.sentClose && (close === undefined || close.closeCode !== 1000)) {
    problems.push(
      `our close 1000 after the 101 was answered with ${close ? String(close.closeCode) : 'no close frame'}`,
    );
  }
  if (frames.some((frame) => frame.opcode !== 0x8))
    problems.push('unexpected frames after the 101');
  return problems;
}

function judgeFrames(
  fuzzCase: FuzzCase,
  answer: CaseAnswer,
  http: ParsedHead | null,
  profile: FuzzProfile,
): string[] {
  const expected = fuzzCase.frames as FrameExpectation;
  if (http === null) return ['no 101 for a valid handshake'];
  if (http.status !== 101) return [`a valid handshake got ${http.status}`];
  const problems: string[] = [];
  const deflated =
    http.headers['sec-websocket-extensions']?.startsWith('permessage-deflate') ?? false;
  if (deflated !== expected.compressed)
    problems.push(`permessage-deflate negotiated: ${deflated}, expected ${expected.compressed}`);
  const frames = decodeAll(http.rest, problems);
  const messages: ExpectedMessage[] = [];
  const pongs: Buffer[] = [];
  let close: ServerFrame | undefined;
  let fragments: Buffer[] = [];
  let fragmentOpcode = 0;
  let fragmentCompressed = false;
  for (const frame of frames) {
    if (close !== undefined) {
      // RFC 6455 5.5.1: nothing may follow the close frame, a pong included.
      problems.push(`a frame (opcode ${frame.opcode}) after the close frame`);
      break;
    }
    if (frame.masked) problems.push('a masked server frame');
    if ((frame.rsv & 0b011) !== 0) problems.push('RSV2/RSV3 set on a server frame');
    if (frame.opcode >= 8) {
      if (frame.rsv !== 0 || !frame.fin || frame.payload.length > 125)
        problems.push(`malformed control frame ${frame.opcode}`);
      if (frame.opcode === 0x8) close = frame;
      else if (frame.opcode === 0xa) pongs.push(frame.payload);
      else if (frame.opcode !== 0x9) problems.push(`server frame with opcode ${frame.opcode}`);
      continue;
    }
    if (frame.rsv & 0b100 && (!deflated || frame.opcode === 0))
      problems.push('RSV1 where permessage-deflate does not allow it');
    if (![0, 1, 2].includes(frame.opcode))
      problems.push(`server frame with opcode ${frame.opcode}`);
    if (frame.opcode !== 0) {
      fragmentOpcode = frame.opcode;
      fragmentCompressed = (frame.rsv & 0b100) !== 0;
      fragments = [];
    }
    fragments.push(frame.payload);
    if (!frame.fin) continue;
    let data = Buffer.concat(fragments);
    if (fragmentCompressed) {
      try {
        data = inflateRawSync(Buffer.concat([data, Buffer.from([0, 0, 0xff, 0xff])]), {
          finishFlush: zlibConstants.Z_SYNC_FLUSH,
        });
      } catch {
        problems.push('a compressed server message does not inflate');
      }
    }
    messages.push({ opcode: fragmentOpcode, data });
  }
  const desync = expected.ending.kind === 'desync';
  compareSequence(
    'echo',
    messages,
    expected.echoes,
    (a, b) => a.opcode === b.opcode && a.data.equals(b.data),
    profile.echoesMayBeCut,
    desync,
    problems,
  );
  compareSequence(
    'pong',
    pongs,
    expected.pings,
    (a, b) => a.equals(b),
    profile.echoesMayBeCut,
    desync,
    problems,
  );
  if (close !== undefined && close.payload.length >= 2 && !isUtf8(close.payload.subarray(2)))
    problems.push('close reason is not UTF-8');
  const code = close?.closeCode;
  const ending = expected.ending;
  switch (ending.kind) {
    case 'close-echo':
      if (close === undefined)
        problems.push(`no close frame (expected the echo of ${String(ending.code)})`);
      else if (code !== ending.code)
        problems.push(`close ${String(code)}, expected the echo of ${String(ending.code)}`);
      break;
    case 'violation':
      if (close === undefined || code === undefined || !ending.codes.includes(code)) {
        problems.push(
          `${ending.what}: close ${close ? String(code) : 'missing'}, expected ${ending.codes.join('/')}`,
        );
      }
      break;
    case 'desync':
      if (close === undefined) problems.push('no close frame after a broken stream');
      else if (code !== undefined && !isValidWireCode(code))
        problems.push(`close code ${code} is not valid on the wire`);
      break;
    case 'stall':
      if (close === undefined ? !ending.halfClosed : code !== 1001)
        problems.push(
          `stalled stream: close ${close ? String(code) : 'missing'}, expected 1001 (idle)`,
        );
  }
  if (
    answer.tcpClosed &&
    ending.kind !== 'stall' &&
    (answer.closedAfterMs ?? 0) > profile.idleTimeoutMs
  ) {
    problems.push(
      `the connection closed only after ${answer.closedAfterMs} ms (by the heartbeat, not promptly)`,
    );
  }
  return problems;
}

/** `actual` must start with `expected` (all of it unless `mayBeCut`); more only after a desync. */
function compareSequence<T>(
  what: string,
  actual: T[],
  expected: T[],
  same: (a: T, b: T) => boolean,
  mayBeCut: boolean,
  desync: boolean,
  problems: string[],
): void {
  const shared = Math.min(actual.length, expected.length);
  for (let i = 0; i < shared; i++) {
    if (!same(actual[i], expected[i])) {
      problems.push(`${what} ${i} differs from what was sent`);
      return;
    }
  }
  if (!mayBeCut && actual.length < expected.length)
    problems.push(`${what}: ${actual.length} of ${expected.length} received`);
  if (!desync && actual.length > expected.length)
    problems.push(`${what}: ${actual.length} received, only ${expected.length} sent`);
}

function decodeAll(bytes: Buffer, problems: string[]): ServerFrame[] {
  const frames: ServerFrame[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    const decoded = decodeServerFrame(rest);
    if (decoded === null) {
      problems.push(`${rest.length} trailing bytes are not a whole frame`);
      break;
    }
    frames.push(decoded.frame);
    rest = rest.subarray(decoded.size);
  }
  return frames;
}

function isValidWireCode(code: number): boolean {
  return (
    (code >= 3000 && code <= 4999) ||
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014)
  );
}

function preview(bytes: Buffer): string {
  return JSON.stringify(bytes.subarray(0, 120).toString('latin1'));
}

/** A reproducible report of a failed case. */
export function describeFailure(
  seed: number,
  profile: FuzzProfile,
  fuzzCase: FuzzCase,
  answer: CaseAnswer,
  problems: string[],
): string {
  const sent = Buffer.concat(fuzzCase.writes.map((write) => write.bytes));
  return [
    `[${profile.name}] case ${fuzzCase.index} (${fuzzCase.kind}) failed — reproduce with FUZZ_SEED=${seed} FUZZ_ONLY=${fuzzCase.index}`,
    `  mutations: ${fuzzCase.description.join(', ')}`,
    `  problems: ${problems.join('; ')}`,
    `  sent (${sent.length} bytes, ${fuzzCase.writes.length} writes${fuzzCase.endAfterWrites ? ', then FIN' : ''}): ${sent.subarray(0, 200).toString('hex')}`,
    `  received (${answer.received.length} bytes): ${answer.received.subarray(0, 200).toString('hex')}`,
    `  server frames: ${summarizeFrames(answer.received)}`,
    `  tcp closed: ${answer.tcpClosed} after ${String(answer.closedAfterMs)} ms, server FIN: ${answer.serverEnded}, errors: ${answer.errors.join(',')}`,
  ].join('\n');
}

/** The server frames after a 101, one token each: opcode, RSV bits, length, close code. */
function summarizeFrames(received: Buffer): string {
  const http = parseHead(received);
  if (http === null || http === 'garbage' || http.status !== 101) return '-';
  const frames = decodeAll(http.rest, []);
  return frames
    .map(
      (f) =>
        `op${f.opcode}${f.rsv ? `/rsv${f.rsv}` : ''}:${f.payload.length}${f.opcode === 8 ? `(${String(f.closeCode)} ${f.closeReason ?? ''})` : ''}`,
    )
    .join(' ');
}
