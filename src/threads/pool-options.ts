/**
 * Options of the system's thread pool (`new ActorSystem({ threads: { … } })`), their
 * defaults, and their validation.
 */
import { availableParallelism } from "node:os";
import type { ResourceLimits } from "node:worker_threads";
import { InvalidOptionError } from "../errors.js";
import {
  checkDuration,
  checkInteger,
  checkKnownKeys,
  checkNonNegativeDuration,
  checkObject,
} from "../validation.js";

export interface ThreadPoolOptions {
  /** Threads kept alive when idle (at least 1 once the pool has started). @default 1 */
  readonly minThreads?: number;
  /** Most threads at once. @default os.availableParallelism() */
  readonly maxThreads?: number;
  /** A thread idle this long (ms) exits, down to `minThreads`. @default 30_000 */
  readonly idleTimeout?: number;
  /**
   * Most tasks waiting for a free thread; `run` beyond it rejects with TaskQueueFullError.
   * An actor's `offload` never queues past it: it waits for room (see docs/threads.md).
   * @default Infinity
   */
  readonly maxQueue?: number;
  /**
   * Tasks a thread is given at once (pipelining). Above 1, async tasks interleave on a thread
   * and tiny tasks pay less messaging per task. @default 1
   */
  readonly concurrentTasksPerWorker?: number;
  /** V8 heap and stack limits per thread; a task past them fails with WorkerOutOfMemoryError. */
  readonly resourceLimits?: ResourceLimits;
  /**
   * After an abort (or runTimeout), how long (ms) a running task gets to stop on its own
   * before its thread is terminated and replaced. @default 1_000
   */
  readonly abortGrace?: number;
  /** Replace a thread after it has run this many tasks. @default Infinity */
  readonly recycleAfterTasks?: number;
  /** Replace a thread once its V8 heap in use exceeds this many bytes. @default Infinity */
  readonly recycleAboveHeapBytes?: number;
  /**
   * Lowers the threads' scheduling priority by this much (0–19, Linux only; elsewhere
   * ignored), so that the event loop's thread wins the CPU when both want it: actors stay
   * responsive while every thread computes. The threads still use all idle CPU, but other
   * processes on the machine win against them too. @default 0
   */
  readonly niceIncrement?: number;
  /**
   * Run tasks on the event loop instead of threads, in order, with no thread started: for
   * tests of actors that offload (fast, and `runTimeout` follows a VirtualClock). Arguments
   * and results are still copied and errors keep their classes; the thread options are
   * ignored. @default false
   */
  readonly inline?: boolean;
  /**
   * Load `.ts` task modules in threads through tsx. By default: when troupe runs from source,
   * or the process runs under tsx. Set true when troupe runs built but your tasks are `.ts`.
   */
  readonly typescript?: boolean;
}

export interface ResolvedPoolOptions {
  readonly minThreads: number;
  readonly maxThreads: number;
  readonly idleTimeout: number;
  readonly maxQueue: number;
  readonly concurrentTasksPerWorker: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly abortGrace: number;
  readonly recycleAfterTasks: number;
  readonly recycleAboveHeapBytes: number;
  readonly niceIncrement: number;
  readonly inline: boolean;
  readonly typescript: boolean | undefined;
}

const KNOWN = [
  "minThreads",
  "maxThreads",
  "idleTimeout",
  "maxQueue",
  "concurrentTasksPerWorker",
  "resourceLimits",
  "abortGrace",
  "recycleAfterTasks",
  "recycleAboveHeapBytes",
  "niceIncrement",
  "inline",
  "typescript",
] as const;

const LIMIT_KEYS = [
  "maxOldGenerationSizeMb",
  "maxYoungGenerationSizeMb",
  "codeRangeSizeMb",
  "stackSizeMb",
];

function countOrInfinity(option: string, value: unknown): void {
  if (value === undefined || value === Infinity) return;
  checkInteger(option, value, 1);
}

export function resolvePoolOptions(options: unknown): ResolvedPoolOptions {
  checkObject("threads", options);
  const o = (options ?? {}) as ThreadPoolOptions;
  checkKnownKeys("threads", o, KNOWN);
  checkInteger("threads.minThreads", o.minThreads, 1);
  checkInteger("threads.maxThreads", o.maxThreads, 1);
  checkNonNegativeDuration("threads.idleTimeout", o.idleTimeout);
  if (o.maxQueue !== undefined && o.maxQueue !== Infinity)
    checkInteger("threads.maxQueue", o.maxQueue, 0);
  checkInteger("threads.concurrentTasksPerWorker", o.concurrentTasksPerWorker, 1);
  checkDuration("threads.abortGrace", o.abortGrace, true);
  checkInteger("threads.niceIncrement", o.niceIncrement, 0, 19);
  countOrInfinity("threads.recycleAfterTasks", o.recycleAfterTasks);
  countOrInfinity("threads.recycleAboveHeapBytes", o.recycleAboveHeapBytes);
  if (o.inline !== undefined && typeof o.inline !== "boolean")
    throw new InvalidOptionError("threads.inline", "a boolean", o.inline);
  if (o.typescript !== undefined && typeof o.typescript !== "boolean")
    throw new InvalidOptionError("threads.typescript", "a boolean", o.typescript);
  if (o.resourceLimits !== undefined) {
    checkObject("threads.resourceLimits", o.resourceLimits);
    checkKnownKeys("threads.resourceLimits", o.resourceLimits, LIMIT_KEYS);
    for (const key of LIMIT_KEYS) {
      const value = (o.resourceLimits as Record<string, unknown>)[key];
      if (
        value !== undefined &&
        (typeof value !== "number" || !(value > 0) || !Number.isFinite(value))
      )
        throw new InvalidOptionError(
          `threads.resourceLimits.${key}`,
          "a number of megabytes > 0",
          value,
        );
    }
  }
  const maxThreads = o.maxThreads ?? Math.max(1, availableParallelism());
  const minThreads = o.minThreads ?? 1;
  if (minThreads > maxThreads)
    throw new InvalidOptionError(
      "threads.minThreads",
      `at most maxThreads (${maxThreads})`,
      minThreads,
    );
  return {
    minThreads,
    maxThreads,
    idleTimeout: o.idleTimeout ?? 30_000,
    maxQueue: o.maxQueue ?? Infinity,
    concurrentTasksPerWorker: o.concurrentTasksPerWorker ?? 1,
    resourceLimits: o.resourceLimits,
    abortGrace: o.abortGrace ?? 1_000,
    recycleAfterTasks: o.recycleAfterTasks ?? Infinity,
    recycleAboveHeapBytes: o.recycleAboveHeapBytes ?? Infinity,
    niceIncrement: o.niceIncrement ?? 0,
    inline: o.inline ?? false,
    typescript: o.typescript,
  };
}
