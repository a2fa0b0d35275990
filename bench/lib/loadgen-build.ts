/**
 * Compiles the C load generator (bench/loadgen/loadgen.c) with the system compiler, once per
 * run, into build/bench-loadgen/. A client in C keeps the load generator from being the
 * bottleneck; without a compiler the bench cannot run, and says so.
 *
 * TLS (wss) needs OpenSSL's headers and libraries: the build tries with them first and falls
 * back to a build without TLS, whose TLS scenario is then reported n/a with the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo-root.js';

export interface Loadgen {
  binary: string;
  /** Null when built with TLS, else why not. */
  noTls: string | null;
}

interface CompileResult {
  error?: Error;
  status: number | null;
  stderr: string;
}

function compile(
  compiler: string,
  binary: string,
  defines: string[],
  libs: string[],
): CompileResult {
  const source = join(REPO_ROOT, 'bench/loadgen/loadgen.c');
  const args = ['-O2', '-Wall', ...defines, '-o', binary, source, '-lz', ...libs];
  return spawnSync(compiler, args, { encoding: 'utf8' });
}

export function buildLoadgen(): Loadgen {
  const outDir = join(REPO_ROOT, 'build/bench-loadgen');
  const binary = join(outDir, 'loadgen');
  mkdirSync(outDir, { recursive: true });
  const compiler = process.env.CC ?? 'cc';
  const withTls = compile(compiler, binary, ['-DLOADGEN_TLS'], ['-lssl', '-lcrypto']);
  if (withTls.error) {
    throw new Error(
      `Cannot build the load generator: C compiler "${compiler}" not found (${withTls.error.message}). ` +
        'Install one (apt-get install gcc zlib1g-dev) or set CC.',
    );
  }
  if (withTls.status === 0) return { binary, noTls: null };
  const plain = compile(compiler, binary, [], []);
  if (plain.status !== 0) throw new Error(`Cannot build the load generator:\n${plain.stderr}`);
  const why = withTls.stderr.split('\n').find((line) => /error/i.test(line)) ?? 'unknown error';
  return { binary, noTls: `load generator built without OpenSSL (${why.trim()})` };
}
