import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { delay, waitUntil } from './wait.js';

/** The compiled fixture (`npm run build:app`, run by `pretest`). */
export const CLUSTER_FIXTURE = resolve('build/test/fixtures/cluster/cluster-app.js');

/** The compiled `runCluster` fixture without Nest (tests of the primary's restarts and stop). */
export const SUPERVISOR_FIXTURE = resolve('build/test/fixtures/cluster/supervisor-app.js');

/** A line the fixture printed: `READY {...}`, `PRIMARY {...}` or `EXIT {...}`. */
export interface FixtureLine {
  kind: string;
  data: Record<string, unknown>;
}

/** A free TCP port on 127.0.0.1 (bound, read and released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether a process with this pid still exists (a zombie counts as alive). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The pids of a process's children (Linux `/proc`; empty where it cannot be read), e.g. the
 * workers of a `runCluster` primary that prints no pids, so a cleanup can end them by pid.
 */
export function childPidsOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** SIGKILLs every pid that still exists (cleanup after a graceful stop that left some behind). */
export function killIfAlive(pids: number[]): void {
  for (const pid of pids) {
    if (pid <= 0 || !isAlive(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone in between.
    }
  }
}

/** Waits until none of the pids exists, failing after `ms`. */
export async function waitForExit(pids: number[], ms = 5000): Promise<void> {
  await waitUntil(() => pids.every((pid) => !isAlive(pid)), ms, `pids ${pids.join(', ')} to exit`);
}

/** The cluster fixture running in a child process, with what it printed. */
export class FixtureProcess {
  readonly lines: FixtureLine[] = [];
  readonly output: string[] = [];
  exited = false;
  private buffered = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => this.read(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString('utf8')));
    child.once('exit', () => {
      this.exited = true;
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Lines of one kind. */
  linesOf(kind: string): Record<string, unknown>[] {
    return this.lines.filter((line) => line.kind === kind).map((line) => line.data);
  }

  /** Waits until `count` lines of `kind` were printed. */
  async waitForLines(kind: string, count: number, ms = 10000): Promise<Record<string, unknown>[]> {
    await waitUntil(
      () => this.exited || this.linesOf(kind).length >= count,
      ms,
      `${count} ${kind} line(s); output so far: ${this.output.join('')}`,
    );
    if (this.linesOf(kind).length < count) {
      throw new Error(`the fixture exited early; its output: ${this.output.join('')}`);
    }
    return this.linesOf(kind);
  }

  /** SIGTERM, then SIGKILL after `ms` if it is still there; resolves once it exited. */
  async stop(ms = 5000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    await exited;
    clearTimeout(timer);
  }

  private read(text: string): void {
    this.output.push(text);
    this.buffered += text;
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      const match = /^([A-Z]+) (\{.*\})$/.exec(line);
      if (match) this.lines.push({ kind: match[1], data: JSON.parse(match[2]) });
      newline = this.buffered.indexOf('\n');
    }
  }
}

/** Starts a fixture (the cluster app by default) with `env` added to this process's environment. */
export function startFixture(
  env: Record<string, string>,
  fixture = CLUSTER_FIXTURE,
): FixtureProcess {
  if (!existsSync(fixture)) {
    throw new Error(`${fixture} is missing: run "npm run build:app" first`);
  }
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new FixtureProcess(child);
}

/** How a test's nodes join over Redis. */
export interface RedisNodesOptions {
  count: number;
  redisUrl: string;
  /** The key prefix, so concurrent runs and suites never share keys. */
  prefix: string;
  heartbeatMs: number;
  requestTimeoutMs: number;
}

/**
 * Starts `count` cluster fixtures joined over Redis, each on a free port, and waits until every
 * one is READY. They are pushed into `nodes` as they start, so the caller's cleanup stops them
 * even when one never gets ready. Resolves with their ports, in order.
 */
export async function startRedisNodes(
  options: RedisNodesOptions,
  nodes: FixtureProcess[],
): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < options.count; i++) {
    const port = await freePort();
    ports.push(port);
    nodes.push(
      startFixture({
        CLUSTER_MODE: 'redis',
        PORT: String(port),
        REDIS_URL: options.redisUrl,
        REDIS_PREFIX: options.prefix,
        REDIS_HEARTBEAT_MS: String(options.heartbeatMs),
        REDIS_REQUEST_TIMEOUT_MS: String(options.requestTimeoutMs),
      }),
    );
  }
  await Promise.all(nodes.map((node) => node.waitForLines('READY', 1, 15000)));
  return ports;
}

/** Polls an async check every `every` ms until it returns true, failing after `ms`. */
export async function eventually(
  check: () => Promise<boolean>,
  ms: number,
  what: string,
  every = 100,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(every);
  }
}
