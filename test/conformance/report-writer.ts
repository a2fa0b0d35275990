import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CaseResult, VERDICTS, type Verdict } from './conformance-case.js';

/** Verdict counts of one category. */
export type VerdictCounts = Record<Verdict, number>;

/** Counts per category, in the order the categories first appear. */
export function countByCategory(results: readonly CaseResult[]): Map<string, VerdictCounts> {
  const counts = new Map<string, VerdictCounts>();
  for (const result of results) {
    let row = counts.get(result.category);
    if (!row) {
      row = { OK: 0, 'NON-STRICT': 0, INFORMATIONAL: 0, FAILED: 0 };
      counts.set(result.category, row);
    }
    row[result.verdict]++;
  }
  return counts;
}

const escape = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A markdown section: the counts table, then every case of each category (folded). */
export function renderResults(
  title: string,
  results: readonly CaseResult[],
  skipped: readonly string[],
): string {
  const counts = countByCategory(results);
  const lines = [
    `### ${title}`,
    '',
    `| Category | Cases | ${VERDICTS.join(' | ')} |`,
    `|---|--:|${VERDICTS.map(() => '--:').join('|')}|`,
  ];
  const total: VerdictCounts = { OK: 0, 'NON-STRICT': 0, INFORMATIONAL: 0, FAILED: 0 };
  for (const [category, row] of counts) {
    const cases = VERDICTS.reduce((sum, verdict) => sum + row[verdict], 0);
    lines.push(
      `| ${category} | ${cases} | ${VERDICTS.map((verdict) => row[verdict]).join(' | ')} |`,
    );
    for (const verdict of VERDICTS) total[verdict] += row[verdict];
  }
  lines.push(
    `| **All** | ${results.length} | ${VERDICTS.map((verdict) => total[verdict]).join(' | ')} |`,
  );
  if (skipped.length > 0) {
    lines.push('', `Not run (set \`CONFORMANCE_FULL=1\`): ${skipped.join(', ')}.`);
  }
  for (const [category] of counts) {
    const rows = results.filter((result) => result.category === category);
    lines.push(
      '',
      `<details><summary>${category}: every case</summary>`,
      '',
      '| Case | Description | Verdict | Notes |',
      '|---|---|---|---|',
    );
    for (const result of rows) {
      lines.push(
        `| ${result.id} | ${escape(result.description)} | ${result.verdict} | ${escape(result.notes.join('; '))} |`,
      );
    }
    lines.push('', '</details>');
  }
  return lines.join('\n');
}

/** Every case whose verdict differs between two servers. */
export function differences(ours: readonly CaseResult[], reference: readonly CaseResult[]) {
  const byId = new Map(reference.map((result) => [result.id, result]));
  return ours.flatMap((result) => {
    const other = byId.get(result.id);
    return other && other.verdict !== result.verdict ? [{ ours: result, reference: other }] : [];
  });
}

/** A markdown table of the differing cases. */
export function renderDifferences(
  ours: readonly CaseResult[],
  reference: readonly CaseResult[],
): string {
  const rows = differences(ours, reference);
  if (rows.length === 0) return 'No case differs in verdict.';
  const lines = [
    '| Case | Description | ours | ws | ours: notes | ws: notes |',
    '|---|---|---|---|---|---|',
  ];
  for (const { ours: a, reference: b } of rows) {
    lines.push(
      `| ${a.id} | ${escape(a.description)} | ${a.verdict} | ${b.verdict} | ${escape(a.notes.join('; '))} | ${escape(b.notes.join('; '))} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Where the report goes: a file in the system's temp directory, so a test run never edits the
 * tracked docs; with `CONFORMANCE_REPORT` set to a `.md` path (as `npm run conformance` does for
 * `docs/CONFORMANCE.md`), that file.
 */
export function reportPath(env: NodeJS.ProcessEnv = process.env): string {
  const setting = env.CONFORMANCE_REPORT;
  if (setting !== undefined && setting.endsWith('.md')) return resolve(setting);
  return join(tmpdir(), 'nest-swoole-ws-conformance.md');
}

/**
 * Replaces the generated blocks (between `<!-- conformance:NAME:start -->` and `:end -->`) of
 * the report, leaving the hand-written text around them alone; blocks the file lacks are
 * appended. Both spec files write the same file, so the update holds a lock file.
 */
export async function updateReport(path: string, blocks: Record<string, string>): Promise<void> {
  const lock = `${path}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      if (attempt > 100) rmSync(lock, { force: true });
      await new Promise((done) => setTimeout(done, 50));
    }
  }
  try {
    let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Conformance report\n';
    for (const [name, body] of Object.entries(blocks)) {
      const start = `<!-- conformance:${name}:start -->`;
      const end = `<!-- conformance:${name}:end -->`;
      const block = `${start}\n${body}\n${end}`;
      const from = text.indexOf(start);
      const to = text.indexOf(end);
      text =
        from >= 0 && to > from
          ? text.slice(0, from) + block + text.slice(to + end.length)
          : `${text}\n${block}\n`;
    }
    writeFileSync(path, text);
  } finally {
    rmSync(lock, { force: true });
  }
}
