/**
 * Runs the C load generator against one server and follows its line protocol on stdout:
 * `{"event":"warm"}` / `{"event":"ready"}` open the measured window, the results line closes
 * it; the orchestrator's hooks take the server's snapshots at those moments. Closing stdin
 * then lets the load generator exit (so closing connections falls outside the window).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { withRaisedLimit } from './raised-limits.js';

/** The load generator's results line (see loadgen.c, print_results). */
export interface LoadgenResult {
  mode: string;
  connections: number;
  /** Publish mode: how many of the connections subscribed. */
  subscribers: number;
  tls: boolean;
  deflate: boolean;
  seconds: number;
  messages: number;
  messages_per_s: number;
  p50_us: number;
  p99_us: number;
  /** Its own CPU time in the window (getrusage), and that as a share of one core. */
  cpu_s: number;
  cpu_share: number;
  errors: number;
  error: string | null;
}

export interface LoadgenHooks {
  /** The window opens (warm-up over, or in idle mode every connection open). */
  onWindowStart(): Promise<void>;
  /** The window closed; called before the connections close. */
  onWindowEnd(): Promise<void>;
}

type Line = { event: 'warm' | 'ready' } | LoadgenResult | { error: string };

const RUN_TIMEOUT_MS = 120_000;

export function runLoadgen(
  binary: string,
  args: string[],
  hooks: LoadgenHooks,
): Promise<LoadgenResult> {
  const [file, argv] = withRaisedLimit(binary, args);
  const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`load generator timed out: ${args.join(' ')}`));
    }, RUN_TIMEOUT_MS);
    let result: LoadgenResult | null = null;
    // Lines are handled one after another: a hook's snapshot must finish before the next.
    let queue = Promise.resolve();
    lines.on('line', (text) => {
      queue = queue.then(async () => {
        const line = JSON.parse(text) as Line;
        if ('event' in line) return hooks.onWindowStart();
        if ('mode' in line) {
          result = line;
          await hooks.onWindowEnd();
        }
        child.stdin.end();
        if ('error' in line && line.error && !('mode' in line)) reject(new Error(line.error));
      });
    });
    child.on('exit', (code) => {
      void queue.then(() => {
        clearTimeout(timer);
        if (result) resolve(result);
        else reject(new Error(`load generator exited with ${code}: ${args.join(' ')}`));
      });
    });
  });
}
