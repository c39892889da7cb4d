/**
 * Sizes of the `thread-vs-loop` suite (full and quick runs), its shared constants, and the
 * task handles of its kernels.
 */
import { taskModule } from "../../src/threads/task-module.js";
import type * as kernels from "./kernels.js";

/** The kernels as task handles; from source the URL names the `.ts` file. */
export const K = taskModule<typeof kernels>(new URL("./kernels.ts", import.meta.url));
/** The raw Piscina baseline's worker (plain JavaScript). */
export const RAW_WORKER = new URL("./raw-piscina-worker.mjs", import.meta.url).href;

export type KernelName = "fib" | "sha256" | "json";
export const KERNELS: readonly KernelName[] = ["fib", "sha256", "json"];

export interface Sizes {
  /** Loop time per task the kernels are calibrated to, in ms. */
  readonly targetsMs: readonly number[];
  /** Loop time budget of one mode of one cell, in ms; N = budget / task time, clamped. */
  readonly budgetMs: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly cpuReps: number;
  readonly calibrateMs: number;
  readonly targetReps: number;
  readonly idleMs: number;
  readonly timerTasks: number;
  readonly httpRequests: number;
  readonly ioReps: number;
  readonly overheadTasks: number;
  readonly overheadReps: number;
  readonly postMessageTasks: number;
  readonly mapItems: number;
  readonly perItemTasks: number;
  readonly mapReps: number;
}

export const FULL: Sizes = {
  targetsMs: [0.001, 0.01, 0.1, 1, 6, 50],
  budgetMs: 400,
  minTasks: 16,
  maxTasks: 5_000,
  cpuReps: 5,
  calibrateMs: 25,
  targetReps: 7,
  idleMs: 1_000,
  timerTasks: 500,
  httpRequests: 2_000,
  ioReps: 5,
  overheadTasks: 10_000,
  overheadReps: 5,
  postMessageTasks: 20_000,
  mapItems: 1_000_000,
  perItemTasks: 50_000,
  mapReps: 3,
};

export const QUICK: Sizes = {
  targetsMs: [0.01, 1, 6],
  budgetMs: 40,
  minTasks: 8,
  maxTasks: 400,
  cpuReps: 2,
  calibrateMs: 4,
  targetReps: 2,
  idleMs: 150,
  timerTasks: 50,
  httpRequests: 100,
  ioReps: 2,
  overheadTasks: 1_000,
  overheadReps: 2,
  postMessageTasks: 2_000,
  mapItems: 20_000,
  perItemTasks: 2_000,
  mapReps: 1,
};

/** Tasks in flight at most when a scenario pipelines through a window. */
export const WINDOW = 256;
export const PIPELINED = [16, 64] as const;
export const LONG_ASK = { timeout: 600_000 } as const;
/** The pool's `niceIncrement` measured besides the default (0) in the target row. */
export const NICE = 10;
/** Runs of a function before the pool may batch it (src/threads/thread-pool.ts MIN_SAMPLES). */
export const BATCH_MIN_SAMPLES = 8;
/** Average run time under which the pool batches a function (thread-pool.ts TINY_MICROS). */
export const BATCH_TINY_MICROS = 50;
