/**
 * Markdown tables of the results, ready for docs/BENCHMARKS.md: per scenario the fresh-server
 * table, and with the mixed pass the long-lived server's figures beside the fresh ones.
 */
import { type GoalResult, mixedMetric } from './goals.js';
import type { Unit } from './scenarios.js';
import type { ServerName } from './server-process.js';
import {
  type Metric,
  metricValue,
  ratio,
  type ScenarioSummary,
  type SummaryRow,
} from './summary.js';

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function rate(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 1e6
    ? `${(value / 1e6).toFixed(2)} M`
    : value >= 1e3
      ? `${(value / 1e3).toFixed(1)} k`
      : value.toFixed(0);
}

function times(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : 'n/a';
}

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map((cell, i) => (i === 0 ? '---' : '---:')), ...rows];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

const PER: Record<Unit, string> = {
  message: 'msg',
  handshake: 'handshake',
  delivery: 'delivery',
  connection: 'connection',
};

/** The servers the scenario's ratio columns compare with (those that took part). */
function references(summary: ScenarioSummary): ServerName[] {
  const wanted = summary.scenario.references ?? ['ws', 'floor'];
  return wanted.filter((server) => summary.rows.some((row) => row.server === server));
}

/** The row against each reference, in the order of `references`. */
function ratios(summary: ScenarioSummary, row: SummaryRow, metric: Metric): string[] {
  return references(summary).map((against) => times(ratio(summary, row, metric, against)));
}

function throughputTable(summary: ScenarioSummary): string {
  const per = PER[summary.scenario.unit];
  const against = references(summary);
  const header = [
    'Server',
    `${per}/s`,
    'p50 µs',
    'p99 µs',
    `server CPU µs/${per}`,
    'server CPU',
    'loadgen CPU',
    ...against.map((server) => `CPU vs ${server}`),
    ...against.map((server) => `rate vs ${server}`),
  ];
  const rows = summary.rows.map((row) => {
    if (!row.available)
      return [row.server, `n/a (${row.note ?? 'failed'})`, ...header.slice(2).map(() => '')];
    const m = row.median;
    return [
      row.server,
      rate(m.perSecond),
      fixed(m.p50Us, 0),
      fixed(m.p99Us, 0),
      fixed(m.serverCpuUsPerUnit, 2),
      percent(m.serverCpuShare),
      percent(m.loadgenCpuShare),
      ...ratios(summary, row, 'serverCpuUsPerUnit'),
      ...ratios(summary, row, 'perSecond'),
    ];
  });
  return table(header, rows);
}

function memoryTable(summary: ScenarioSummary): string {
  const against = references(summary);
  const header = ['Server', 'RSS B/conn', 'heap B/conn', ...against.map((s) => `RSS vs ${s}`)];
  const rows = summary.rows.map((row) =>
    row.available
      ? [
          row.server,
          fixed(row.median.rssPerConnection, 0),
          fixed(row.median.heapPerConnection, 0),
          ...ratios(summary, row, 'rssPerConnection'),
        ]
      : [row.server, `n/a (${row.note ?? 'failed'})`, ...header.slice(2).map(() => '')],
  );
  return table(header, rows);
}

/** The long-lived server's figures beside the fresh server's, per server. */
function mixedTable(fresh: ScenarioSummary, mixed: ScenarioSummary): string {
  const metric = mixedMetric(mixed);
  const memory = metric === 'rssPerConnection';
  const per = PER[mixed.scenario.unit];
  const name = memory ? 'RSS B/conn' : `server CPU µs/${per}`;
  const header = ['Server', `fresh ${name}`, `mixed ${name}`, 'mixed / fresh'];
  if (!memory) header.push(`fresh ${per}/s`, `mixed ${per}/s`, 'mixed / fresh');
  const rows = mixed.rows.map((row) => {
    const reference = fresh.rows.find((candidate) => candidate.server === row.server);
    const pair = (m: Metric, format: (value: number) => string): string[] => {
      const [before, after] = [reference ? metricValue(reference, m) : NaN, metricValue(row, m)];
      return [format(before), format(after), times(after / before)];
    };
    const cells = [row.server, ...pair(metric, (value) => fixed(value, memory ? 0 : 2))];
    if (!memory) cells.push(...pair('perSecond', rate));
    return cells;
  });
  return table(header, rows);
}

/**
 * The scenario's table; with the mixed pass (`mixedRan`), its mixed figures, or why it has
 * none.
 */
export function scenarioMarkdown(
  summary: ScenarioSummary,
  mixedRan: boolean,
  mixed?: ScenarioSummary,
): string {
  const parts = [`#### ${summary.scenario.title}`];
  parts.push(
    summary.scenario.unit === 'connection' ? memoryTable(summary) : throughputTable(summary),
  );
  if (summary.scenario.note) parts.push(summary.scenario.note);
  if (mixed) {
    parts.push(
      'Mixed pass: the same scenario on a long-lived server that ran the scenarios listed ' +
        'before it (the first of a sequence runs on a fresh server: its ratio is the noise).',
    );
    parts.push(mixedTable(summary, mixed));
  } else if (mixedRan) {
    const why = summary.scenario.freshOnly ?? 'its servers run it alone in their configuration';
    parts.push(`Not in the mixed pass: ${why}.`);
  }
  return `${parts.join('\n\n')}\n`;
}

export function goalsMarkdown(results: GoalResult[]): string {
  const rows = results.map((result) => [
    result.goal.scenario,
    result.goal.text,
    result.server,
    times(result.ratio),
    result.met === null ? 'n/a' : result.met ? 'met' : '**missed**',
  ]);
  return table(['Scenario', 'Goal', 'Server', 'Measured', 'Result'], rows);
}
