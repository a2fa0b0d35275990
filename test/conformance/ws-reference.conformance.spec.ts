import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSuite } from './cases/index.js';
import { runConformance } from './conformance-runner.js';
import {
  COMPRESSION_ON,
  type EchoTarget,
  startOurEchoServer,
  startWsEchoServer,
} from './echo-targets.js';
import { renderDifferences, renderResults, reportPath, updateReport } from './report-writer.js';

const full = process.env.CONFORMANCE_FULL === '1';

/**
 * The same suite against the `ws` package (permessage-deflate enabled), as a reference: its
 * verdicts are recorded, and every case where ws and we (with `websocket_compression` on)
 * differ is listed in the report. Nothing is asserted about ws itself.
 */
describe('conformance: ws reference server', () => {
  let reference: EchoTarget;
  let ours: EchoTarget;

  beforeAll(async () => {
    reference = await startWsEchoServer();
    ours = await startOurEchoServer(COMPRESSION_ON);
  });

  afterAll(async () => {
    await reference?.close();
    await ours?.close();
  });

  it(
    'runs the suite and compares verdicts with ours',
    async () => {
      const { cases, skipped } = buildSuite({
        maxMessageSize: reference.maxMessageSize,
        full,
        compression: true,
      });
      const [wsResults, ourResults] = await Promise.all([
        runConformance(cases, { url: reference.url }),
        runConformance(cases, { url: ours.url }),
      ]);
      await updateReport(reportPath(), {
        ws: renderResults('ws (reference)', wsResults, skipped),
        differences: renderDifferences(ourResults, wsResults),
      });
      expect(wsResults.map((result) => result.id)).toEqual(cases.map((c) => c.id));
    },
    full ? 900_000 : 180_000,
  );
});
