/**
 * Server benchmark: our module (through Nest and on the bare runtime) against ws,
 * @nestjs/platform-ws and a minimal node:net floor, driven by a C load generator.
 *
 *   npm run bench                  full run (about 10 minutes)
 *   BENCH_QUICK=1 npm run bench    smoke run (1 repetition, 1 s windows, fewer connections)
 *   BENCH_ONLY=echo-64k,idle ...   some scenarios only (ids in lib/scenarios.ts)
 *   BENCH_PROFILE=echo-100x1 ...   one run of ours-nest under --cpu-prof, top self times
 *
 * Each measurement starts a fresh server process; repetitions are interleaved across servers
 * (A B C D E A B C D E ...) so slow drifts of a shared machine hit every server alike, and
 * the median is reported. Results: markdown on stdout, JSON in build/bench-results.json.
 */
import { writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { checkGoals } from './lib/goals.js';
import { buildLoadgen, REPO_ROOT } from './lib/loadgen-build.js';
import { goalsMarkdown, scenarioMarkdown } from './lib/markdown-report.js';
import { measure, type Sample, EMPTY_SAMPLE } from './lib/measurement.js';
import { openFilesLimit } from './lib/raised-limits.js';
import { benchSettings, type BenchSettings, type Scenario, scenarios } from './lib/scenarios.js';
import type { ServerName } from './lib/server-process.js';
import { type ScenarioSummary, summarise } from './lib/summary.js';
import { summariseProfile } from './profile-summary.js';

const log = (message: string): void => void process.stderr.write(`${message}\n`);

function selectedScenarios(quick: boolean): Scenario[] {
  const only = process.env.BENCH_ONLY?.split(',');
  return scenarios(quick).filter((scenario) => !only || only.includes(scenario.id));
}

async function runScenario(
  binary: string,
  scenario: Scenario,
  settings: BenchSettings,
): Promise<ScenarioSummary> {
  const samples = new Map<ServerName, Sample[]>(scenario.servers.map((server) => [server, []]));
  for (let repetition = 0; repetition < settings.repetitions; repetition++) {
    for (const server of scenario.servers) {
      try {
        const sample = await measure(binary, scenario, server, settings);
        samples.get(server)?.push(sample);
        log(`  ${scenario.id} #${repetition + 1} ${server}: ${describe(sample)}`);
      } catch (error) {
        log(`  ${scenario.id} #${repetition + 1} ${server}: FAILED ${(error as Error).message}`);
        samples.get(server)?.push({ ...EMPTY_SAMPLE, note: 'failed' });
      }
    }
  }
  return {
    scenario,
    rows: scenario.servers.map((server) => summarise(server, samples.get(server) ?? [])),
  };
}

function describe(sample: Sample): string {
  if (!sample.available) return `n/a (${sample.note})`;
  if (sample.rssPerConnection) return `${sample.rssPerConnection.toFixed(0)} B/conn rss`;
  return (
    `${sample.perSecond.toFixed(0)}/s, ${sample.serverCpuUsPerUnit.toFixed(2)} µs CPU each, ` +
    `loadgen ${(sample.loadgenCpuShare * 100).toFixed(0)}%`
  );
}

function machine(): string {
  return (
    `nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ` +
    `${new Date().toISOString()}, ulimit -n ${openFilesLimit().soft} (children: ${openFilesLimit().hard})`
  );
}

async function profile(binary: string, id: string, settings: BenchSettings): Promise<void> {
  const scenario = scenarios(settings.quick).find((candidate) => candidate.id === id);
  if (!scenario) throw new Error(`unknown scenario ${id}`);
  const server = (process.env.BENCH_PROFILE_SERVER ?? 'ours-nest') as ServerName;
  const dir = join(REPO_ROOT, 'build/bench-profiles', `${id}-${server}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  log(`profiling ${server} in ${id} into ${dir}`);
  log(describe(await measure(binary, scenario, server, settings, dir)));
  for (const file of readdirSync(dir)) process.stdout.write(summariseProfile(join(dir, file)));
}

async function main(): Promise<void> {
  const settings = benchSettings();
  const binary = buildLoadgen();
  if (process.env.BENCH_PROFILE) return profile(binary, process.env.BENCH_PROFILE, settings);
  log(`machine: ${machine()}`);
  const summaries: ScenarioSummary[] = [];
  for (const scenario of selectedScenarios(settings.quick)) {
    log(`${scenario.title}`);
    summaries.push(await runScenario(binary, scenario, settings));
  }
  const markdown = [
    `Machine: ${machine()}. ${settings.repetitions} repetition(s), ${settings.warmupSeconds} s warm-up, ` +
      `${settings.durationSeconds} s window${settings.quick ? ' (BENCH_QUICK)' : ''}.`,
    ...summaries.map(scenarioMarkdown),
    '#### Goals\n',
    goalsMarkdown(checkGoals(summaries)),
  ].join('\n\n');
  process.stdout.write(`${markdown}\n`);
  writeFileSync(
    join(REPO_ROOT, 'build/bench-results.json'),
    JSON.stringify({ settings, summaries }, null, 2),
  );
}

main().catch((error: Error) => {
  log(error.message);
  process.exitCode = 1;
});
