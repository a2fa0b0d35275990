import type { CaseSession } from './case-session.js';

/** Autobahn's verdicts. */
export type Verdict = 'OK' | 'NON-STRICT' | 'INFORMATIONAL' | 'FAILED';

export const VERDICTS: readonly Verdict[] = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'FAILED'];

/** A frame the server is expected to send back (close frames are judged separately). */
export type ExpectedEvent =
  { kind: 'message'; opcode: number; payload: Buffer } | { kind: 'pong'; payload: Buffer };

/** One allowed sequence of server events and the verdict it earns. */
export interface Outcome {
  verdict: 'OK' | 'NON-STRICT';
  events: readonly ExpectedEvent[];
}

/** How the connection must end (Autobahn's "closing behaviour"). */
export interface CloseExpectation {
  /** True: the client starts the closing handshake; false: the server must fail the connection. */
  closedByMe: boolean;
  /** Close codes the server may send; 1005 stands for a close frame without a code. */
  codes: readonly number[];
  /** Whether the server must send a close frame (false: dropping TCP without one is fine too). */
  requireClean: boolean;
}

/** For fail-fast cases: where, relative to the case's markers, the server has to fail. */
export interface FailFastExpectation {
  /** Failing after the last of these markers (and before the next one) is OK. */
  ok: readonly string[];
  /** Failing after the last of these is NON-STRICT. Anything else (earlier, never) FAILED. */
  nonStrict: readonly string[];
}

/** Everything the judge compares the observation with. */
export interface Expectation {
  /** Allowed event sequences, best first; none matching is FAILED. */
  outcomes: readonly Outcome[];
  close: CloseExpectation;
  /** Implementation-defined behaviour: recorded, verdict INFORMATIONAL unless the close fails. */
  informational?: boolean;
  failFast?: FailFastExpectation;
  /** Compression cases (12.x, 13.x): how they are judged beyond the echo. */
  compression?: CompressionExpectation;
}

/**
 * A permessage-deflate case. The 101's answer is checked against the offer (an illegal answer
 * is FAILED); when the server declines (no extension), the case runs uncompressed and, if the
 * echo is right, gets `onDecline`: OK where declining is the expected answer (a window zlib
 * cannot honour), INFORMATIONAL where it only means compression was not tested.
 */
export interface CompressionExpectation {
  onDecline: 'OK' | 'INFORMATIONAL';
}

/**
 * One test case, after Autobahn|Testsuite's public case list: the same ID, a description of what
 * is sent, the expectation in words, and `run`, which sends through the session (the session
 * records what comes back). The runner then waits for the expected answers, closes, and judges.
 */
export interface ConformanceCase {
  /** Autobahn's case ID, e.g. `5.19` or `6.4.1`; local additions say so in the description. */
  id: string;
  /** The category heading (e.g. `6 UTF-8 Handling`). */
  category: string;
  description: string;
  /** What a conforming server does, in words. */
  expectation: string;
  expect: Expectation;
  run(session: CaseSession): Promise<void>;
  /** Large payloads: run alone, after the light cases. */
  heavy?: boolean;
  /** Overrides the runner's per-case timeout. */
  timeoutMs?: number;
  /** Overrides how long the runner waits for the expected answers after `run`. */
  responseTimeoutMs?: number;
  /** Opening handshake additions (the `Sec-WebSocket-Extensions` offer of 12.x / 13.x). */
  handshake?: { extensions?: string };
}

/** The result of one case. */
export interface CaseResult {
  id: string;
  category: string;
  description: string;
  verdict: Verdict;
  /** The verdict on the events alone, and on the closing behaviour alone. */
  behavior: Verdict;
  closeBehavior: 'OK' | 'FAILED';
  notes: string[];
  durationMs: number;
}

/** The failed cases of a run, one line each (id and notes): what a test expects to be empty. */
export function failedCases(results: readonly CaseResult[]): string[] {
  return results
    .filter((result) => result.verdict === 'FAILED')
    .map((result) => `${result.id}: ${result.notes.join('; ')}`);
}
