import {
  asciiPayload,
  binaryPayload,
  expectEcho,
  expectFailure,
  fragmentFrames,
  OP,
  split,
  textEvent,
  binaryEvent,
} from '../case-builders.js';
import type { ConformanceCase, ExpectedEvent } from '../conformance-case.js';

const CATEGORY = '9 Limits/Performance';
const KIB = 1024;
const MIB = 1024 * KIB;

/** What the size cases need to know about the server and the run. */
export interface LimitOptions {
  /** The server's largest accepted message (our `package_max_length`, default 2 MiB). */
  maxMessageSize: number;
  /** Run every size (CONFORMANCE_FULL=1); otherwise a bounded subset for CI. */
  full: boolean;
}

/** IDs run by default: a few of each group, including one message above the limit. */
const CI_SUBSET = new Set([
  '9.1.1',
  '9.1.2',
  '9.1.3',
  '9.1.4',
  '9.2.1',
  '9.2.3',
  '9.2.4',
  '9.3.1',
  '9.3.4',
  '9.3.9',
  '9.4.1',
  '9.4.4',
  '9.4.9',
  '9.5.6',
  '9.6.6',
  '9.7.1',
  '9.7.6',
  '9.8.1',
  '9.8.6',
]);

const sizeName = (size: number): string =>
  size >= MIB ? `${size / MIB}M` : size >= KIB ? `${size / KIB}k` : `${size}`;

interface Kind {
  name: 'text' | 'binary';
  opcode: number;
  payload(length: number): Buffer;
  event(payload: Buffer): ExpectedEvent;
}

const TEXT: Kind = {
  name: 'text',
  opcode: OP.text,
  payload: (n) => asciiPayload(n),
  event: textEvent,
};
const BINARY: Kind = {
  name: 'binary',
  opcode: OP.binary,
  payload: binaryPayload,
  event: binaryEvent,
};

/**
 * 9.1-9.8: large messages, in one frame, in many frames, in many chops, and many small
 * messages. A message larger than the server's limit must be refused with 1009 (Autobahn has
 * no limit; a server with one is right to refuse). Fragmented messages (4 MiB in Autobahn) are
 * cut to the largest power of two below the limit, so they still test reassembly.
 */
export function limitCases(options: LimitOptions): { cases: ConformanceCase[]; skipped: string[] } {
  const all: ConformanceCase[] = [];
  const limit = options.maxMessageSize;
  const echoOrRefuse = (kind: Kind, payload: Buffer) =>
    payload.length <= limit ? expectEcho(kind.event(payload)) : expectFailure(1009);
  const expectationText = (kind: Kind, size: number): string =>
    size <= limit
      ? `Receive echoed ${kind.name} message (with payload as sent). Clean close with normal code.`
      : `Above the server's limit of ${sizeName(limit)}: the connection is failed with 1009 (message too big).`;

  // 9.1 / 9.2: one frame of increasing size.
  [TEXT, BINARY].forEach((kind, k) => {
    [64 * KIB, 256 * KIB, MIB, 4 * MIB, 8 * MIB, 16 * MIB].forEach((size, i) => {
      all.push({
        id: `9.${k + 1}.${i + 1}`,
        category: CATEGORY,
        description: `Send ${kind.name} message with payload of length ${sizeName(size)}.`,
        expectation: expectationText(kind, size),
        heavy: true,
        timeoutMs: 30_000,
        responseTimeoutMs: 10_000,
        expect: echoOrRefuse(kind, kind.payload(size)),
        run: async (session) => session.sendFrame(kind.opcode, kind.payload(size)),
      });
    });
  });

  // 9.3 / 9.4: one message in fragments of increasing size.
  let fragmented = 4 * MIB;
  while (fragmented >= limit) fragmented /= 2;
  [TEXT, BINARY].forEach((kind, k) => {
    [64, 256, KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB, 4 * MIB].forEach((fragment, i) => {
      const payload = kind.payload(fragmented);
      all.push({
        id: `9.${k + 3}.${i + 1}`,
        category: CATEGORY,
        description: `Send fragmented ${kind.name} message with payload of length ${sizeName(fragmented)} (Autobahn: 4M), in fragments of ${sizeName(fragment)}.`,
        expectation: expectationText(kind, fragmented),
        heavy: true,
        timeoutMs: 30_000,
        responseTimeoutMs: 10_000,
        expect: echoOrRefuse(kind, payload),
        run: async (session) =>
          session.send(...fragmentFrames(session, kind.opcode, split(payload, fragment))),
      });
    });
  });

  // 9.5 / 9.6: one 1 MiB frame written in chops of increasing size.
  [TEXT, BINARY].forEach((kind, k) => {
    [64, 128, 256, 512, KIB, 2 * KIB].forEach((chop, i) => {
      const payload = kind.payload(MIB);
      all.push({
        id: `9.${k + 5}.${i + 1}`,
        category: CATEGORY,
        description: `Send ${kind.name} message with payload of length 1M, sent out in chops of ${chop} octets.`,
        expectation: expectationText(kind, MIB),
        heavy: true,
        timeoutMs: 60_000,
        responseTimeoutMs: 10_000,
        expect: echoOrRefuse(kind, payload),
        run: (session) => session.sendFrame(kind.opcode, payload, { chop }),
      });
    });
  });

  // 9.7 / 9.8: 1000 round trips of a message of increasing size.
  [TEXT, BINARY].forEach((kind, k) => {
    [0, 16, 64, 256, KIB, 4 * KIB].forEach((size, i) => {
      const payload = kind.payload(size);
      const count = 1000;
      all.push({
        id: `9.${k + 7}.${i + 1}`,
        category: CATEGORY,
        description: `Send ${count} ${kind.name} messages of payload size ${size}, one after the echo of the other (round-trip time).`,
        expectation: `Receive echoed ${kind.name} messages (with payload as sent). Clean close with normal code.`,
        heavy: true,
        timeoutMs: 60_000,
        expect: expectEcho(...Array.from({ length: count }, () => kind.event(payload))),
        run: async (session) => {
          for (let sent = 1; sent <= count; sent++) {
            await session.sendFrame(kind.opcode, payload);
            if (!(await session.waitEvents(sent, 5000)) || session.serverGone) return;
          }
        },
      });
    });
  });

  if (options.full) return { cases: all, skipped: [] };
  return {
    cases: all.filter((c) => CI_SUBSET.has(c.id)),
    skipped: all.filter((c) => !CI_SUBSET.has(c.id)).map((c) => c.id),
  };
}
