import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSuite } from '../conformance/cases/index.js';
import {
  type CaseResult,
  type ConformanceCase,
  failedCases,
} from '../conformance/conformance-case.js';
import {
  COMPRESSION_ON,
  type EchoTarget,
  startOurEchoServer,
} from '../conformance/echo-targets.js';
import { runWithWsClient } from '../client/conformance/client-case-runner.js';

/**
 * The conformance suite (test/conformance) with WsClient as the driving client: every case a
 * correct client can express runs as the suite defines it, through the client's public API,
 * against our server (the sample EchoGateway), and is judged by the suite's own judge.
 *
 * A case is not expressible when it needs traffic a correct client must not or cannot send.
 * The adapter finds out by asking the client (a refused `push`, a close code `close()` would
 * refuse...); the list below says which cases that must be, and why, so that a client that
 * starts refusing valid traffic, or stops refusing invalid traffic, fails this test.
 */
const NOT_EXPRESSIBLE: readonly { why: string; applies: (testCase: ConformanceCase) => boolean }[] =
  [
    {
      why: 'TCP chops (octet-wise or in fixed chops): a client API writes whole frames',
      applies: (c) =>
        ['1.1.8', '1.2.8', '2.6', '2.11', '3.4', '5.5', '5.8', '5.11', '5.14'].includes(c.id) ||
        /^9\.[56]\./.test(c.id),
    },
    { why: 'RSV bits without an extension', applies: (c) => c.category.startsWith('3 ') },
    { why: 'reserved opcodes', applies: (c) => c.category.startsWith('4 ') },
    {
      why: 'a control frame above 125 bytes, or fragmented',
      applies: (c) => ['2.5', '5.1', '5.2'].includes(c.id),
    },
    {
      why: 'continuations with nothing to continue, or a new message inside a fragmented one',
      applies: (c) =>
        ['5.9', '5.10', '5.12', '5.13', '5.15', '5.16', '5.17', '5.18'].includes(c.id),
    },
    {
      why: 'invalid UTF-8 in a text message (every 6.x case the server must fail)',
      applies: (c) => c.category.startsWith('6 ') && !c.expect.close.closedByMe,
    },
    {
      why: 'frames after the close frame (a second close, a ping, a message, a fragment)',
      applies: (c) => ['7.1.2', '7.1.3', '7.1.4', '7.1.5', '7.1.6'].includes(c.id),
    },
    {
      why: 'an invalid close payload: 1 byte, a reason too long or not UTF-8, a code not allowed',
      applies: (c) => ['7.3.2', '7.3.6', '7.5.1'].includes(c.id) || /^7\.(9|13)\./.test(c.id),
    },
    {
      why: 'several extension offers in one header (WsClient makes one permessage-deflate offer)',
      applies: (c) => c.id.startsWith('13.7.'),
    },
  ];

function expectedInexpressible(cases: readonly ConformanceCase[]): string[] {
  return cases
    .filter((testCase) => NOT_EXPRESSIBLE.some((rule) => rule.applies(testCase)))
    .map((testCase) => testCase.id);
}

const categoriesOf = (results: readonly CaseResult[]): string[] => [
  ...new Set(results.map((result) => result.category.split(' ')[0])),
];

describe('conformance suite driven by WsClient against our server', () => {
  let plain: EchoTarget;
  let deflate: EchoTarget;

  beforeAll(async () => {
    plain = await startOurEchoServer();
    deflate = await startOurEchoServer(COMPRESSION_ON);
  });

  afterAll(async () => {
    await plain?.close();
    await deflate?.close();
  });

  it('categories 1-10: every case a correct client can express passes', async () => {
    const { cases } = buildSuite({ maxMessageSize: plain.maxMessageSize, full: false });
    const { results, inexpressible } = await runWithWsClient(cases, plain.url);
    expect(failedCases(results)).toEqual([]);
    expect(inexpressible.map((skipped) => skipped.id)).toEqual(expectedInexpressible(cases));
    // Valid traffic of every kind was driven: framing, pings, fragmentation, UTF-8, close
    // codes, limits (including the 4 MiB message the server must refuse with 1009), 10.
    expect(categoriesOf(results)).toEqual(['1', '2', '5', '6', '7', '9', '10']);
    expect(results.length).toBeGreaterThan(120);
  }, 300_000);

  it('categories 12-13 (permessage-deflate): every offer WsClient can make passes', async () => {
    const { cases } = buildSuite({
      maxMessageSize: deflate.maxMessageSize,
      full: false,
      compression: true,
    });
    const compression = cases.filter((testCase) => /^1[23]\./.test(testCase.id));
    const { results, inexpressible } = await runWithWsClient(compression, deflate.url);
    expect(failedCases(results)).toEqual([]);
    expect(inexpressible.map((skipped) => skipped.id)).toEqual(expectedInexpressible(compression));
    // The server took the offer and the echoes came back compressed (the client inflated them).
    const twelve = results.filter((result) => result.id.startsWith('12.'));
    expect(twelve.every((result) => result.notes.includes('1 of 1 echoes compressed'))).toBe(true);
  }, 300_000);
});
