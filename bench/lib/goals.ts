/**
 * The issues' goals for our servers (through the Nest module, on the bare runtime, through
 * SwooleWsAdapter, ...), checked against the measured medians. They are reported, never
 * fail the run.
 */
import type { ServerName } from './server-process.js';
import { type Metric, metricValue, ratio, type ScenarioSummary } from './summary.js';

export interface Goal {
  scenario: string;
  text: string;
  metric: Metric;
  /** The reference: another server of the scenario, or the same server in another scenario. */
  against: ServerName | { scenario: string };
  /** 'max': ours/against must be at most `bound`; 'min': at least. */
  kind: 'max' | 'min';
  bound: number;
  /** Which of our servers the goal is for (default: the module and the bare runtime). */
  servers?: ServerName[];
}

const OUR_SERVERS: ServerName[] = ['ours-nest', 'ours-runtime'];

/** Goals of the servers' steady work: CPU per unit of work, rates, memory. */
export const GOALS: Goal[] = [
  {
    scenario: 'echo-100x1',
    text: 'CPU/msg at most 1.05x the floor',
    metric: 'serverCpuUsPerUnit',
    against: 'floor',
    kind: 'max',
    bound: 1.05,
  },
  {
    scenario: 'echo-100x16',
    text: 'at least 5x ws messages/s',
    metric: 'perSecond',
    against: 'ws',
    kind: 'min',
    bound: 5,
  },
  {
    scenario: 'echo-1000x1',
    text: "CPU/msg at most the floor's",
    metric: 'serverCpuUsPerUnit',
    against: 'floor',
    kind: 'max',
    bound: 1,
  },
  {
    scenario: 'echo-1000x1',
    text: 'CPU/msg at most 0.8x ws',
    metric: 'serverCpuUsPerUnit',
    against: 'ws',
    kind: 'max',
    bound: 0.8,
  },
  {
    scenario: 'gateway-100x1',
    text: 'CPU/msg at most 0.5x platform-ws',
    metric: 'serverCpuUsPerUnit',
    against: 'platform-ws-gateway',
    kind: 'max',
    bound: 0.5,
    servers: ['ours-adapter'],
  },
  {
    scenario: 'gateway-100x16',
    text: 'at least 3x platform-ws messages/s',
    metric: 'perSecond',
    against: 'platform-ws-gateway',
    kind: 'min',
    bound: 3,
    servers: ['ours-adapter'],
  },
  {
    scenario: 'validated',
    text: 'CPU/msg at most 0.5x platform-ws (same DTO and ValidationPipe)',
    metric: 'serverCpuUsPerUnit',
    against: 'platform-ws-validated',
    kind: 'max',
    bound: 0.5,
    servers: ['ours-nest-validated', 'ours-adapter-validated'],
  },
  {
    scenario: 'echo-64k',
    text: 'CPU/msg at most 0.4x ws',
    metric: 'serverCpuUsPerUnit',
    against: 'ws',
    kind: 'max',
    bound: 0.4,
  },
  {
    scenario: 'handshake',
    text: "CPU/handshake at most the floor's",
    metric: 'serverCpuUsPerUnit',
    against: 'floor',
    kind: 'max',
    bound: 1,
  },
  {
    scenario: 'handshake',
    text: 'CPU/handshake at most 0.65x ws',
    metric: 'serverCpuUsPerUnit',
    against: 'ws',
    kind: 'max',
    bound: 0.65,
  },
  {
    scenario: 'broadcast',
    text: 'CPU/delivery at most 0.5x ws',
    metric: 'serverCpuUsPerUnit',
    against: 'ws',
    kind: 'max',
    bound: 0.5,
  },
  {
    scenario: 'publish-topic',
    text: 'CPU/delivery at most 1.2x its own broadcast (broadcast scenario)',
    metric: 'serverCpuUsPerUnit',
    against: { scenario: 'broadcast' },
    kind: 'max',
    bound: 1.2,
  },
  {
    scenario: 'idle',
    text: 'memory/connection at most 0.9x ws',
    metric: 'rssPerConnection',
    against: 'ws',
    kind: 'max',
    bound: 0.9,
  },
  {
    scenario: 'deflate-1k',
    text: 'CPU/msg at most 0.8x ws',
    metric: 'serverCpuUsPerUnit',
    against: 'ws',
    kind: 'max',
    bound: 0.8,
  },
  {
    scenario: 'broadcast-deflate',
    text: 'CPU/delivery at most 0.3x ws',
    metric: 'serverCpuUsPerUnit',
    against: 'ws',
    kind: 'max',
    bound: 0.3,
  },
  {
    scenario: 'tls-echo',
    text: 'CPU/msg at most 0.9x ws',
    metric: 'serverCpuUsPerUnit',
    against: 'ws',
    kind: 'max',
    bound: 0.9,
  },
  {
    scenario: 'workers',
    text: 'messages/s at least 1.5x one process (scaling)',
    metric: 'perSecond',
    against: 'ours-nest',
    kind: 'min',
    bound: 1.5,
    servers: ['ours-workers'],
  },
  {
    scenario: 'workers',
    text: 'CPU/msg (all processes) at most 1.2x one process',
    metric: 'serverCpuUsPerUnit',
    against: 'ours-nest',
    kind: 'max',
    bound: 1.2,
    servers: ['ours-workers'],
  },
];

/** Mixed pass: a long-lived server's figure against a fresh server's, per scenario. */
export const MIXED_BOUND = 1.2;
const OUR_MIXED_SERVERS: ServerName[] = ['ours-nest', 'ours-runtime', 'ours-adapter'];

export interface GoalResult {
  goal: Goal;
  server: ServerName;
  ratio: number;
  met: boolean | null;
}

function judge(goal: Goal, value: number): boolean | null {
  if (Number.isNaN(value)) return null;
  return goal.kind === 'max' ? value <= goal.bound : value >= goal.bound;
}

function goalRatio(goal: Goal, server: ServerName, summaries: ScenarioSummary[]): number {
  const summary = summaries.find((candidate) => candidate.scenario.id === goal.scenario);
  const row = summary?.rows.find((candidate) => candidate.server === server);
  if (!summary || !row) return NaN;
  if (typeof goal.against === 'string') return ratio(summary, row, goal.metric, goal.against);
  const otherId = goal.against.scenario;
  const other = summaries.find((candidate) => candidate.scenario.id === otherId);
  const reference = other?.rows.find((candidate) => candidate.server === server);
  return metricValue(row, goal.metric) / (reference ? metricValue(reference, goal.metric) : NaN);
}

export function checkGoals(summaries: ScenarioSummary[]): GoalResult[] {
  const results: GoalResult[] = [];
  for (const goal of GOALS) {
    if (!summaries.some((candidate) => candidate.scenario.id === goal.scenario)) continue;
    for (const server of goal.servers ?? OUR_SERVERS) {
      const value = goalRatio(goal, server, summaries);
      results.push({ goal, server, ratio: value, met: judge(goal, value) });
    }
  }
  return results;
}

/** The metric a mixed figure is compared by: memory for idle, else CPU per unit of work. */
export function mixedMetric(summary: ScenarioSummary): Metric {
  return summary.scenario.unit === 'connection' ? 'rssPerConnection' : 'serverCpuUsPerUnit';
}

/** "Each scenario's mixed figure within 1.2x of its fresh figure", for our servers. */
export function checkMixedGoals(fresh: ScenarioSummary[], mixed: ScenarioSummary[]): GoalResult[] {
  const results: GoalResult[] = [];
  for (const summary of mixed) {
    const metric = mixedMetric(summary);
    const goal: Goal = {
      scenario: summary.scenario.id,
      text: `mixed ${metric === 'rssPerConnection' ? 'memory/connection' : 'CPU/unit'} at most ${MIXED_BOUND}x fresh`,
      metric,
      against: { scenario: summary.scenario.id },
      kind: 'max',
      bound: MIXED_BOUND,
    };
    const freshSummary = fresh.find((candidate) => candidate.scenario.id === summary.scenario.id);
    for (const row of summary.rows.filter((candidate) =>
      OUR_MIXED_SERVERS.includes(candidate.server),
    )) {
      const reference = freshSummary?.rows.find((candidate) => candidate.server === row.server);
      const value = reference ? metricValue(row, metric) / metricValue(reference, metric) : NaN;
      results.push({ goal, server: row.server, ratio: value, met: judge(goal, value) });
    }
  }
  return results;
}
