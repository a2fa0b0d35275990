/**
 * Preloaded into a bench server with `BENCH_HEAP_MB=<n>`: keeps about n MB of small live
 * objects on the JavaScript heap, as an application's own state (sessions, caches, routes)
 * would. A bare bench server has a heap of 10-20 MB, where V8's heuristics behave unlike
 * those of a server holding a real application: see docs/BENCHMARKS.md, "mixed".
 */
const megabytes = Number(process.env.BENCH_HEAP_MB ?? 0);
/** About 100 bytes per entry: an object with a number and a short string. */
const entries = Math.round((megabytes * 1024 * 1024) / 100);
const ballast: Array<{ id: number; name: string }> = [];
for (let i = 0; i < entries; i++) ballast.push({ id: i, name: `entry-${i}` });
(globalThis as { __benchBallast?: unknown }).__benchBallast = ballast;
