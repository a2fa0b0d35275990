/**
 * Markdown tables of the results, ready for docs/BENCHMARKS.md.
 */
import type { GoalResult } from './goals.js';
import type { Unit } from './scenarios.js';
import { type Metric, ratio, type ScenarioSummary, type SummaryRow } from './summary.js';

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

function ratios(summary: ScenarioSummary, row: SummaryRow, metric: Metric): string[] {
  return [times(ratio(summary, row, metric, 'ws')), times(ratio(summary, row, metric, 'floor'))];
}

function throughputTable(summary: ScenarioSummary): string {
  const per = PER[summary.scenario.unit];
  const header = [
    'Server',
    `${per}/s`,
    'p50 µs',
    'p99 µs',
    `server CPU µs/${per}`,
    'server CPU',
    'loadgen CPU',
    'CPU vs ws',
    'CPU vs floor',
    'rate vs ws',
    'rate vs floor',
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
  const header = ['Server', 'RSS B/conn', 'heap B/conn', 'RSS vs ws', 'RSS vs floor'];
  const rows = summary.rows.map((row) =>
    row.available
      ? [
          row.server,
          fixed(row.median.rssPerConnection, 0),
          fixed(row.median.heapPerConnection, 0),
          ...ratios(summary, row, 'rssPerConnection'),
        ]
      : [row.server, `n/a (${row.note ?? 'failed'})`, '', '', ''],
  );
  return table(header, rows);
}

export function scenarioMarkdown(summary: ScenarioSummary): string {
  const body =
    summary.scenario.unit === 'connection' ? memoryTable(summary) : throughputTable(summary);
  return `#### ${summary.scenario.title}\n\n${body}\n`;
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
