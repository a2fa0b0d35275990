import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSuite } from './cases/index.js';
import { runConformance } from './conformance-runner.js';
import { type EchoTarget, startOurEchoServer } from './echo-targets.js';
import { renderResults, reportPath, updateReport } from './report-writer.js';

const full = process.env.CONFORMANCE_FULL === '1';

describe('conformance: our server (sample EchoGateway on /echo)', () => {
  let target: EchoTarget;

  beforeAll(async () => {
    target = await startOurEchoServer();
  });

  afterAll(async () => {
    await target?.close();
  });

  it(
    'fails no case',
    async () => {
      const { cases, skipped } = buildSuite({ maxMessageSize: target.maxMessageSize, full });
      const results = await runConformance(cases, { url: target.url });
      await updateReport(reportPath(), {
        ours: renderResults('nest-swoole-ws (ours)', results, skipped),
      });
      const failed = results
        .filter((result) => result.verdict === 'FAILED')
        .map((result) => `${result.id}: ${result.notes.join('; ')}`);
      expect(failed).toEqual([]);
    },
    full ? 600_000 : 120_000,
  );
});
