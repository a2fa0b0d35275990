import type { Observation, ObservedEvent } from './case-session.js';
import type {
  CaseResult,
  CompressionExpectation,
  ConformanceCase,
  ExpectedEvent,
  Verdict,
} from './conformance-case.js';

/** The judge's answer before the runner adds the case's identity and timing. */
export type Judgement = Pick<CaseResult, 'verdict' | 'behavior' | 'closeBehavior' | 'notes'>;

/**
 * Compares what a session observed with what the case expects, the way Autobahn does: the events
 * (messages and pongs, in order) give the behaviour verdict, the end of the connection gives the
 * closing verdict, and a failed close fails the case.
 */
export function judge(testCase: ConformanceCase, observation: Observation): Judgement {
  const notes: string[] = [];
  let behavior = judgeBehavior(testCase, observation, notes);
  const { compression } = testCase.expect;
  if (compression) behavior = judgeNegotiation(compression, observation, behavior, notes);
  const closeBehavior = judgeClose(testCase, observation, notes);
  let verdict: Verdict = behavior;
  if (closeBehavior === 'FAILED') verdict = 'FAILED';
  return { verdict, behavior, closeBehavior, notes };
}

function judgeBehavior(
  testCase: ConformanceCase,
  observation: Observation,
  notes: string[],
): Verdict {
  const { expect } = testCase;
  if (observation.violations.length > 0) {
    notes.push(...observation.violations.map((violation) => `server violation: ${violation}`));
    return 'FAILED';
  }
  if (expect.informational) {
    notes.push(`received ${describeEvents(observation.events)}`);
    return 'INFORMATIONAL';
  }
  let verdict: Verdict = 'FAILED';
  const match = expect.outcomes.find((outcome) => sameEvents(observation.events, outcome.events));
  if (match) {
    verdict = match.verdict;
    if (verdict === 'NON-STRICT') notes.push(`received ${describeEvents(observation.events)}`);
  } else {
    const best = expect.outcomes[0]?.events ?? [];
    notes.push(`expected ${describeEvents(best)}, received ${describeEvents(observation.events)}`);
  }
  if (expect.failFast && verdict !== 'FAILED') {
    const failFast = judgeFailFast(expect.failFast, observation, notes);
    if (failFast === 'FAILED' || (failFast === 'NON-STRICT' && verdict === 'OK'))
      verdict = failFast;
  }
  return verdict;
}

/**
 * Compression cases: an illegal answer is already a violation (FAILED). A declined offer ran
 * uncompressed: a right echo then earns the case's `onDecline`. An accepted one is noted with
 * the answer, which offer it accepted, and how many echoes came back compressed.
 */
function judgeNegotiation(
  expectation: CompressionExpectation,
  observation: Observation,
  behavior: Verdict,
  notes: string[],
): Verdict {
  const { negotiation } = observation;
  if (negotiation.violation !== undefined) return behavior;
  if (negotiation.params === null) {
    notes.push('offer declined (no extension in the 101), ran uncompressed');
    return behavior === 'OK' ? expectation.onDecline : behavior;
  }
  const offers = (negotiation.offer ?? '').split(',').length;
  const which = offers > 1 ? ` (offer ${(negotiation.acceptedOffer ?? 0) + 1} of ${offers})` : '';
  const messages = observation.events.filter((event) => event.kind === 'message');
  const compressed = messages.filter((event) => event.kind === 'message' && event.compressed);
  notes.push(
    `accepted${which}: ${negotiation.response}`,
    `${compressed.length} of ${messages.length} echoes compressed`,
  );
  return behavior;
}

function judgeFailFast(
  expectation: NonNullable<ConformanceCase['expect']['failFast']>,
  observation: Observation,
  notes: string[],
): Verdict {
  const failedAt = Math.min(
    observation.serverClose?.seq ?? Infinity,
    observation.tcpEnd?.byServer ? observation.tcpEnd.seq : Infinity,
  );
  if (failedAt === Infinity) {
    notes.push('the server never failed the connection');
    return 'FAILED';
  }
  const before = observation.markers.filter((marker) => marker.seq < failedAt);
  const last = before[before.length - 1]?.name ?? '(start)';
  notes.push(`failed after ${last}`);
  if (expectation.ok.includes(last)) return 'OK';
  if (expectation.nonStrict.includes(last)) return 'NON-STRICT';
  return 'FAILED';
}

function judgeClose(
  testCase: ConformanceCase,
  observation: Observation,
  notes: string[],
): 'OK' | 'FAILED' {
  const expected = testCase.expect.close;
  const { serverClose, clientClose, tcpEnd } = observation;
  let failed = false;
  const fail = (note: string): void => {
    failed = true;
    notes.push(note);
  };
  const closedByMe =
    clientClose !== undefined && (serverClose === undefined || clientClose.seq < serverClose.seq);
  const serverFailedFirst =
    !closedByMe && (serverClose !== undefined || (tcpEnd !== undefined && tcpEnd.byServer));
  if (expected.closedByMe && serverFailedFirst) {
    fail(`the server closed first (${describeClose(observation)})`);
  } else if (!expected.closedByMe && !serverFailedFirst) {
    fail('the server did not fail the connection');
  }
  if (serverClose !== undefined) {
    const code = serverClose.code ?? 1005;
    if (!expected.codes.includes(code)) {
      fail(`close code ${code}, expected ${expected.codes.join(' or ')}`);
    }
  } else if (expected.requireClean) {
    fail('no close frame from the server');
  }
  if (tcpEnd === undefined || !tcpEnd.byServer) fail('the server did not drop the TCP connection');
  if (!failed && serverClose === undefined)
    notes.push('the server dropped TCP without a close frame');
  if (testCase.expect.informational && serverClose !== undefined) {
    notes.push(`the server closed with ${serverClose.code ?? 'an empty close frame'}`);
  }
  return failed ? 'FAILED' : 'OK';
}

function sameEvents(
  observed: readonly ObservedEvent[],
  expected: readonly ExpectedEvent[],
): boolean {
  if (observed.length !== expected.length) return false;
  return expected.every((want, i) => {
    const got = observed[i];
    if (got.kind !== want.kind) return false;
    if (want.kind === 'message' && got.kind === 'message' && got.opcode !== want.opcode)
      return false;
    return got.payload.equals(want.payload);
  });
}

function describeEvents(events: readonly (ObservedEvent | ExpectedEvent)[]): string {
  if (events.length === 0) return 'nothing';
  if (events.length > 4) return `${events.length} events`;
  return events
    .map((event) => {
      const name = event.kind === 'message' ? (event.opcode === 1 ? 'text' : 'binary') : event.kind;
      return `${name}(${event.payload.length} B)`;
    })
    .join(', ');
}

function describeClose(observation: Observation): string {
  const code = observation.serverClose?.code;
  if (observation.serverClose === undefined) return 'TCP dropped';
  return code === undefined ? 'empty close frame' : `close ${code}`;
}
