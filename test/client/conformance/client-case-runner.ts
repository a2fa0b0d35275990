import { WsClient } from '../../../src/client/ws-client.js';
import type { WsClientCompressionOptions } from '../../../src/client/ws-client-options.interface.js';
import { parseExtensionHeader } from '../../../src/protocol/extension-header.parser.js';
import { judge } from '../../conformance/case-judge.js';
import type { CaseSession, SessionTimings } from '../../conformance/case-session.js';
import type { CaseResult, ConformanceCase } from '../../conformance/conformance-case.js';
import { ClientCaseSession, NotExpressible } from './client-case-session.js';

/** A case a correct client cannot drive, and why. */
export interface InexpressibleCase {
  id: string;
  reason: string;
}

/** The results of a run: judged cases, and those a correct client cannot express. */
export interface ClientRunResults {
  results: CaseResult[];
  inexpressible: InexpressibleCase[];
}

const TIMINGS: SessionTimings = { syncMs: 5, waitMs: 150 };
const CASE_TIMEOUT_MS = 10_000;
const RESPONSE_TIMEOUT_MS = 1000;
const CLOSE_TIMEOUT_MS = 2000;

/**
 * Runs the suite's cases with `WsClient` as the driving client against `url`, judged by the
 * suite's own judge. Light cases run a few at a time, heavy ones alone, as the suite's runner
 * does.
 */
export async function runWithWsClient(
  cases: readonly ConformanceCase[],
  url: string,
): Promise<ClientRunResults> {
  const outcomes = new Map<ConformanceCase, CaseResult | InexpressibleCase>();
  const light = cases.filter((testCase) => !testCase.heavy);
  const heavy = cases.filter((testCase) => testCase.heavy);
  await inPool(light, 4, async (testCase) => {
    outcomes.set(testCase, await runCase(testCase, url));
  });
  for (const testCase of heavy) outcomes.set(testCase, await runCase(testCase, url));
  const results: CaseResult[] = [];
  const inexpressible: InexpressibleCase[] = [];
  for (const testCase of cases) {
    const outcome = outcomes.get(testCase) as CaseResult | InexpressibleCase;
    if ('verdict' in outcome) results.push(outcome);
    else inexpressible.push(outcome);
  }
  return { results, inexpressible };
}

/** One case on a fresh client; never throws. */
async function runCase(
  testCase: ConformanceCase,
  url: string,
): Promise<CaseResult | InexpressibleCase> {
  const started = Date.now();
  const identity = {
    id: testCase.id,
    category: testCase.category,
    description: testCase.description,
  };
  const failed = (note: string): CaseResult => ({
    ...identity,
    verdict: 'FAILED',
    behavior: 'FAILED',
    closeBehavior: 'FAILED',
    notes: [note],
    durationMs: Date.now() - started,
  });
  const offer = testCase.handshake?.extensions;
  const compression = compressionFor(offer);
  if (typeof compression === 'string') return { id: testCase.id, reason: compression };
  let session: ClientCaseSession | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), testCase.timeoutMs ?? CASE_TIMEOUT_MS);
  });
  const attempt = (async (): Promise<CaseResult | InexpressibleCase> => {
    const client = await WsClient.connect(url, {
      compression,
      closeTimeout: CLOSE_TIMEOUT_MS,
      maxOutputBuffer: 64 * 1024 * 1024,
    });
    const opened = new ClientCaseSession(client, TIMINGS, offer);
    session = opened;
    try {
      await testCase.run(opened as unknown as CaseSession);
    } catch (error) {
      if (error instanceof NotExpressible) return { id: testCase.id, reason: error.message };
      throw error;
    }
    await awaitAnswers(testCase, opened);
    await opened.closeHandshake(CLOSE_TIMEOUT_MS);
    const judgement = judge(testCase, opened.observation);
    return {
      ...identity,
      ...judgement,
      notes: [...judgement.notes, ...opened.adaptations],
      durationMs: Date.now() - started,
    };
  })();
  // The race may be lost to the timeout: the attempt's later failure is then nobody's business.
  attempt.catch(() => undefined);
  try {
    const outcome = await Promise.race([attempt, timeout]);
    return outcome === 'timeout' ? failed('timed out') : outcome;
  } catch (error) {
    return failed(`error: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
    session?.dispose();
    await session?.finished;
  }
}

/**
 * The `compression` option that makes `WsClient` send the case's offer, or why it cannot:
 * the client makes one permessage-deflate offer, with parameters from its options.
 */
function compressionFor(
  offer: string | undefined,
): WsClientCompressionOptions | undefined | string {
  if (offer === undefined) return undefined;
  const extensions = parseExtensionHeader(offer);
  if (
    extensions === null ||
    extensions.length !== 1 ||
    extensions[0].name !== 'permessage-deflate'
  ) {
    return 'several extension offers: WsClient makes one permessage-deflate offer';
  }
  const options: WsClientCompressionOptions = {};
  for (const [name, value] of extensions[0].params) {
    if (name === 'server_no_context_takeover') options.serverNoContextTakeover = true;
    else if (name === 'client_no_context_takeover') options.clientNoContextTakeover = true;
    else if (name === 'server_max_window_bits') options.serverMaxWindowBits = Number(value);
    else if (name === 'client_max_window_bits') {
      options.clientMaxWindowBits = value === true ? true : Number(value);
    } else return `offer parameter ${name}: not a permessage-deflate option`;
  }
  return options;
}

/**
 * As the suite's runner: wait for the server to fail the connection or answer a close the
 * case sent, or for as many events as the best outcome has, then briefly for extra frames.
 */
async function awaitAnswers(testCase: ConformanceCase, session: ClientCaseSession): Promise<void> {
  const responseMs = testCase.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS;
  const { expect } = testCase;
  if (!expect.close.closedByMe || session.observation.clientClose !== undefined) {
    await session.waitUntil(() => session.serverGone, responseMs);
    return;
  }
  const wanted = Math.max(0, ...expect.outcomes.map((outcome) => outcome.events.length));
  await session.waitEvents(wanted, responseMs);
  if (!session.serverGone) await session.waitUntil(() => session.serverGone, 25);
}

async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
