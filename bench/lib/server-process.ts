/**
 * One bench server in its own child process, started fresh for each measurement, talking to
 * the orchestrator over Node IPC (see servers/server-ipc.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ResourceSnapshot, ServerReport, ServerRequest } from '../servers/server-ipc.js';
import { REPO_ROOT } from './loadgen-build.js';
import { withRaisedLimit } from './raised-limits.js';

export type ServerName =
  | 'ours-nest'
  | 'ours-runtime'
  | 'ws'
  | 'nest-platform-ws'
  | 'floor'
  | 'ours-adapter'
  | 'platform-ws-gateway';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ServerStartOptions {
  compression: boolean;
  /** Directory for `--cpu-prof` output, when profiling. */
  profileDir?: string;
}

export class ServerProcess {
  private pendingStats: ((snapshot: ResourceSnapshot) => void)[] = [];
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (report: ServerReport) => {
      if (report.type === 'stats') this.pendingStats.shift()?.(report);
    });
  }

  static async start(name: ServerName, options: ServerStartOptions): Promise<ServerProcess> {
    const script = join(REPO_ROOT, `build/bench/servers/${name}.server.js`);
    const nodeArgs = ['--expose-gc'];
    if (options.profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
    const [file, args] = withRaisedLimit(process.execPath, [...nodeArgs, script]);
    const child = spawn(file, args, {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, BENCH_COMPRESSION: options.compression ? '1' : '0' },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await waitForReady(child, name, () => stderr);
    const server = new ServerProcess(child, port);
    server.stderr = stderr;
    return server;
  }

  /** CPU time and memory now; `gc` first runs a full collection (memory readings). */
  stats(gc = false): Promise<ResourceSnapshot> {
    return new Promise((resolve) => {
      this.pendingStats.push(resolve);
      this.send({ type: 'stats', gc });
    });
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

  get errorOutput(): string {
    return this.stderr;
  }

  private send(request: ServerRequest): void {
    this.child.send(request);
  }
}

function waitForReady(child: ChildProcess, name: string, stderr: () => string): Promise<number> {
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
      resolve(report.port);
    });
  });
}
