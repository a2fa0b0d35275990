import { describe, expect, it } from '@jest/globals';
import { handshakeRequest } from '../e2e/support/raw-client.js';
import { clientCloseFrame } from '../e2e/support/frames.js';
import { delay } from '../e2e/support/wait.js';
import { scaled, underAttack, useAbuseApp } from './abuse-harness.js';
import {
  closeOutcome,
  endedWithin,
  failureCounts,
  inParallel,
  writeFlood,
} from './attack-sockets.js';
import { pingBatch } from './hostile-frames.js';

/**
 * Floods against the abuse fixture in a child process: pings from clients that never read,
 * broadcasts to clients that never read, and a storm of handshakes. Each case checks the process
 * survives, a healthy client keeps its echoes within the latency bound, and memory comes back
 * (see `underAttack`).
 */
const fixture = useAbuseApp();

const TIMEOUT_MS = 90_000;
/** The fixture's `handshake_timeout`, in milliseconds. */
const HANDSHAKE_TIMEOUT_MS = 3000;

describe('ping flood from clients that never read', () => {
  it(
    'pongs are not queued without bound (buffer_output_size 256 KiB, overflow: close)',
    async () => {
      const { app } = fixture;
      const count = scaled(4);
      const flood = await underAttack(
        app,
        `ping flood from ${count} non-readers`,
        async (context) => {
          const batch = pingBatch(64 * 1024);
          const clients = await Promise.all(
            Array.from({ length: count }, () => context.sockets.upgraded()),
          );
          // They never read again: pongs pile up on the server unless it bounds them.
          for (const raw of clients) raw.socket.pause();
          const until = Date.now() + 3000;
          const written = await Promise.all(
            clients.map((raw) => writeFlood(raw.socket, batch, until, 256 * 1024 * 1024)),
          );
          await context.sampleMemory(`after 3 s of pings from ${count} non-readers`);
          const closed = clients.filter((raw) => raw.closed).length;
          context.note(
            `MB of pings written per client: ${written.map((bytes) => Math.round(bytes / 1e6)).join(', ')}`,
          );
          context.note(`${closed} of ${count} closed by the server during the flood`);
          return { written };
        },
      );
      // The flood really ran: each client sent more pings than buffer_output_size (256 KiB)
      // could hold as pongs.
      expect(flood.written.every((bytes) => bytes >= 512 * 1024)).toBe(true);
    },
    TIMEOUT_MS,
  );
});

describe('broadcast to clients that never read', () => {
  it(
    'a non-reader is closed with 1008 (or dropped) while 2,000 x 16 KiB are broadcast; healthy clients keep echoing',
    async () => {
      const { app } = fixture;
      const messages = scaled(2000);
      const outcomes = await underAttack(app, 'broadcast to non-readers', async (context) => {
        const stalled = await Promise.all(
          Array.from({ length: 2 }, () => context.sockets.upgraded()),
        );
        for (const raw of stalled) raw.socket.pause();
        const broadcast = app.request(
          'GET',
          `/__broadcast?bytes=16384&count=${messages}`,
          undefined,
          60_000,
        );
        // The broadcast is paced (about 1 ms a message): sample while it runs, when a queue
        // without bound would hold megabytes per non-reader.
        await delay(1000);
        await context.sampleMemory('1 s into the broadcast');
        const answer = await broadcast;
        expect(answer.status).toBe(200);
        context.note(`broadcast answered ${answer.body}`);
        await context.sampleMemory(`after broadcasting ${messages} x 16 KiB`);
        // Now read what the server left for them: the end of their stream must be a 1008
        // close frame, or the connection simply ends.
        for (const raw of stalled) raw.socket.resume();
        const outcomes = await Promise.all(stalled.map((raw) => closeOutcome(raw, 15_000)));
        context.note(`non-readers: ${JSON.stringify(outcomes)}`);
        return outcomes;
      });
      for (const outcome of outcomes) {
        expect(outcome.ended).toBe(true);
        if (outcome.closeFrame) expect(outcome.code).toBe(1008);
      }
    },
    TIMEOUT_MS,
  );
});

describe('handshake flood', () => {
  it(
    'connections opening, upgrading and closing as fast as possible, and heads abandoned half-way',
    async () => {
      const { app } = fixture;
      const count = scaled(1000);
      const abandoned = scaled(200);
      const result = await underAttack(app, `handshake flood of ${count}`, async (context) => {
        // Half-open handshakes first: half vanish at once, half are left for the server to drop.
        const half = handshakeRequest('/echo').slice(0, 60);
        const heads = await inParallel(abandoned, 50, async (index) => {
          const raw = await context.sockets.connect();
          raw.write(half);
          if (index % 2 === 0) raw.socket.resetAndDestroy();
          return raw;
        });
        const startedAt = Date.now();
        const flood = await inParallel(count, 50, async (index) => {
          const raw = await context.sockets.upgraded();
          if (index % 3 === 0) {
            raw.write(clientCloseFrame(1000));
            raw.socket.end();
          } else if (index % 3 === 1) {
            raw.socket.end();
          } else {
            raw.socket.resetAndDestroy();
          }
        });
        const floodMs = Date.now() - startedAt;
        const left = heads.flatMap((result, index) =>
          result.status === 'fulfilled' && index % 2 === 1 ? [result.value] : [],
        );
        const dropped = await Promise.all(
          left.map((raw) => endedWithin(raw, HANDSHAKE_TIMEOUT_MS + 4000)),
        );
        context.note(`${count} handshakes in ${floodMs} ms`);
        return {
          floodFailures: failureCounts(flood),
          headFailures: failureCounts(heads),
          floodMs,
          stillOpen: dropped.filter((ended) => !ended).length,
        };
      });
      expect(result.floodFailures).toEqual({});
      expect(result.headFailures).toEqual({});
      expect(result.stillOpen).toBe(0);
    },
    TIMEOUT_MS,
  );
});
