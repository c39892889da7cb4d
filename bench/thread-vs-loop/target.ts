/**
 * The target row: 16 × ~6 ms fib tasks. Pool speedup over the loop, and the event loop's
 * p99 delay while the pool is saturated against an idle loop's, for the default pool and for
 * one with lowered thread priority (`niceIncrement`).
 */
import { readFileSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { ActorSystem } from "../../src/index.js";
import { median, summarize, type Summary } from "../lib/stats.js";
import { Piscina } from "piscina";
import { K, type Sizes } from "./config.js";
import * as kernels from "./kernels.js";
import { allAt, combineDelays, onLoop, rate, settle, withDelay, type Delay } from "./measure.js";

export const TARGET_TASKS = 16;
const RAW_FIB_WORKER = new URL("./raw-piscina-fib.mjs", import.meta.url).href;

export interface TargetPool {
  readonly niceIncrement: number;
  readonly pool: Summary;
  readonly speedup: number;
  /** Over all pool runs back to back under one monitor. */
  readonly poolDelay: Delay;
  /** Nice values of the threads that did the work during these runs (Linux; null elsewhere). */
  readonly workerNice: number[] | null;
}

/** Raw Piscina (same threads, its defaults otherwise) on the same tasks: what the host allows. */
export interface RawTarget {
  readonly pool: Summary;
  readonly speedup: number;
}

export interface TargetRow {
  readonly param: number;
  readonly tasks: number;
  readonly loopMsPerTask: number;
  readonly loop: Summary;
  readonly idle: Delay;
  readonly loopDelay: Delay;
  readonly pools: readonly TargetPool[];
  readonly raw: RawTarget;
}

/** CPU ticks and nice value of each thread of this process, by thread id (Linux; else null). */
function threadStats(): Map<string, { ticks: number; nice: number }> | null {
  try {
    const out = new Map<string, { ticks: number; nice: number }>();
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3
      out.set(tid, { ticks: Number(f[11]) + Number(f[12]), nice: Number(f[16]) });
    }
    return out;
  } catch {
    return null; // no /proc
  }
}

/**
 * The nice values of the threads that did the work between two snapshots: every thread but
 * the main one whose CPU time grew by at least half of the busiest one's.
 */
function busyNice(
  before: ReturnType<typeof threadStats>,
  after: ReturnType<typeof threadStats>,
): number[] | null {
  if (before === null || after === null) return null;
  const grown: { ticks: number; nice: number }[] = [];
  for (const [tid, a] of after)
    if (tid !== String(process.pid))
      grown.push({ ticks: a.ticks - (before.get(tid)?.ticks ?? 0), nice: a.nice });
  const most = Math.max(0, ...grown.map((g) => g.ticks));
  if (most === 0) return [];
  return grown.filter((g) => g.ticks >= most / 2).map((g) => g.nice);
}

export async function measureTarget(
  pools: readonly { readonly niceIncrement: number; readonly system: ActorSystem }[],
  param: number,
  sizes: Sizes,
  threads: number,
): Promise<TargetRow> {
  const raw = new Piscina({ filename: RAW_FIB_WORKER, minThreads: threads, maxThreads: threads });
  raw.on("error", (error: unknown) => {
    throw error;
  });
  try {
    return await measure(pools, param, sizes, raw);
  } finally {
    await raw.destroy();
  }
}

async function measure(
  pools: readonly { readonly niceIncrement: number; readonly system: ActorSystem }[],
  param: number,
  sizes: Sizes,
  raw: Piscina,
): Promise<TargetRow> {
  const tasks = TARGET_TASKS;
  const run = (system: ActorSystem): Promise<number> =>
    allAt(tasks, () => system.threads.run(K.fib, [param]));
  await settle();
  const idle = (await withDelay(() => sleep(sizes.idleMs))).delay;
  const runRaw = (): Promise<number> => allAt(tasks, () => raw.run(param) as Promise<number>);
  for (const p of pools) await run(p.system); // warm-up (threads started, fib compiled)
  await runRaw();
  await onLoop(() => kernels.fib(param), 2);
  const loopMs: number[] = [];
  const loopDelays: Delay[] = [];
  for (let r = 0; r < sizes.targetReps; r++) {
    await settle();
    const { value, delay } = await withDelay(() => onLoop(() => kernels.fib(param), tasks));
    loopMs.push(value);
    loopDelays.push(delay);
  }
  const loop = summarize(loopMs.map((ms) => rate(tasks, ms)));
  const measured: TargetPool[] = [];
  for (const p of pools) {
    await settle();
    // One unmeasured run first: whichever side runs right after the loop's block pays for
    // the switch (the threads were parked while the main thread computed), not for its pool.
    await run(p.system);
    const poolMs: number[] = [];
    const before = threadStats();
    const { delay: poolDelay } = await withDelay(async () => {
      for (let r = 0; r < sizes.targetReps; r++) poolMs.push(await run(p.system));
    });
    const workerNice = busyNice(before, threadStats());
    const pool = summarize(poolMs.map((ms) => rate(tasks, ms)));
    measured.push({
      niceIncrement: p.niceIncrement,
      pool,
      speedup: pool.median / loop.median,
      poolDelay,
      workerNice,
    });
  }
  await settle();
  await runRaw(); // unmeasured, as for the pools above
  const rawMs: number[] = [];
  for (let r = 0; r < sizes.targetReps; r++) rawMs.push(await runRaw());
  const rawPool = summarize(rawMs.map((ms) => rate(tasks, ms)));
  return {
    raw: { pool: rawPool, speedup: rawPool.median / loop.median },
    param,
    tasks,
    loopMsPerTask: median(loopMs) / tasks,
    loop,
    idle,
    loopDelay: combineDelays(loopDelays),
    pools: measured,
  };
}
