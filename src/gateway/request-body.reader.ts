import type { IncomingMessage } from 'node:http';

/** The body was cut short: a reset, a FIN before its end, or Node's request timeout. */
export const BODY_ABORTED = Symbol('aborted');
/** The body is larger than allowed (declared, or as it arrived). */
export const BODY_TOO_LARGE = Symbol('too large');

/** A body read whole, or why it was not. */
export type BodyOutcome = Buffer | typeof BODY_ABORTED | typeof BODY_TOO_LARGE;

/**
 * Reads a request body of at most `limit` bytes. A declared length over the limit is refused
 * before anything is read; a body cut short is `BODY_ABORTED`: this never throws or rejects, so
 * a client that resets its upload cannot reach the process.
 */
export function readRequestBody(request: IncomingMessage, limit: number): Promise<BodyOutcome> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve(BODY_TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: BodyOutcome): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onAbort);
      request.off('close', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(BODY_TOO_LARGE);
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks, size));
    const onAbort = (): void => finish(BODY_ABORTED);
    // 'close' before 'end' means the body never completed.
    const onClose = (): void => {
      if (!request.complete) finish(BODY_ABORTED);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onAbort);
    request.on('close', onClose);
  });
}
