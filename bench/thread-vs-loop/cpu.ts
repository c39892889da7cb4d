/**
 * CPU-bound kernels on the event loop vs the pool: calibration of each kernel to the target
 * task sizes, one measured cell per kernel × size, and the crossover size per kernel.
 */
import type { ActorSystem } from "../../src/index.js";
import { median, summarize, type Summary } from "../lib/stats.js";
import { formatCount, formatInteger, formatRatio } from "../lib/table.js";
import { BATCH_MIN_SAMPLES, BATCH_TINY_MICROS, K, type KernelName, type Sizes } from "./config.js";
import * as kernels from "./kernels.js";
import {
  allAt,
  clamp,
  combineDelays,
  formatTime,
  msPerCall,
  onLoop,
  rate,
  settle,
  sink,
  withDelay,
  type Delay,
} from "./measure.js";

export function loopTask(kernel: KernelName, param: number): () => unknown {
  switch (kernel) {
    case "fib":
      return () => kernels.fib(param);
    case "sha256":
      return () => kernels.sha256(param);
    case "json":
      return () => kernels.json(param);
    default:
      return kernel satisfies never;
  }
}

function poolTask(system: ActorSystem, kernel: KernelName, param: number): Promise<unknown> {
  switch (kernel) {
    case "fib":
      return system.threads.run(K.fib, [param]);
    case "sha256":
      return system.threads.run(K.sha256, [param]);
    case "json":
      return system.threads.run(K.json, [param]);
    default:
      return kernel satisfies never;
  }
}

export function paramLabel(kernel: KernelName, param: number): string {
  switch (kernel) {
    case "fib":
      return `fib(${param})`;
    case "sha256":
      return param >= 1024 * 1024
        ? `${(param / 2 ** 20).toPrecision(3)} MiB`
        : `${formatInteger(param)} B`;
    case "json":
      return `${formatInteger(param)} records (${formatCount(kernels.jsonDocument(param).length)}B)`;
    default:
      return kernel satisfies never;
  }
}

export interface Calibrated {
  readonly kernel: KernelName;
  readonly targetMs: number;
  readonly param: number;
  /** Loop ms per call measured during calibration. */
  readonly calibratedMs: number;
}

/** The parameter giving each target time on the loop, with the time it was measured at. */
export function calibrate(
  kernel: KernelName,
  targets: readonly number[],
  minMs: number,
): Calibrated[] {
  const time = (param: number): number => msPerCall(loopTask(kernel, param), minMs);
  if (kernel === "fib") {
    // Measure fib(n) directly while cheap; extrapolate by φ per step beyond.
    for (let i = 0; i < 50; i++) sink.value = kernels.fib(20); // JIT-compile before timing
    const measured = new Map<number, number>();
    let n = 1;
    for (; n <= 40; n++) {
      const t = time(n);
      measured.set(n, t);
      if (t > 1) break;
    }
    const top = n;
    const topMs = measured.get(top) as number;
    return targets.map((target) => {
      let best = 1;
      let bestError = Infinity;
      for (let k = 1; k <= 45; k++) {
        const t = measured.get(k) ?? topMs * 1.618 ** (k - top);
        const error = Math.abs(Math.log(t / target));
        if (error < bestError) {
          bestError = error;
          best = k;
        }
      }
      // Correct the extrapolation by measuring: step while a neighbour is closer (fib's
      // time per step is ×1.6, so the best step is within ±27% of the target).
      let t = time(best);
      for (let i = 0; i < 6; i++) {
        const k = t < target ? best + 1 : best - 1;
        if (k < 1) break;
        const tk = time(k);
        if (Math.abs(Math.log(tk / target)) >= Math.abs(Math.log(t / target))) break;
        best = k;
        t = tk;
      }
      return { kernel, targetMs: target, param: best, calibratedMs: t };
    });
  }
  // sha256 (bytes) and json (records) are about linear in their parameter: fit a + b·p on two
  // points, then correct each guess once by measuring it.
  const small = kernel === "sha256" ? 64 : 1;
  const large = kernel === "sha256" ? 1024 * 1024 : 2_000;
  const a = time(small);
  const b = (time(large) - a) / (large - small);
  const step = kernel === "sha256" ? 64 : 1;
  const round = (p: number): number => Math.max(small, Math.round(p / step) * step);
  return targets.map((target) => {
    let param = round(small + (target - a) / b);
    let t = time(param);
    if (param > small) {
      param = round(param * (target / t));
      t = time(param);
    }
    return { kernel, targetMs: target, param, calibratedMs: t };
  });
}

export interface CpuCell {
  readonly kernel: KernelName;
  readonly targetMs: number;
  readonly param: number;
  readonly paramLabel: string;
  readonly tasks: number;
  /** Loop ms per task in the measured runs (median). */
  readonly loopMsPerTask: number;
  readonly loop: Summary;
  readonly pool: Summary;
  readonly speedup: number;
  readonly loopDelay: Delay;
  readonly poolDelay: Delay;
  /** Whether the pool batched this kernel's runs (its average run under 50 µs after warm-up). */
  readonly batched: boolean;
}

export async function measureCell(
  system: ActorSystem,
  cal: Calibrated,
  sizes: Sizes,
  log: (line: string) => void,
): Promise<CpuCell> {
  const { kernel, param } = cal;
  const tasks = Math.round(
    clamp(sizes.budgetMs / Math.max(cal.calibratedMs, 1e-4), sizes.minTasks, sizes.maxTasks),
  );
  const task = loopTask(kernel, param);
  const loopRun = (n: number): Promise<number> => onLoop(task, n);
  const poolRun = (n: number): Promise<number> => allAt(n, () => poolTask(system, kernel, param));
  // Warm-up: both paths, a quarter of the size (modules loaded and JIT-compiled in threads,
  // and the pool has learnt this size's run time, so batching is on exactly when it applies).
  const warm = Math.max(4, Math.ceil(tasks / 4));
  await loopRun(warm);
  await poolRun(warm);
  const handle = K[kernel];
  const batched =
    handle.samples >= BATCH_MIN_SAMPLES &&
    handle.runMicros >= 0 &&
    handle.runMicros < BATCH_TINY_MICROS;
  const loopMs: number[] = [];
  const poolMs: number[] = [];
  const loopDelays: Delay[] = [];
  const poolDelays: Delay[] = [];
  for (let r = 0; r < sizes.cpuReps; r++) {
    const order = r % 2 === 0 ? (["loop", "pool"] as const) : (["pool", "loop"] as const);
    for (const mode of order) {
      await settle();
      const { value, delay } = await withDelay(() =>
        mode === "loop" ? loopRun(tasks) : poolRun(tasks),
      );
      (mode === "loop" ? loopMs : poolMs).push(value);
      (mode === "loop" ? loopDelays : poolDelays).push(delay);
    }
  }
  const loop = summarize(loopMs.map((ms) => rate(tasks, ms)));
  const pool = summarize(poolMs.map((ms) => rate(tasks, ms)));
  const cell: CpuCell = {
    kernel,
    targetMs: cal.targetMs,
    param,
    paramLabel: paramLabel(kernel, param),
    tasks,
    loopMsPerTask: median(loopMs) / tasks,
    loop,
    pool,
    speedup: pool.median / loop.median,
    loopDelay: combineDelays(loopDelays),
    poolDelay: combineDelays(poolDelays),
    batched,
  };
  log(
    `  ${kernel} ${cell.paramLabel}: ${formatTime(cell.loopMsPerTask)}/task, ` +
      `loop ${formatCount(loop.median)}/s, pool ${formatCount(pool.median)}/s, ` +
      `speedup ${formatRatio(cell.speedup)}${batched ? " (batched)" : ""}`,
  );
  return cell;
}

export interface Crossover {
  readonly kernel: KernelName;
  /** The smallest measured size at which the pool won, or null. */
  readonly smallest: CpuCell | null;
  /** Loop time per task where speedup crosses 1× (log-linear between the bracketing sizes). */
  readonly interpolatedMs: number | null;
  /** A size above the crossover where the pool lost again (noise, or a real effect). */
  readonly lostAbove: boolean;
}

export function crossover(kernel: KernelName, cells: readonly CpuCell[]): Crossover {
  const mine = cells.filter((c) => c.kernel === kernel).sort((a, b) => a.targetMs - b.targetMs);
  const index = mine.findIndex((c) => c.speedup > 1);
  if (index === -1) return { kernel, smallest: null, interpolatedMs: null, lostAbove: false };
  const win = mine[index] as CpuCell;
  let interpolatedMs: number | null = win.loopMsPerTask;
  if (index > 0) {
    const lose = mine[index - 1] as CpuCell;
    const x0 = Math.log(lose.loopMsPerTask);
    const x1 = Math.log(win.loopMsPerTask);
    const f = (1 - lose.speedup) / (win.speedup - lose.speedup);
    interpolatedMs = Math.exp(x0 + (x1 - x0) * f);
  } else interpolatedMs = null; // the pool already won at the smallest size
  return {
    kernel,
    smallest: win,
    interpolatedMs,
    lostAbove: mine.slice(index + 1).some((c) => c.speedup <= 1),
  };
}
