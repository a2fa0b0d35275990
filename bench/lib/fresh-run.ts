/**
 * The main pass of a full run: every measurement on a fresh server process. Repetitions are
 * interleaved across servers within a scenario (A B C D E, A B C D E, ...) so slow drifts of a
 * shared machine hit every server alike; the report takes the median.
 */
import {
  describeSample,
  type MeasureContext,
  measure,
  type Sample,
  unavailable,
} from './measurement.js';
import type { Scenario } from './scenarios.js';
import type { ServerName } from './server-process.js';
import { type ScenarioSummary, summarise } from './summary.js';

type Log = (message: string) => void;

async function runScenario(
  scenario: Scenario,
  context: MeasureContext,
  log: Log,
): Promise<ScenarioSummary> {
  const samples = new Map<ServerName, Sample[]>(scenario.servers.map((server) => [server, []]));
  for (let repetition = 0; repetition < context.settings.repetitions; repetition++) {
    for (const server of scenario.servers) {
      const label = `  ${scenario.id} #${repetition + 1} ${server}`;
      try {
        const sample = await measure(server, scenario, context);
        samples.get(server)?.push(sample);
        log(`${label}: ${describeSample(sample)}`);
      } catch (error) {
        log(`${label}: FAILED ${(error as Error).message}`);
        samples.get(server)?.push(unavailable('failed'));
      }
    }
  }
  return {
    scenario,
    rows: scenario.servers.map((server) => summarise(server, samples.get(server) ?? [])),
  };
}

/** Runs every scenario on fresh servers; one summary per scenario, in order. */
export async function runFresh(
  scenarios: Scenario[],
  context: MeasureContext,
  log: Log,
): Promise<ScenarioSummary[]> {
  const summaries: ScenarioSummary[] = [];
  for (const scenario of scenarios) {
    log(scenario.title);
    summaries.push(await runScenario(scenario, context, log));
  }
  return summaries;
}
