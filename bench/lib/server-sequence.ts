/**
 * Scenarios in sequence on one long-lived server process: the mixed pass (mixed-run.ts) and
 * the smoke run's main pass (BENCH_QUICK) both run every server's scenarios this way.
 *
 * Scenarios whose server configuration differs (compression, TLS, workers) cannot share a
 * process: they are grouped by server and configuration, one process per group, the scenarios
 * in the order of the scenario list. Repetitions repeat every group's whole sequence,
 * interleaved across servers (A's groups, B's groups, ..., then again), and the summaries take
 * the median per scenario and server, as the fresh pass does.
 */
import { configKey, type ServerConfig } from '../servers/server-config.js';
import {
  describeSample,
  type MeasureContext,
  measureOn,
  type Sample,
  unavailable,
} from './measurement.js';
import type { Scenario } from './scenarios.js';
import { type ServerName, ServerProcess } from './server-process.js';
import { type ScenarioSummary, summarise } from './summary.js';

export interface SequenceGroup {
  server: ServerName;
  config: ServerConfig;
  /** In the order they run. */
  scenarios: Scenario[];
}

type Log = (message: string) => void;

/**
 * Every server's scenarios, grouped by configuration; a `freshOnly` scenario (idle memory) in
 * a group of its own, so it always runs on a fresh process.
 */
export function groupByServer(scenarios: Scenario[]): SequenceGroup[] {
  const groups = new Map<string, SequenceGroup>();
  for (const scenario of scenarios) {
    const config = scenario.config ?? {};
    for (const server of scenario.servers) {
      const key = `${server} ${configKey(config)} ${scenario.freshOnly ? scenario.id : ''}`;
      const group = groups.get(key) ?? { server, config, scenarios: [] };
      group.scenarios.push(scenario);
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

/** One scenario of a group; a failure is that scenario's (a dead server fails the rest fast). */
async function runInGroup(
  server: ServerProcess,
  scenario: Scenario,
  context: MeasureContext,
): Promise<Sample> {
  try {
    return await measureOn(server, scenario, context);
  } catch (error) {
    return unavailable(`failed: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** One process runs the group's scenarios in turn. */
async function runGroup(
  group: SequenceGroup,
  context: MeasureContext,
  log: (scenario: Scenario | null, text: string) => void,
): Promise<Map<Scenario, Sample>> {
  const samples = new Map<Scenario, Sample>();
  let server: ServerProcess;
  try {
    server = await ServerProcess.start(group.server, { config: group.config });
  } catch (error) {
    log(null, `FAILED ${(error as Error).message}`);
    for (const scenario of group.scenarios) samples.set(scenario, unavailable('failed'));
    return samples;
  }
  try {
    for (const scenario of group.scenarios) {
      const sample = await runInGroup(server, scenario, context);
      samples.set(scenario, sample);
      log(scenario, describeSample(sample));
    }
  } finally {
    await server.stop();
  }
  return samples;
}

/**
 * Runs every group `repetitions` times; returns one summary per scenario that ran, with a row
 * per server that ran it. `label` marks the log lines ("mixed", "shared").
 */
export async function runSequences(
  groups: SequenceGroup[],
  context: MeasureContext,
  label: string,
  log: Log,
): Promise<ScenarioSummary[]> {
  const samples = new Map<Scenario, Map<ServerName, Sample[]>>();
  for (let repetition = 0; repetition < context.settings.repetitions; repetition++) {
    for (const group of groups) {
      const logLine = (scenario: Scenario | null, text: string) =>
        log(
          `  ${label} #${repetition + 1} ${group.server}${scenario ? ` ${scenario.id}` : ''}: ${text}`,
        );
      for (const [scenario, sample] of await runGroup(group, context, logLine)) {
        const byServer = samples.get(scenario) ?? new Map<ServerName, Sample[]>();
        byServer.set(group.server, [...(byServer.get(group.server) ?? []), sample]);
        samples.set(scenario, byServer);
      }
    }
  }
  return [...samples].map(([scenario, byServer]) => ({
    scenario,
    rows: [...byServer].map(([server, list]) => summarise(server, list)),
  }));
}
