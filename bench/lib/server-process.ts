/**
 * One bench server in its own child process (fresh for each measurement, or one for a whole
 * sequence in the mixed pass), talking to the orchestrator over Node IPC (see
 * servers/server-ipc.ts) and configured by the scenario (servers/server-config.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type ServerConfig, serverConfigEnv } from '../servers/server-config.js';
import type {
  ResourceSnapshot,
  ServerFeature,
  ServerReport,
  ServerRequest,
} from '../servers/server-ipc.js';
import { REPO_ROOT } from './repo-root.js';
import { withRaisedLimit } from './raised-limits.js';

export type ServerName =
  | 'ours-nest'
  | 'ours-runtime'
  | 'ws'
  | 'nest-platform-ws'
  | 'floor'
  | 'ours-adapter'
  | 'platform-ws-gateway'
  | 'ours-nest-validated'
  | 'ours-adapter-validated'
  | 'platform-ws-validated'
  | 'ours-workers';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ServerStartOptions {
  config?: ServerConfig;
  /** Directory for `--cpu-prof` output, when profiling. */
  profileDir?: string;
}

export class ServerProcess {
  private pendingStats: {
    resolve(snapshot: ResourceSnapshot): void;
    reject(error: Error): void;
  }[] = [];
  private exitCode: number | null | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    /** What this server cannot do, with why (from its ready report). */
    readonly lacks: Partial<Record<ServerFeature, string>>,
    private readonly stderr: () => string,
  ) {
    child.on('message', (report: ServerReport) => {
      if (report.type === 'stats') this.pendingStats.shift()?.resolve(report);
    });
    // A server that dies must fail the measurement, not leave a snapshot waiting forever.
    child.on('exit', (code) => {
      this.exitCode = code;
      for (const pending of this.pendingStats.splice(0)) pending.reject(this.deathError());
    });
  }

  static async start(name: ServerName, options: ServerStartOptions): Promise<ServerProcess> {
    const script = join(REPO_ROOT, `build/bench/servers/${name}.server.js`);
    const nodeArgs = ['--expose-gc'];
    if (options.profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
    // BENCH_HEAP_MB: the server holds that much live application state (see heap-ballast.ts).
    if (Number(process.env.BENCH_HEAP_MB ?? 0) > 0)
      nodeArgs.push('--import', join(REPO_ROOT, 'build/bench/servers/heap-ballast.js'));
    // BENCH_NODE_FLAGS: extra V8/Node flags for every server, e.g. to test a GC setting.
    nodeArgs.push(...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean));
    const [file, args] = withRaisedLimit(process.execPath, [...nodeArgs, script]);
    const child = spawn(file, args, {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, ...serverConfigEnv(options.config ?? {}) },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ready = await waitForReady(child, name, () => stderr);
    return new ServerProcess(child, ready.port, ready.lacks, () => stderr);
  }

  /** CPU time and memory now; `gc` first runs a full collection (memory readings). */
  stats(gc = false): Promise<ResourceSnapshot> {
    if (this.exitCode !== undefined) return Promise.reject(this.deathError());
    return new Promise((resolve, reject) => {
      this.pendingStats.push({ resolve, reject });
      this.send({ type: 'stats', gc });
    });
  }

  private deathError(): Error {
    return new Error(`server exited with ${this.exitCode}: ${this.stderr().slice(-500)}`);
  }

  /** Asks the server to exit (so a CPU profile gets written), then makes sure it is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private send(request: ServerRequest): void {
    this.child.send(request);
  }
}

type ReadyReport = Extract<ServerReport, { type: 'ready' }>;

function waitForReady(
  child: ChildProcess,
  name: string,
  stderr: () => string,
): Promise<ReadyReport> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`server ${name} did not start: ${why}\n${stderr()}`));
    };
    const timer = setTimeout(() => fail('timeout'), START_TIMEOUT_MS);
    child.once('exit', (code) => fail(`exited with ${code}`));
    child.on('message', (report: ServerReport) => {
      if (report.type !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(report);
    });
  });
}
