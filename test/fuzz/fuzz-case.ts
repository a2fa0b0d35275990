/** The three families of input the fuzzer throws at the server. */
export type CaseClass = 'random-bytes' | 'handshake' | 'frames';

/** One write of a case: bytes, after a pause (to trickle or split the stream). */
export interface TimedWrite {
  bytes: Buffer;
  delayMs: number;
}

/** What the server under test is and how it is configured; the oracle judges against it. */
export interface FuzzProfile {
  name: string;
  /** The path a valid handshake uses (a gateway path for the Nest run). */
  path: string;
  /** Whether permessage-deflate is on (RSV1 is then legal on data frames). */
  compression: boolean;
  /** `package_max_length`. */
  maxPayload: number;
  /** Every HTTP status this server may refuse an upgrade or a request with (documented in the oracle). */
  refusalStatuses: readonly number[];
  /** The status of a plain (non-upgrade) HTTP request: 400 without `request` handlers, 404 in the Nest app. */
  plainStatus: number;
  /** An upgrade to a path this server does not serve gets this status (undefined: every path is served). */
  unknownPathStatus: number | undefined;
  /** Handlers answer asynchronously (Nest), so echoes may be cut by a close that overtakes them. */
  echoesMayBeCut: boolean;
  /** The server's timeouts, in milliseconds. */
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  closeTimeoutMs: number;
}

/** What a handshake case may get. */
export type HandshakeExpectation =
  /** Must open (101, then our close is answered with 1000). */
  | { kind: 'upgrade' }
  /** Must be refused with one of these statuses. */
  | { kind: 'refuse'; statuses: readonly number[] }
  /** The request head never completes: 408, a drop, or (after our FIN) 400. */
  | { kind: 'stall' }
  /** Anything defined: 101 or one of the profile's refusal statuses. */
  | { kind: 'any'; maySilentlyClose: boolean };

/** A message the server must echo. */
export interface ExpectedMessage {
  opcode: number;
  data: Buffer;
}

/** How a frame stream must end. */
export type FrameEnding =
  /** Valid to the end: the server answers our close with this code (undefined: empty close). */
  | { kind: 'close-echo'; code: number | undefined }
  /** A protocol violation: a close frame with one of these codes. */
  | { kind: 'violation'; codes: readonly number[]; what: string }
  /** The stream lost its framing: any valid close code, then TCP close. */
  | { kind: 'desync' }
  /** The stream stops mid-way: 1001 (idle) then TCP close, or just TCP close after our FIN. */
  | { kind: 'stall'; halfClosed: boolean };

export interface FrameExpectation {
  /** Messages sent whole and valid before anything went wrong, in order. */
  echoes: ExpectedMessage[];
  /** Ping payloads sent before anything went wrong, in order. */
  pings: Buffer[];
  ending: FrameEnding;
  /** Whether the offered permessage-deflate is accepted (server frames may then carry RSV1). */
  compressed: boolean;
}

/** One generated case: the bytes to send and what the answer may be. */
export interface FuzzCase {
  index: number;
  kind: CaseClass;
  /** The mutations and choices that built it, for the failure report. */
  description: string[];
  writes: TimedWrite[];
  /** Half-close our side once everything is written. */
  endAfterWrites: boolean;
  /** For handshake cases: the key sent, when the server must answer its accept value. */
  key?: string;
  handshake?: HandshakeExpectation;
  frames?: FrameExpectation;
}
