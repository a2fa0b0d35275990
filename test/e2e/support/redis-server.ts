import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { delay } from './wait.js';

/** The system binary (Debian/Ubuntu: `apt-get install redis-server`). */
export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BINARY ?? '/usr/bin/redis-server';

/**
 * A throw-away `redis-server` on 127.0.0.1, without persistence, that can be stopped and
 * started again on the same port (to test what the cluster does while Redis is down).
 */
export class RedisServerProcess {
  private child: ChildProcess | null = null;
  private output = '';

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server and resolves once it accepts connections. */
  async start(ms = 5000): Promise<void> {
    if (!existsSync(REDIS_SERVER_BINARY)) {
      throw new Error(
        `${REDIS_SERVER_BINARY} not found: the Redis scale-out tests need a local Redis server ` +
          '(apt-get install redis-server), or set REDIS_SERVER_BINARY',
      );
    }
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    const child = spawn(REDIS_SERVER_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    const deadline = Date.now() + ms;
    while (!(await answersPing(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`redis-server did not start on port ${this.port}: ${this.output}`);
      }
      await delay(20);
    }
  }

  /** Stops the server (SIGTERM, SIGKILL after `ms`) and resolves once it exited. */
  async stop(ms = 3000): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    await exited;
    clearTimeout(timer);
  }
}

/** Whether something on the port answers Redis's PING with PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => done(data.toString('utf8').startsWith('+PONG')));
  });
}
