import { describe, expect, it } from '@jest/globals';
import type { RawClient } from '../e2e/support/raw-client.js';
import { delay } from '../e2e/support/wait.js';
import { scaled, underAttack, useAbuseApp } from './abuse-harness.js';
import { closeOutcome, type CloseOutcome, failureCounts, inParallel } from './attack-sockets.js';
import {
  abuseSeed,
  compressedMessage,
  deflateBomb,
  HOSTILE_CLOSE_CODES,
  type HostileCase,
  hostileCases,
  PACKAGE_MAX_LENGTH,
  partialFrame,
} from './hostile-frames.js';

/**
 * Hostile WebSocket frames against the abuse fixture in a child process: large frames left
 * unfinished on many connections, decompression bombs, garbage and mutated frames. Each case
 * checks the process survives, a healthy client keeps its echoes within the latency bound, and
 * memory comes back (see `underAttack`).
 */
const fixture = useAbuseApp();

const TIMEOUT_MS = 90_000;
const BINARY = 0x2;
const TEXT = 0x1;

describe('partial large frames', () => {
  it(
    'connections each holding the start of a 2 MiB - 1 frame do not make the server reserve 2 MiB each',
    async () => {
      const { app } = fixture;
      const count = scaled(500);
      await underAttack(app, `${count} partial 2 MiB frames`, async (context) => {
        const start = partialFrame(PACKAGE_MAX_LENGTH - 1, 15);
        const opened = await inParallel(count, 50, async () => {
          const raw = await context.sockets.upgraded();
          raw.write(start);
          return raw;
        });
        expect(failureCounts(opened)).toEqual({});
        // Held while the healthy client keeps probing.
        await delay(1000);
        await context.sampleMemory(`holding ${count} partial frames`);
      });
    },
    TIMEOUT_MS,
  );
});

describe('decompression bombs', () => {
  it(
    'a small compressed message that inflates past package_max_length closes with 1009',
    async () => {
      const { app } = fixture;
      // ~130 KB of deflate that inflates to 128 MiB of zeros (package_max_length is 2 MiB).
      const bomb = deflateBomb(128);
      const messages = [
        compressedMessage(BINARY, bomb),
        compressedMessage(TEXT, bomb),
        compressedMessage(BINARY, bomb, 4),
      ];
      const outcomes = await underAttack(app, 'decompression bombs', async (context) => {
        const results = await inParallel(scaled(12), 12, async (index) => {
          const raw = await context.sockets.upgraded('/echo', {
            'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
          });
          raw.write(messages[index % messages.length]);
          return raw;
        });
        expect(failureCounts(results)).toEqual({});
        await context.sampleMemory('bombs in flight');
        const clients = results.flatMap((result) =>
          result.status === 'fulfilled' ? [result.value] : [],
        );
        const outcomes = await Promise.all(clients.map((raw) => closeOutcome(raw, 10_000)));
        await context.sampleMemory('after the bombs were refused');
        return outcomes;
      });
      expect(countBy(outcomes.map(describeOutcome))).toEqual({
        'close 1009, then the end': scaled(12),
      });
    },
    TIMEOUT_MS,
  );
});

describe('garbage and mutated frames', () => {
  it(
    'every hostile connection gets a close with 1002, 1007 or 1009 (or is dropped); the server survives',
    async () => {
      const { app } = fixture;
      const cases = hostileCases(abuseSeed(), scaled(40), scaled(40));
      const outcomes = await underAttack(app, 'garbage and mutated frames', async (context) => {
        const results = await inParallel(cases.length, 16, async (index) => {
          const raw = await context.sockets.upgraded();
          return sendHostile(raw, cases[index].bytes);
        });
        const seen = results.map((result) =>
          result.status === 'fulfilled' ? describeOutcome(result.value) : 'failed',
        );
        context.note(`${cases.length} cases: ${JSON.stringify(countBy(seen))}`);
        return results.map((result, index) =>
          result.status === 'fulfilled'
            ? judge(cases[index], result.value)
            : `${cases[index].description}: ${String((result.reason as Error).message)}`,
        );
      });
      expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual([]);
    },
    TIMEOUT_MS,
  );
});

/**
 * Sends hostile bytes and reads how the server ends the connection. If nothing happens within
 * 300 ms (the bytes left a frame unfinished), enough 0xFF bytes follow to fill any payload the
 * limit allows: as a header, 0xFF is a protocol error (RSV2/RSV3 set); inside a text frame, it
 * is invalid UTF-8.
 */
async function sendHostile(raw: RawClient, bytes: Buffer): Promise<CloseOutcome> {
  raw.write(bytes);
  const early = await closeOutcome(raw, 300);
  if (early.closeFrame || early.ended) return early;
  raw.write(Buffer.alloc(PACKAGE_MAX_LENGTH + 64, 0xff));
  return closeOutcome(raw, 5000);
}

function judge(hostile: HostileCase, outcome: CloseOutcome): string {
  const fine =
    hostile.expectedCode === undefined
      ? (outcome.closeFrame && HOSTILE_CLOSE_CODES.includes(outcome.code ?? 0)) ||
        (!outcome.closeFrame && outcome.ended)
      : outcome.closeFrame && outcome.code === hostile.expectedCode;
  if (fine && outcome.ended) return 'ok';
  const expected = hostile.expectedCode ?? HOSTILE_CLOSE_CODES.join('/');
  return `${hostile.description}: expected close ${expected}, got ${describeOutcome(outcome)}`;
}

function describeOutcome(outcome: CloseOutcome): string {
  const close = outcome.closeFrame ? `close ${outcome.code ?? '(no code)'}` : 'no close frame';
  return `${close}, ${outcome.ended ? 'then the end' : 'connection still open'}`;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
