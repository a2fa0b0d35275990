/**
 * A Jest setup file (`setupFilesAfterEnv`): fails the test during which the process saw an
 * unhandled rejection or an uncaught exception, with that error. The library promises that
 * nothing it does ends in either (a stray rejection kills a server started with
 * `--unhandled-rejections=strict`), so in the in-process suites one is a bug.
 *
 * The listeners must go on the real process. Jest gives each test file's sandbox its own copy of
 * `process` (an EventEmitter of its own, also what `import process from 'node:process'` returns
 * there), and Node emits `unhandledRejection` and `uncaughtException` on the real one only: a
 * listener on the copy never fires. The real one is reached through the host realm's `Function`
 * (the sandbox's `Buffer` comes from the host).
 *
 * The listeners are removed in this file's afterAll, which runs before the test file's own
 * afterAll hooks: what goes wrong in those is left to Jest, which fails the suite for it.
 */
import { afterAll, afterEach, beforeEach } from '@jest/globals';

/** One event the trap caught. */
interface Trapped {
  kind: 'unhandled rejection' | 'uncaught exception';
  error: unknown;
  /** The rejected promise, so a handler attached later (`rejectionHandled`) clears it. */
  promise?: Promise<unknown>;
}

const hostProcess = findHostProcess();
const trapped: Trapped[] = [];

const onUnhandledRejection = (error: unknown, promise: Promise<unknown>): void => {
  trapped.push({ kind: 'unhandled rejection', error, promise });
};
const onRejectionHandled = (promise: Promise<unknown>): void => {
  const at = trapped.findIndex((entry) => entry.promise === promise);
  if (at >= 0) trapped.splice(at, 1);
};
const onUncaughtException = (error: unknown): void => {
  trapped.push({ kind: 'uncaught exception', error });
};

hostProcess.on('unhandledRejection', onUnhandledRejection);
hostProcess.on('rejectionHandled', onRejectionHandled);
hostProcess.on('uncaughtException', onUncaughtException);

/** Caught since the previous test ended: in a beforeAll hook, or late from an earlier test. */
const BEFORE_THE_TEST =
  'before this test started (in a beforeAll hook, or late from an earlier test)';
/** Whether this file's beforeEach ran for the current test (Jest skips it after a failed beforeAll). */
let testStarted = false;

beforeEach(() => {
  failIfTrapped(BEFORE_THE_TEST);
  testStarted = true;
});

afterEach(async () => {
  // A rejection surfaces once the microtasks of its turn ran: give the last turn's a chance.
  await new Promise((resolve) => setImmediate(resolve));
  const when = testStarted ? 'during this test' : BEFORE_THE_TEST;
  testStarted = false;
  failIfTrapped(when);
});

afterAll(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  hostProcess.off('unhandledRejection', onUnhandledRejection);
  hostProcess.off('rejectionHandled', onRejectionHandled);
  hostProcess.off('uncaughtException', onUncaughtException);
  failIfTrapped('after the last test of this file (in an afterAll hook, or late)');
});

/** Throws one error naming everything trapped (and forgets it), if anything was. */
function failIfTrapped(when: string): void {
  if (trapped.length === 0) return;
  const entries = trapped.splice(0);
  const lines = entries.map((entry) => `${entry.kind}: ${describe(entry.error)}`);
  throw new Error(`process-trap: ${entries.length} caught ${when}:\n${lines.join('\n')}`);
}

function describe(error: unknown): string {
  // Errors of the host realm (Node's own, such as a socket's) are not `instanceof Error` here.
  const { stack, code } = (error ?? {}) as { stack?: unknown; code?: unknown };
  const text = typeof stack === 'string' ? stack : String(error);
  return typeof code === 'string' ? `(${code}) ${text}` : text;
}

/** The real process of this Node instance (see the file comment). */
function findHostProcess(): NodeJS.Process {
  const hostFunction = Buffer.constructor as FunctionConstructor;
  const host = hostFunction('return typeof process === "object" ? process : undefined')() as
    NodeJS.Process | undefined;
  if (host === undefined || typeof host.on !== 'function') {
    throw new Error('process-trap: the host process cannot be reached from this test sandbox');
  }
  return host;
}
