/**
 * The mixed pass (BENCH_MIXED=1). A fresh server per measurement hides history effects: GC
 * state, buffers sized by an earlier burst. Here one long-lived process per server runs all of
 * that server's selected scenarios in sequence, in the order of the scenario list (small
 * messages before 64 KiB, then handshakes and fan-out), as a real server lives.
 *
 * Scenarios whose server configuration differs (compression, TLS, workers) cannot share a
 * process: they are grouped by configuration, one process per group. A group of one scenario
 * is the fresh measurement again, so it is left out, and so are scenarios marked `freshOnly`
 * (idle memory). The first scenario of a group also runs on a fresh server: its mixed/fresh
 * ratio shows how far two measurements of the same thing differ. Repetitions repeat the whole sequence,
 * interleaved across servers (A's groups, B's groups, ..., then again), and the report takes
 * the median per scenario and server, as in the fresh pass.
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

export interface MixedGroup {
  server: ServerName;
  config: ServerConfig;
  /** In the order they run. */
  scenarios: Scenario[];
}

type Log = (message: string) => void;

/** Every server's scenarios, grouped by configuration; only groups of two or more. */
export function mixedGroups(scenarios: Scenario[]): MixedGroup[] {
  const groups = new Map<string, MixedGroup>();
  for (const scenario of scenarios.filter((candidate) => !candidate.freshOnly)) {
    const config = scenario.config ?? {};
    for (const server of scenario.servers) {
      const key = `${server} ${configKey(config)}`;
      const group = groups.get(key) ?? { server, config, scenarios: [] };
      group.scenarios.push(scenario);
      groups.set(key, group);
    }
  }
  return [...groups.values()].filter((group) => group.scenarios.length > 1);
}

/** One scenario of a group; a failure is that scenario's (a dead server fails the rest fast). */
async function runInGroup(
  server: ServerProcess,
  scenario: Scenario,
  context: MeasureContext,
  afterEarlierWork: boolean,
): Promise<Sample> {
  try {
    return await measureOn(server, scenario, context, afterEarlierWork);
  } catch (error) {
    return unavailable(`failed: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** One process runs the group's scenarios in turn. */
async function runGroup(
  group: MixedGroup,
  context: MeasureContext,
  log: Log,
): Promise<Map<Scenario, Sample>> {
  const samples = new Map<Scenario, Sample>();
  let server: ServerProcess;
  try {
    server = await ServerProcess.start(group.server, { config: group.config });
  } catch (error) {
    log(`  mixed ${group.server}: FAILED ${(error as Error).message}`);
    for (const scenario of group.scenarios) samples.set(scenario, unavailable('failed'));
    return samples;
  }
  try {
    for (const [index, scenario] of group.scenarios.entries()) {
      const sample = await runInGroup(server, scenario, context, index > 0);
      samples.set(scenario, sample);
      log(`  mixed ${group.server} ${scenario.id}: ${describeSample(sample)}`);
    }
  } finally {
    await server.stop();
  }
  return samples;
}

/** Runs every group `repetitions` times; returns one summary per scenario that ran mixed. */
export async function runMixed(
  groups: MixedGroup[],
  context: MeasureContext,
  log: Log,
): Promise<ScenarioSummary[]> {
  const samples = new Map<Scenario, Map<ServerName, Sample[]>>();
  for (let repetition = 0; repetition < context.settings.repetitions; repetition++) {
    log(`Mixed pass, repetition ${repetition + 1}`);
    for (const group of groups) {
      for (const [scenario, sample] of await runGroup(group, context, log)) {
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
