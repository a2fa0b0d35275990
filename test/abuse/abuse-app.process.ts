import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import type { WsServerStats } from '../../src/gateway/server-statistics.js';
import { waitUntil, withTimeout } from '../e2e/support/wait.js';

/** The compiled fixture (`npm run build:app`, run by `pretest`). */
export const ABUSE_FIXTURE = resolve('build/test/fixtures/abuse/abuse-app.js');

/** The flags the server runs with: a stray rejection kills it, and `/__memory` can collect. */
const NODE_FLAGS = ['--unhandled-rejections=strict', '--expose-gc'];

/** How much of the server's stderr is kept for failure messages. */
const STDERR_KEPT = 16 * 1024;

/** How long an HTTP probe (`/__memory`, `/__stats`) may take, attack or not. */
const PROBE_TIMEOUT_MS = 10_000;

/** An HTTP answer of the fixture. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * The abuse fixture running in a child process: started on a free port, observed from outside
 * (alive or not, memory, stats), stopped by its PID.
 */
export class AbuseAppProcess {
  /** The port it listens on, known once it printed `LISTENING <port>`. */
  port = 0;
  private stderr = '';
  private stdout = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => this.readStdout(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEPT);
    });
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
    });
  }

  /** Starts the fixture and waits for its `LISTENING` line. */
  static async start(ms = 15_000): Promise<AbuseAppProcess> {
    if (!existsSync(ABUSE_FIXTURE)) {
      throw new Error(`${ABUSE_FIXTURE} is missing: run "npm run build:app" first`);
    }
    const child = spawn(process.execPath, [...NODE_FLAGS, ABUSE_FIXTURE], {
      // Jest's NODE_OPTIONS (vm modules, gc) are for the test process, not the server.
      env: { ...process.env, NODE_OPTIONS: '', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new AbuseAppProcess(child);
    try {
      await waitUntil(() => app.port > 0 || app.exit !== null, ms, 'the abuse app to listen');
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    if (app.port === 0) throw new Error(`the abuse app did not start: ${app.describeExit()}`);
    return app;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Whether the process is still running. */
  alive(): boolean {
    return this.exit === null;
  }

  /** How the process ended (code, signal, the end of its stderr), or that it is running. */
  describeExit(): string {
    const status =
      this.exit === null
        ? 'still running'
        : `exited with code ${this.exit.code} (signal ${this.exit.signal})`;
    // Quoted line by line, so a test runner does not take the server's stack for the test's.
    const stderr = this.stderr
      .trim()
      .split('\n')
      .map((line) => `  | ${line}`)
      .join('\n');
    return `pid ${this.pid} ${status}${this.stderr.trim() ? `; stderr:\n${stderr}` : '; no stderr'}`;
  }

  /** Memory of the server after two full collections. */
  async memory(): Promise<NodeJS.MemoryUsage> {
    return JSON.parse((await this.get('/__memory')).body) as NodeJS.MemoryUsage;
  }

  /** The server's `stats()`. */
  async stats(): Promise<WsServerStats> {
    return JSON.parse((await this.get('/__stats')).body) as WsServerStats;
  }

  /** A GET on a fresh connection; fails on a non-200 answer or after 10 s. */
  async get(path: string): Promise<HttpAnswer> {
    const answer = await this.request('GET', path);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.body}`);
    return answer;
  }

  /** One request on a fresh connection (no keep-alive). */
  request(method: string, path: string, body?: Buffer, ms = PROBE_TIMEOUT_MS): Promise<HttpAnswer> {
    const answer = new Promise<HttpAnswer>((resolveAnswer, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: this.port, method, path, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolveAnswer({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    return withTimeout(answer, ms, `${method} ${path} to be answered`);
  }

  /** SIGTERM, then SIGKILL after `ms`; resolves once the process exited. */
  async stop(ms = 3000): Promise<void> {
    if (this.exit !== null) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (this.exit === null) process.kill(this.pid, 'SIGKILL');
    }, ms);
    await exited;
    clearTimeout(timer);
  }

  private readStdout(text: string): void {
    this.stdout = (this.stdout + text).slice(-STDERR_KEPT);
    const match = /^LISTENING (\d+)$/m.exec(this.stdout);
    if (match && this.port === 0) this.port = Number(match[1]);
  }
}
