/**
 * Medians of the repetitions per scenario and server, and the ratios against reference servers.
 */
import { median } from './median.js';
import type { Sample } from './measurement.js';
import type { Scenario } from './scenarios.js';
import type { ServerName } from './server-process.js';

export type Metric = 'perSecond' | 'serverCpuUsPerUnit' | 'rssPerConnection';

export interface SummaryRow {
  server: ServerName;
  available: boolean;
  note?: string;
  samples: number;
  median: Omit<Sample, 'available' | 'note'>;
}

export interface ScenarioSummary {
  scenario: Scenario;
  rows: SummaryRow[];
}

const FIELDS = [
  'perSecond',
  'p50Us',
  'p99Us',
  'serverCpuUsPerUnit',
  'serverCpuShare',
  'loadgenCpuShare',
  'rssPerConnection',
  'heapPerConnection',
] as const;

export function summarise(server: ServerName, samples: Sample[]): SummaryRow {
  const usable = samples.filter((sample) => sample.available);
  const values = {} as SummaryRow['median'];
  for (const field of FIELDS) values[field] = median(usable.map((sample) => sample[field]));
  const note = samples.find((sample) => sample.note)?.note;
  return { server, available: usable.length > 0, note, samples: usable.length, median: values };
}

/** The row's median of `metric`, or NaN when the server had no usable sample. */
export function metricValue(row: SummaryRow, metric: Metric): number {
  return row.available ? row.median[metric] : NaN;
}

/** `row`'s metric over the reference server's, or NaN when either is missing. */
export function ratio(
  summary: ScenarioSummary,
  row: SummaryRow,
  metric: Metric,
  against: ServerName,
): number {
  const reference = summary.rows.find((candidate) => candidate.server === against);
  if (!reference) return NaN;
  return metricValue(row, metric) / metricValue(reference, metric);
}
