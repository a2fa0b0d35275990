/**
 * The issues' goals for our servers (through the Nest module, on the bare runtime, and through
 * SwooleWsAdapter), checked against the measured medians.
 */
import type { ServerName } from './server-process.js';
import { type Metric, ratio, type ScenarioSummary } from './summary.js';

export interface Goal {
  scenario: string;
  text: string;
  metric: Metric;
  against: ServerName;
  /** 'max': ours/against must be at most `bound`; 'min': at least. */
  kind: 'max' | 'min';
  bound: number;
  /** Which of our servers the goal is for (default: the module and the bare runtime). */
  servers?: ServerName[];
}

const OUR_SERVERS: ServerName[] = ['ours-nest', 'ours-runtime'];

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
    scenario: 'echo-64k',
    text: 'CPU/msg at most 0.4x ws',
    metric: 'serverCpuUsPerUnit',
    against: 'ws',
    kind: 'max',
    bound: 0.4,
  },
  {
    scenario: 'handshake',
    text: 'CPU/handshake at most 0.8x ws',
    metric: 'serverCpuUsPerUnit',
    against: 'ws',
    kind: 'max',
    bound: 0.8,
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
    scenario: 'idle',
    text: 'memory/connection at most 0.9x ws',
    metric: 'rssPerConnection',
    against: 'ws',
    kind: 'max',
    bound: 0.9,
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
];

export interface GoalResult {
  goal: Goal;
  server: ServerName;
  ratio: number;
  met: boolean | null;
}

export function checkGoals(summaries: ScenarioSummary[]): GoalResult[] {
  const results: GoalResult[] = [];
  for (const goal of GOALS) {
    const summary = summaries.find((candidate) => candidate.scenario.id === goal.scenario);
    if (!summary) continue;
    for (const server of goal.servers ?? OUR_SERVERS) {
      const row = summary.rows.find((candidate) => candidate.server === server);
      const value = row ? ratio(summary, row, goal.metric, goal.against) : NaN;
      const met = Number.isNaN(value)
        ? null
        : goal.kind === 'max'
          ? value <= goal.bound
          : value >= goal.bound;
      results.push({ goal, server, ratio: value, met });
    }
  }
  return results;
}
