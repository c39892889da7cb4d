/**
 * Measuring helpers of the `thread-vs-loop` suite: event-loop delay, the loop and windowed
 * runners, formats, and the pools (actor systems) the suite starts.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setImmediate as nextTurn } from "node:timers/promises";
import { ActorSystem } from "../../src/index.js";
import { collectGarbage } from "../lib/measure.js";
import { median } from "../lib/stats.js";

/** Where results go so the work is not optimised away. */
export const sink: { value: unknown } = { value: undefined };

/** Event-loop delay over one measured run, in ms (null when no sample was taken). */
export interface Delay {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly samples: number;
}

/** Runs `body` with `monitorEventLoopDelay({ resolution: 1 })` enabled around it. */
export async function withDelay<T>(body: () => Promise<T>): Promise<{ value: T; delay: Delay }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let value: T;
  try {
    value = await body();
  } finally {
    histogram.disable();
  }
  const samples = histogram.count;
  const ms = (ns: number): number | null => (samples === 0 ? null : ns / 1e6);
  return {
    value,
    delay: {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      samples,
    },
  };
}

/** Median p50 and p99 of several runs, and the largest max. */
export function combineDelays(delays: readonly Delay[]): Delay {
  const pick = (key: "p50" | "p99" | "max"): number[] =>
    delays.map((d) => d[key]).filter((v): v is number => v !== null);
  const p50 = pick("p50");
  const p99 = pick("p99");
  const max = pick("max");
  return {
    p50: p50.length === 0 ? null : median(p50),
    p99: p99.length === 0 ? null : median(p99),
    max: max.length === 0 ? null : Math.max(...max),
    samples: delays.reduce((sum, d) => sum + d.samples, 0),
  };
}

export async function settle(): Promise<void> {
  await nextTurn();
  collectGarbage();
}

/**
 * Runs `task` `n` times on the event loop, back to back, yielding a turn (setImmediate)
 * whenever 1 ms has passed since the last yield, as a well-behaved batch handler would.
 */
export async function onLoop(task: () => unknown, n: number): Promise<number> {
  const start = performance.now();
  let lastYield = start;
  for (let i = 0; i < n; i++) {
    sink.value = task();
    const now = performance.now();
    if (now - lastYield >= 1) {
      await nextTurn();
      lastYield = performance.now();
    }
  }
  return performance.now() - start;
}

/** Runs `submit` `n` times with at most `window` calls in flight; resolves with the ms taken. */
export async function windowed(
  n: number,
  window: number,
  submit: () => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      next++;
      sink.value = await submit();
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
  return performance.now() - start;
}

/** Submits `n` tasks at once and awaits them all; resolves with the ms taken. */
export async function allAt(n: number, submit: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) pending.push(submit());
  sink.value = await Promise.all(pending);
  return performance.now() - start;
}

/** Milliseconds per call of `fn`, timed over at least `minMs` (median of three such runs). */
export function msPerCall(fn: () => unknown, minMs: number): number {
  sink.value = fn(); // warm (and build caches) untimed
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      sink.value = fn();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < minMs || calls < 2);
    runs.push(elapsed / calls);
  }
  return median(runs);
}

export function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "n/a";
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

export function formatDelay(ms: number | null): string {
  return ms === null ? "n/a" : ms.toFixed(2);
}

export function rate(n: number, ms: number): number {
  return n / (ms / 1000);
}

/**
 * Pools started by the suite, by `concurrentTasksPerWorker` and `niceIncrement`; all closed
 * at the end.
 */
export class Systems {
  readonly #systems = new Map<string, ActorSystem>();
  constructor(readonly threads: number) {}
  get(perWorker: number, niceIncrement = 0): ActorSystem {
    const key = `${perWorker}/${niceIncrement}`;
    let system = this.#systems.get(key);
    if (system === undefined) {
      system = new ActorSystem({
        name: `bench-threads-${perWorker}${niceIncrement === 0 ? "" : `-nice${niceIncrement}`}`,
        threads: {
          minThreads: this.threads,
          maxThreads: this.threads,
          concurrentTasksPerWorker: perWorker,
          ...(niceIncrement === 0 ? {} : { niceIncrement }),
        },
      });
      this.#systems.set(key, system);
    }
    return system;
  }
  async close(): Promise<void> {
    const all = [...this.#systems.values()];
    this.#systems.clear();
    await Promise.all(all.map((s) => s.shutdown()));
  }
}
