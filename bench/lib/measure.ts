/**
 * Timing for macro-benchmarks: each run does its own setup, times only the part being
 * measured with `performance.now()`, and tears down. Runs of the subject and of its baseline
 * are interleaved (A B, B A, A B, ...) after warm-up runs, so drift and noise on a busy
 * machine hit both sides alike; every run starts after a full GC (when `gc` is exposed) and
 * a turn of the event loop, so one run's garbage and leftovers are not billed to the next.
 *
 * tinybench is not used here on purpose: it runs all samples of one task before the next
 * task and times the whole task function, while these scenarios need setup outside the
 * timed region and baseline/subject interleaving.
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/** One timed run: the measured milliseconds, plus any other numbers the run reports. */
export interface Sample {
  readonly ms: number;
  readonly extra?: Readonly<Record<string, number | null>>;
}

/** One complete run of a scenario (its sizes are fixed when the scenario is built). */
export type Run = () => Promise<Sample>;

export interface Repetitions {
  /** Untimed runs of each side first, so the JIT has compiled the hot paths. */
  readonly warmup: number;
  readonly repetitions: number;
}

export interface PairedSamples {
  readonly baseline: Sample[];
  readonly subject: Sample[];
}

export const gcExposed = typeof globalThis.gc === "function";

/** A full, synchronous garbage collection when node runs with `--expose-gc`; else nothing. */
export function collectGarbage(): void {
  if (globalThis.gc !== undefined) {
    globalThis.gc();
    globalThis.gc();
  }
}

/**
 * V8 heap in use once full collections stop changing it, or null when `gc` is not exposed.
 * Right after allocation-heavy work the first full GC's reading can still be off by tens of
 * kilobytes, so collect until two readings agree (at most a few times).
 */
export function settledHeapUsed(): number | null {
  if (!gcExposed) return null;
  collectGarbage();
  let last = process.memoryUsage().heapUsed;
  for (let i = 0; i < 4; i++) {
    collectGarbage();
    const now = process.memoryUsage().heapUsed;
    if (now === last) break;
    last = now;
  }
  return last;
}

async function settle(): Promise<void> {
  await nextTurn();
  collectGarbage();
}

/** Runs `baseline` and `subject` alternately; returns the samples after the warm-up. */
export async function interleave(
  baseline: Run,
  subject: Run,
  reps: Repetitions,
): Promise<PairedSamples> {
  for (let i = 0; i < reps.warmup; i++) {
    await settle();
    await baseline();
    await settle();
    await subject();
  }
  const out: PairedSamples = { baseline: [], subject: [] };
  for (let i = 0; i < reps.repetitions; i++) {
    const order =
      i % 2 === 0 ? (["baseline", "subject"] as const) : (["subject", "baseline"] as const);
    for (const side of order) {
      await settle();
      out[side].push(await (side === "baseline" ? baseline : subject)());
    }
  }
  return out;
}

/** Milliseconds since `start` (a `performance.now()` reading). */
export function since(start: number): number {
  return performance.now() - start;
}

/** Throws when a run's result is wrong, so a broken scenario fails instead of reporting. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`benchmark self-check failed: ${message}`);
}
