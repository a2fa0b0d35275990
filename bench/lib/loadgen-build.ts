/**
 * Compiles the C load generator (bench/loadgen/loadgen.c) with the system compiler, once per
 * run, into build/bench-loadgen/. A client in C keeps the load generator from being the
 * bottleneck; without a compiler the bench cannot run, and says so.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from build/bench/lib/ (compiled) three levels up. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function buildLoadgen(): string {
  const source = join(REPO_ROOT, 'bench/loadgen/loadgen.c');
  const outDir = join(REPO_ROOT, 'build/bench-loadgen');
  const binary = join(outDir, 'loadgen');
  mkdirSync(outDir, { recursive: true });
  const compiler = process.env.CC ?? 'cc';
  const result = spawnSync(compiler, ['-O2', '-Wall', '-o', binary, source, '-lz'], {
    encoding: 'utf8',
  });
  if (result.error) {
    throw new Error(
      `Cannot build the load generator: C compiler "${compiler}" not found (${result.error.message}). ` +
        'Install one (apt-get install gcc zlib1g-dev) or set CC.',
    );
  }
  if (result.status !== 0) {
    throw new Error(`Cannot build the load generator:\n${result.stderr}`);
  }
  return binary;
}
