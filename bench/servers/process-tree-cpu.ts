/**
 * CPU time of a process's descendants (a cluster primary's workers), read from Linux's /proc:
 * a server made of several processes reports the sum, so its CPU per message covers all of
 * them. Clock ticks (usually 10 ms) are coarser than process.cpuUsage(), which is why a
 * process's own time still comes from cpuUsage(). Elsewhere than Linux this reports 0.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** /proc counts in USER_HZ, which Linux fixes at 100 on every current architecture. */
const TICKS_PER_SECOND = 100;

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** utime + stime of one process in clock ticks (0 when it is gone). */
function processTicks(pid: number): number {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After ')': state is field 3, utime field 14, stime field 15.
  return fields.length > 12 ? Number(fields[11]) + Number(fields[12]) : 0;
}

/** Direct children of `pid`, from every thread's `children` list. */
function childrenOf(pid: number): number[] {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return threads.flatMap((tid) =>
    readOrEmpty(`/proc/${pid}/task/${tid}/children`)
      .split(' ')
      .filter((text) => text.trim() !== '')
      .map(Number),
  );
}

/** Every process below `pid`, children first. */
function descendants(pid: number): number[] {
  const all: number[] = [];
  for (const child of childrenOf(pid)) all.push(child, ...descendants(child));
  return all;
}

/** CPU microseconds (user + system) of every live descendant of `pid`. */
export function descendantCpuMicros(pid: number): number {
  const ticks = descendants(pid).reduce((sum, child) => sum + processTicks(child), 0);
  return (ticks * 1e6) / TICKS_PER_SECOND;
}
