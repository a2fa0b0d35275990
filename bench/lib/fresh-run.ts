/**
 * The main pass: every measurement on a fresh server process. Repetitions are interleaved
 * across servers within a scenario (A B C D E, A B C D E, ...) so slow drifts of a shared
 * machine hit every server alike; the report takes the median.
 *
 * Under BENCH_QUICK (without BENCH_MIXED) the next server starts while the current one is
 * measured: its start-up (most of a smoke run's time, for the Nest servers) overlaps the
 * window. That disturbs the figures, which are a smoke test's anyway; the full run never
 * overlaps, nor does a run whose fresh figures are compared with the mixed pass's.
 */
import {
  describeSample,
  type MeasureContext,
  measureOn,
  type Sample,
  unavailable,
} from './measurement.js';
import type { BenchSettings, Scenario } from './scenarios.js';
import { type ServerName, ServerProcess } from './server-process.js';
import { type ScenarioSummary, summarise } from './summary.js';

interface Job {
  scenario: Scenario;
  server: ServerName;
  repetition: number;
}

type Log = (message: string) => void;

/** Scenario by scenario; within one, repetition by repetition, every server in turn. */
function plan(scenarios: Scenario[], repetitions: number): Job[] {
  return scenarios.flatMap((scenario) =>
    Array.from({ length: repetitions }, (_, repetition) =>
      scenario.servers.map((server) => ({ scenario, server, repetition })),
    ).flat(),
  );
}

/** Starts the job's server; a failure is returned, not thrown (it may wait unobserved). */
function start(job: Job): Promise<ServerProcess | Error> {
  return ServerProcess.start(job.server, { config: job.scenario.config }).catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );
}

async function measureJob(
  job: Job,
  starting: Promise<ServerProcess | Error>,
  context: MeasureContext,
): Promise<Sample> {
  const server = await starting;
  if (server instanceof Error) throw server;
  try {
    return await measureOn(server, job.scenario, context);
  } finally {
    await server.stop();
  }
}

/** Whether the next server starts during the current measurement (see above). */
export function overlapsStarts(settings: BenchSettings): boolean {
  return settings.quick && !settings.mixed;
}

/** Runs every scenario on fresh servers; one summary per scenario, in order. */
export async function runFresh(
  scenarios: Scenario[],
  context: MeasureContext,
  log: Log,
): Promise<ScenarioSummary[]> {
  const jobs = plan(scenarios, context.settings.repetitions);
  const samples = new Map<Job, Sample>();
  const overlap = overlapsStarts(context.settings);
  let next = jobs.length > 0 ? start(jobs[0]) : null;
  for (const [index, job] of jobs.entries()) {
    if (index === 0 || jobs[index - 1].scenario !== job.scenario) log(job.scenario.title);
    const starting = next ?? start(job);
    const following = jobs[index + 1];
    next = overlap && following ? start(following) : null;
    const label = `  ${job.scenario.id} #${job.repetition + 1} ${job.server}`;
    try {
      const sample = await measureJob(job, starting, context);
      samples.set(job, sample);
      log(`${label}: ${describeSample(sample)}`);
    } catch (error) {
      log(`${label}: FAILED ${(error as Error).message}`);
      samples.set(job, unavailable('failed'));
    }
  }
  return scenarios.map((scenario) => ({
    scenario,
    rows: scenario.servers.map((server) =>
      summarise(
        server,
        jobs
          .filter((job) => job.scenario === scenario && job.server === server)
          .map((job) => samples.get(job) ?? unavailable('not run')),
      ),
    ),
  }));
}
