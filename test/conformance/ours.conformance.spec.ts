import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSuite } from './cases/index.js';
import { failedCases } from './conformance-case.js';
import { runConformance } from './conformance-runner.js';
import { COMPRESSION_ON, type EchoTarget, startOurEchoServer } from './echo-targets.js';
import { renderResults, reportPath, updateReport } from './report-writer.js';

const full = process.env.CONFORMANCE_FULL === '1';

describe('conformance: our server (sample EchoGateway on /echo)', () => {
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

  it(
    'fails no case (default settings: categories 1-10)',
    async () => {
      const { cases, skipped } = buildSuite({ maxMessageSize: plain.maxMessageSize, full });
      const results = await runConformance(cases, { url: plain.url });
      await updateReport(reportPath(), {
        ours: renderResults('nest-swoole-ws (ours), default settings', results, skipped),
      });
      expect(failedCases(results)).toEqual([]);
    },
    full ? 600_000 : 120_000,
  );

  it(
    'fails no case with websocket_compression on (categories 1-10, 12, 13)',
    async () => {
      const { cases, skipped } = buildSuite({
        maxMessageSize: deflate.maxMessageSize,
        full,
        compression: true,
      });
      const results = await runConformance(cases, { url: deflate.url });
      await updateReport(reportPath(), {
        'ours-deflate': renderResults(
          'nest-swoole-ws (ours), websocket_compression: true',
          results,
          skipped,
        ),
      });
      expect(failedCases(results)).toEqual([]);
    },
    full ? 600_000 : 120_000,
  );
});
