/**
 * Server benchmark: our module (through Nest, on the bare runtime, through SwooleWsAdapter,
 * as runCluster workers) against ws, @nestjs/platform-ws and a minimal node:net floor, driven
 * by a C load generator.
 *
 *   npm run bench                  full run (3 repetitions, 1 s warm-up, 3 s windows)
 *   BENCH_QUICK=1 npm run bench    smoke run: 1 repetition, 0.3 s warm-up, 1 s windows, fewer
 *                                  connections (10 000 -> 1 000, 1 000 -> 200), and one server
 *                                  process per server and configuration runs all its scenarios
 *                                  (lib/server-sequence.ts; idle memory on its own process)
 *   BENCH_DURATION=0.2 ...         with BENCH_QUICK: the window in seconds (warm-up at most
 *                                  half of it); CI runs BENCH_QUICK=1 BENCH_DURATION=0.2
 *   BENCH_REPETITIONS=5 ...        repetitions of the full run (default 3)
 *   BENCH_ONLY=echo-64k,idle ...   some scenarios only (ids below, defined in lib/scenarios.ts)
 *   BENCH_MIXED=1 ...              also the mixed pass: one long-lived process per server and
 *                                  configuration runs all its selected scenarios in sequence;
 *                                  the report shows mixed beside fresh, with the ratio
 *                                  (lib/mixed-run.ts); the main pass is then fresh even under
 *                                  BENCH_QUICK
 *   BENCH_HEAP_MB=128 ...          every server holds about that much live state on its heap,
 *                                  as an application would (a bare bench server has 10-20 MB)
 *   BENCH_PROFILE=echo-100x1 ...   one run of ours-nest under --cpu-prof, top self times
 *   BENCH_PROFILE_SERVER=ws ...    with BENCH_PROFILE: profile that server instead
 *
 * Scenario ids, in the order they run: echo-100x1, echo-100x16, echo-1000x1, gateway-100x1,
 * gateway-100x16, validated, echo-64k, handshake, broadcast, publish-topic, idle, deflate-1k,
 * deflate, broadcast-deflate, tls-echo, workers.
 *
 * In a full run each measurement of the main pass starts a fresh server process
 * (lib/fresh-run.ts); repetitions are interleaved across servers (A B C D E A B C D E ...) so
 * slow drifts of a shared machine hit every server alike, and the median is reported.
 *
 * A scenario the machine cannot run (tls-echo without OpenSSL's headers or the openssl
 * command) or a server lacks (publish-topic before WsServer.publish exists) is reported n/a
 * with the reason. Goals are reported, never fail the run. Results: markdown on stdout, JSON
 * in build/bench-results.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { checkGoals, checkMixedGoals } from './lib/goals.js';
import { buildLoadgen, type Loadgen } from './lib/loadgen-build.js';
import { goalsMarkdown, scenarioMarkdown } from './lib/markdown-report.js';
import { runFresh } from './lib/fresh-run.js';
import { describeSample, type MeasureContext, measure, unavailable } from './lib/measurement.js';
import { runMixed } from './lib/mixed-run.js';
import { openFilesLimit } from './lib/raised-limits.js';
import { REPO_ROOT } from './lib/repo-root.js';
import { benchSettings, type BenchSettings, type Scenario, scenarios } from './lib/scenarios.js';
import type { ServerName } from './lib/server-process.js';
import { type ScenarioSummary, summarise } from './lib/summary.js';
import { groupByServer, runSequences } from './lib/server-sequence.js';
import { makeCertificate } from './lib/tls-certificate.js';
import { summariseProfile } from './profile-summary.js';

const log = (message: string): void => void process.stderr.write(`${message}\n`);

function selectedScenarios(quick: boolean): Scenario[] {
  const only = process.env.BENCH_ONLY?.split(',');
  return scenarios(quick).filter((scenario) => !only || only.includes(scenario.id));
}

/**
 * Why the machine cannot run `scenario` at all (every row n/a), or null. TLS needs a load
 * generator built with OpenSSL and a certificate.
 */
function blockers(selected: Scenario[], loadgen: Loadgen): Map<Scenario, string> {
  const tls = selected.filter((scenario) => scenario.config?.tls);
  const blocked = new Map<Scenario, string>();
  if (tls.length === 0) return blocked;
  const why = loadgen.noTls ?? makeCertificate();
  if (why) for (const scenario of tls) blocked.set(scenario, why);
  return blocked;
}

function blockedSummary(scenario: Scenario, why: string): ScenarioSummary {
  log(`${scenario.id}: n/a (${why})`);
  return {
    scenario,
    rows: scenario.servers.map((server) => summarise(server, [unavailable(why)])),
  };
}

function machine(): string {
  return (
    `nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ` +
    `${new Date().toISOString()}, ulimit -n ${openFilesLimit().soft} (children: ${openFilesLimit().hard})`
  );
}

async function profile(id: string, context: MeasureContext): Promise<void> {
  const scenario = scenarios(context.settings.quick).find((candidate) => candidate.id === id);
  if (!scenario) throw new Error(`unknown scenario ${id}`);
  const server = (process.env.BENCH_PROFILE_SERVER ?? 'ours-nest') as ServerName;
  const dir = join(REPO_ROOT, 'build/bench-profiles', `${id}-${server}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  log(`profiling ${server} in ${id} into ${dir}`);
  log(describeSample(await measure(server, scenario, context, dir)));
  for (const file of readdirSync(dir)) process.stdout.write(summariseProfile(join(dir, file)));
}

/**
 * The smoke run (BENCH_QUICK) shares server processes across scenarios, as the mixed pass
 * does: starting a Nest server costs more CPU than a smoke window, and this keeps CI short.
 * With BENCH_MIXED the main pass stays fresh, so that the two can be compared.
 */
function sharesServers(settings: BenchSettings): boolean {
  return settings.quick && !settings.mixed;
}

async function mainPass(runnable: Scenario[], context: MeasureContext): Promise<ScenarioSummary[]> {
  if (!sharesServers(context.settings)) return runFresh(runnable, context, log);
  log('BENCH_QUICK: one process per server and configuration runs its scenarios in turn');
  return runSequences(groupByServer(runnable), context, 'shared', log);
}

function settingsLine(settings: BenchSettings): string {
  const quick = sharesServers(settings)
    ? ' (BENCH_QUICK: one process per server and configuration for all its scenarios, smoke figures)'
    : settings.quick
      ? ' (BENCH_QUICK)'
      : '';
  return (
    `Machine: ${machine()}. ${settings.repetitions} repetition(s), ${settings.warmupSeconds} s warm-up, ` +
    `${settings.durationSeconds} s window${quick}` +
    `${settings.mixed ? ', with the mixed pass (BENCH_MIXED)' : ''}.`
  );
}

function report(
  settings: BenchSettings,
  fresh: ScenarioSummary[],
  mixed: ScenarioSummary[],
): string {
  const mixedOf = (summary: ScenarioSummary) =>
    mixed.find((candidate) => candidate.scenario.id === summary.scenario.id);
  const parts = [
    settingsLine(settings),
    ...fresh.map((summary) => scenarioMarkdown(summary, settings.mixed, mixedOf(summary))),
    '#### Goals\n',
    goalsMarkdown(checkGoals(fresh)),
  ];
  if (settings.mixed)
    parts.push('#### Mixed against fresh\n', goalsMarkdown(checkMixedGoals(fresh, mixed)));
  return parts.join('\n\n');
}

async function main(): Promise<void> {
  const settings = benchSettings();
  const context: MeasureContext = { loadgen: buildLoadgen(), settings };
  if (process.env.BENCH_PROFILE) return profile(process.env.BENCH_PROFILE, context);
  log(`machine: ${machine()}`);
  const selected = selectedScenarios(settings.quick);
  const blocked = blockers(selected, context.loadgen);
  const runnable = selected.filter((scenario) => !blocked.has(scenario));
  const ran = await mainPass(runnable, context);
  const fresh = selected.map(
    (scenario) =>
      ran.find((summary) => summary.scenario === scenario) ??
      blockedSummary(scenario, blocked.get(scenario) ?? 'not run'),
  );
  const mixed = settings.mixed ? await runMixed(runnable, context, log) : [];
  process.stdout.write(`${report(settings, fresh, mixed)}\n`);
  writeFileSync(
    join(REPO_ROOT, 'build/bench-results.json'),
    JSON.stringify({ settings, summaries: fresh, mixed }, null, 2),
  );
}

main().catch((error: Error) => {
  log(error.message);
  process.exitCode = 1;
});
