/**
 * The mixed pass (BENCH_MIXED=1). A fresh server per measurement hides history effects: GC
 * state, buffers sized by an earlier burst. Here one long-lived process per server (and
 * configuration) runs all of that server's selected scenarios in sequence
 * (server-sequence.ts), in the order of the scenario list (small messages before 64 KiB,
 * then handshakes and fan-out), as a real server lives.
 *
 * A group of one scenario would be the fresh measurement again, so it is left out, and so are
 * scenarios marked `freshOnly` (idle memory). The first scenario of a group also runs on a
 * fresh server: its mixed/fresh ratio shows how far two measurements of the same thing differ.
 */
import type { MeasureContext } from './measurement.js';
import type { Scenario } from './scenarios.js';
import { groupByServer, runSequences, type SequenceGroup } from './server-sequence.js';
import type { ScenarioSummary } from './summary.js';

/** The groups of the mixed pass: two scenarios or more, none of them `freshOnly`. */
export function mixedGroups(scenarios: Scenario[]): SequenceGroup[] {
  const sharable = scenarios.filter((scenario) => !scenario.freshOnly);
  return groupByServer(sharable).filter((group) => group.scenarios.length > 1);
}

/** Runs the mixed pass; one summary per scenario that ran in it. */
export function runMixed(
  scenarios: Scenario[],
  context: MeasureContext,
  log: (message: string) => void,
): Promise<ScenarioSummary[]> {
  const groups = mixedGroups(scenarios);
  log(`Mixed pass: ${groups.length} server processes, each running its scenarios in turn`);
  return runSequences(groups, context, 'mixed', log);
}
