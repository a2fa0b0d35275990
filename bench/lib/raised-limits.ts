/**
 * Runs a command with the open-files limit raised to the hard limit: 10 000 connections need
 * 10 000 descriptors in the server and in the load generator, and Node cannot call setrlimit.
 * `sh -c 'ulimit -n ...; exec ...'` keeps the process id and the IPC channel (NODE_CHANNEL_FD
 * survives exec), so the orchestrator talks to the real process.
 */
import { execFileSync } from 'node:child_process';

function readLimit(flag: '-Sn' | '-Hn'): number {
  const value = execFileSync('/bin/sh', ['-c', `ulimit ${flag}`])
    .toString()
    .trim();
  return value === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(value);
}

/** The soft limit children get: the hard limit, capped where ulimit would refuse. */
export function openFilesLimit(): { soft: number; hard: number } {
  return { soft: readLimit('-Sn'), hard: Math.min(readLimit('-Hn'), 1048576) };
}

/** [file, args] that run `command args` under the raised limit. */
export function withRaisedLimit(command: string, args: string[]): [string, string[]] {
  const { hard } = openFilesLimit();
  return ['/bin/sh', ['-c', `ulimit -n ${hard} 2>/dev/null; exec "$0" "$@"`, command, ...args]];
}
