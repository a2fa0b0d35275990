import { describe, expect, it } from '@jest/globals';
import type { RawClient } from '../e2e/support/raw-client.js';
import { delay } from '../e2e/support/wait.js';
import type { AbuseAppProcess } from './abuse-app.process.js';
import { type AttackContext, scaled, underAttack, useAbuseApp } from './abuse-harness.js';
import { endedWithin, failureCounts, inParallel } from './attack-sockets.js';

/**
 * Hostile HTTP clients against the abuse fixture in a child process: uploads cut short and
 * request heads or bodies trickled in. Each case checks the process survives, a healthy client
 * keeps its echoes within the latency bound, and memory comes back (see `underAttack`).
 */
const fixture = useAbuseApp();

/** The fixture's `handshake_timeout`, in milliseconds. */
const HANDSHAKE_TIMEOUT_MS = 3000;
const DECLARED_LENGTH = 100_000;
const TIMEOUT_MS = 60_000;

function postHead(headers: string): string {
  return `POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`;
}

/** The server still serves plain HTTP: a whole 100,000-byte POST is answered with its length. */
async function expectPostAnswered(app: AbuseAppProcess): Promise<void> {
  const answer = await app.request('POST', '/upload', Buffer.alloc(DECLARED_LENGTH, 0x61));
  expect(answer).toEqual({ status: 200, body: JSON.stringify({ length: DECLARED_LENGTH }) });
}

/** Opens `count` uploads that each send their head and `body`, then calls `cut` on each. */
async function cutUploads(
  context: AttackContext,
  count: number,
  head: string,
  body: Buffer,
  cut: (raw: RawClient) => Promise<void>,
): Promise<PromiseSettledResult<void>[]> {
  return inParallel(count, 10, async () => {
    const raw = await context.sockets.connect(true);
    raw.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    // Let the server read the head and start on the body before the upload is cut.
    await delay(100);
    await cut(raw);
  });
}

describe('aborted HTTP uploads', () => {
  it(
    'Content-Length 100000, 1 KB sent, then a reset: the server survives and still serves',
    async () => {
      const { app } = fixture;
      const results = await underAttack(app, 'reset uploads', (context) =>
        cutUploads(
          context,
          scaled(20),
          postHead(`Content-Length: ${DECLARED_LENGTH}\r\n`),
          Buffer.alloc(1024, 0x61),
          async (raw) => void raw.socket.resetAndDestroy(),
        ),
      );
      expect(failureCounts(results)).toEqual({});
      await expectPostAnswered(app);
    },
    TIMEOUT_MS,
  );

  it(
    'a chunked body cut in the middle of a chunk, then a reset: the server survives',
    async () => {
      const { app } = fixture;
      const results = await underAttack(app, 'reset chunked uploads', (context) =>
        cutUploads(
          context,
          scaled(20),
          postHead('Transfer-Encoding: chunked\r\n'),
          // A 16 KiB chunk announced, 1 KiB of it sent.
          Buffer.concat([Buffer.from('4000\r\n'), Buffer.alloc(1024, 0x61)]),
          async (raw) => void raw.socket.resetAndDestroy(),
        ),
      );
      expect(failureCounts(results)).toEqual({});
      await expectPostAnswered(app);
    },
    TIMEOUT_MS,
  );

  it(
    'a slow body whose client ends (FIN) before the declared length: the server survives and ends the connection',
    async () => {
      const { app } = fixture;
      const ended = await underAttack(app, 'FIN before the body ends', async (context) => {
        const results = await cutUploads(
          context,
          scaled(20),
          postHead(`Content-Length: ${DECLARED_LENGTH}\r\n`),
          Buffer.alloc(1024, 0x61),
          async (raw) => {
            for (let i = 0; i < 5; i++) {
              raw.write(Buffer.alloc(10, 0x62));
              await delay(50);
            }
            raw.socket.end();
            // Half-closed with the body incomplete: no request will ever complete, so the
            // server must answer (400) or close, not wait.
            if (!(await endedWithin(raw, 5000))) throw new Error('the server kept the connection');
          },
        );
        return failureCounts(results);
      });
      expect(ended).toEqual({});
      await expectPostAnswered(app);
    },
    TIMEOUT_MS,
  );
});

describe('slowloris', () => {
  it(
    'request heads trickled a byte at a time get 408 or are dropped by handshake_timeout, without blocking others',
    async () => {
      const { app } = fixture;
      const outcomes = await underAttack(app, 'slowloris heads', async (context) => {
        const count = scaled(90);
        const starts = [
          'GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n',
          'GET /__stats HTTP/1.1\r\nHost: 127.0.0.1\r\n',
          postHead('Content-Length: 10\r\n').slice(0, -2),
        ];
        const first = await inParallel(count, 30, async (index) => {
          const raw = await context.sockets.connect();
          return { raw, head: starts[index % starts.length], openedAt: Date.now() };
        });
        // Keep-alive connections whose second request head trickles in (Node's HTTP parser).
        const second = await inParallel(scaled(15), 15, async () => {
          const raw = await context.sockets.connect();
          raw.write('GET /__stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
          const response = await raw.readHttpResponse(5000);
          if (response.status !== 200) throw new Error(`first request got ${response.status}`);
          return {
            raw,
            head: 'GET /__stats HTTP/1.1\r\nHost: 127.0.0.1\r\n',
            openedAt: Date.now(),
          };
        });
        const trickled = [...first, ...second].flatMap((result) =>
          result.status === 'fulfilled'
            ? [{ ...result.value, text: result.value.head + 'X-Slow: '.padEnd(10_000, 'z') }]
            : [],
        );
        const deadline = Date.now() + HANDSHAKE_TIMEOUT_MS + 4000;
        const sent = trickled.map(() => 0);
        // One byte per connection every 100 ms: the head, then headers that never end.
        while (Date.now() < deadline && trickled.some(({ raw }) => !raw.ended)) {
          trickled.forEach(({ raw, text }, index) => {
            if (!raw.ended) raw.write(text.charAt(sent[index]++));
          });
          await delay(100);
        }
        const answered408 = trickled.filter(({ raw }) =>
          raw.pending.toString('latin1').startsWith('HTTP/1.1 408'),
        ).length;
        context.note(`${answered408} of ${trickled.length} trickled heads answered 408`);
        return {
          failures: failureCounts([...first, ...second]),
          verdicts: trickled.map(({ raw, openedAt }) => verdictOf(raw, openedAt)),
        };
      });
      expect(outcomes.failures).toEqual({});
      expect(countBy(outcomes.verdicts)).toEqual({
        'answered 408 or dropped in time': scaled(90) + scaled(15),
      });
    },
    TIMEOUT_MS,
  );

  it(
    'bodies trickled 16 bytes every 100 ms do not block the server',
    async () => {
      const { app } = fixture;
      await underAttack(app, 'slowloris bodies', async (context) => {
        const opened = await inParallel(scaled(50), 25, async () => {
          const raw = await context.sockets.connect();
          raw.write(postHead(`Content-Length: ${DECLARED_LENGTH}\r\n`));
          return raw;
        });
        expect(failureCounts(opened)).toEqual({});
        const uploads = opened.flatMap((result) =>
          result.status === 'fulfilled' ? [result.value] : [],
        );
        const until = Date.now() + 3000;
        let answered = false;
        while (Date.now() < until) {
          for (const raw of uploads) raw.write(Buffer.alloc(16, 0x63));
          // Meanwhile a whole upload on another connection is served at once.
          if (!answered) {
            await expectPostAnswered(app);
            answered = true;
          }
          await delay(100);
        }
        await context.sampleMemory(`${uploads.length} trickled bodies in progress`);
      });
    },
    TIMEOUT_MS,
  );
});

/** Whether a trickling connection got 408 or was dropped before `handshake_timeout` + 4 s. */
function verdictOf(raw: RawClient, openedAt: number): string {
  if (!raw.ended) return `still open ${Date.now() - openedAt} ms after it opened`;
  const answer = raw.pending.toString('latin1');
  if (answer === '' || answer.startsWith('HTTP/1.1 408')) return 'answered 408 or dropped in time';
  return `answered ${answer.split('\r\n')[0]}`;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
