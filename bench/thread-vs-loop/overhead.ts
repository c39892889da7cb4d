/**
 * Offload overhead: no-op tasks through `system.threads.run`, an actor's `offload` and raw
 * Piscina with the same settings, plus raw `postMessage` round trips to a bare worker (the
 * physical limit of a message to another thread and back).
 */
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { Piscina } from "piscina";
import { Actor } from "../../src/index.js";
import { check } from "../lib/measure.js";
import { summarize, type Summary } from "../lib/stats.js";
import { formatCount } from "../lib/table.js";
import {
  BATCH_MIN_SAMPLES,
  K,
  LONG_ASK,
  PIPELINED,
  RAW_WORKER,
  WINDOW,
  type Sizes,
} from "./config.js";
import { rate, settle, windowed, type Systems } from "./measure.js";

class Offloader extends Actor {
  /** `n` no-op offloads with at most `window` in flight; resolves with the count done. */
  async burst(n: number, window: number): Promise<number> {
    let done = 0;
    await windowed(n, window, async () => {
      await this.offload(K.noop);
      done++;
    });
    return done;
  }
}

export interface OverheadRow {
  readonly perWorker: number;
  readonly side: string;
  readonly rate: Summary;
}

export interface OverheadResult {
  readonly rows: OverheadRow[];
  readonly ratios: {
    readonly perWorker: number;
    readonly runVsRaw: number;
    readonly offloadVsRaw: number;
    readonly runVsRawDefault: number;
  }[];
  /** The pool's view of the no-op function once warmed: runs seen and average run (µs). */
  readonly noopWarm: { readonly samples: number; readonly runMicros: number };
  readonly postMessage: { readonly mode: string; readonly rate: Summary }[];
}

export const RUN_SIDE = "troupe threads.run";
export const RAW_SIDE = "raw Piscina (atomics: async)";

export async function measureOverhead(
  systems: Systems,
  sizes: Sizes,
  log: (line: string) => void,
): Promise<OverheadResult> {
  const n = sizes.overheadTasks;
  const threads = systems.threads;
  const rows: OverheadRow[] = [];
  const ratios: OverheadResult["ratios"][number][] = [];
  // Warm the no-op function before anything is measured: the pool batches a function only
  // once it has seen it run BATCH_MIN_SAMPLES times (under 50 µs on average).
  const first = systems.get(1);
  for (let i = 0; i < 2 * BATCH_MIN_SAMPLES; i++) await first.threads.run(K.noop, []);
  const noopWarm = { samples: K.noop.samples, runMicros: K.noop.runMicros };
  check(noopWarm.samples >= BATCH_MIN_SAMPLES, `no-op warmed by ${noopWarm.samples} runs only`);
  log(
    `  no-op warmed: ${noopWarm.samples} runs seen, average ${noopWarm.runMicros.toFixed(1)} µs per run`,
  );
  for (const perWorker of [1, ...PIPELINED]) {
    const system = systems.get(perWorker);
    const offloader = system.spawn(Offloader).with(LONG_ASK);
    const raw = new Piscina({
      filename: RAW_WORKER,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: perWorker,
      atomics: "async", // as troupe's pool uses
    });
    const rawDefault = new Piscina({
      filename: RAW_WORKER,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: perWorker,
    });
    try {
      const sides: { name: string; run: () => Promise<number> }[] = [
        {
          name: RUN_SIDE,
          run: () => windowed(n, WINDOW, () => system.threads.run(K.noop, [])),
        },
        {
          name: "troupe actor offload",
          run: async () => {
            const start = performance.now();
            const done = await offloader.ask("burst", n, WINDOW);
            check(done === n, `offload burst did ${done} of ${n}`);
            return performance.now() - start;
          },
        },
        { name: RAW_SIDE, run: () => windowed(n, WINDOW, () => raw.run(null)) },
        {
          name: "raw Piscina (defaults)",
          run: () => windowed(n, WINDOW, () => rawDefault.run(null)),
        },
      ];
      for (const side of sides) await side.run(); // warm-up
      const ms = sides.map(() => [] as number[]);
      for (let r = 0; r < sizes.overheadReps; r++)
        for (let s = 0; s < sides.length; s++) {
          const i = (s + r) % sides.length; // rotate the order
          await settle();
          ms[i]?.push(await (sides[i] as (typeof sides)[number]).run());
        }
      const summaries = sides.map((side, i) => {
        const rateSummary = summarize((ms[i] as number[]).map((v) => rate(n, v)));
        rows.push({ perWorker, side: side.name, rate: rateSummary });
        log(`  ${perWorker} per thread, ${side.name}: ${formatCount(rateSummary.median)} tasks/s`);
        return rateSummary.median;
      });
      const [run, offload, rawAsync, rawDef] = summaries as [number, number, number, number];
      ratios.push({
        perWorker,
        runVsRaw: run / rawAsync,
        offloadVsRaw: offload / rawAsync,
        runVsRawDefault: run / rawDef,
      });
    } finally {
      await Promise.all([raw.destroy(), rawDefault.destroy()]);
    }
  }
  return { rows, ratios, noopWarm, postMessage: await measurePostMessage(sizes, threads, log) };
}

/** An echo worker: the least a round trip to another thread can cost. */
const ECHO = `const { parentPort } = require("node:worker_threads");
parentPort.on("message", (m) => parentPort.postMessage(m));`;

class Echo {
  readonly worker = new Worker(ECHO, { eval: true });
  readonly #waiting: Array<(value: unknown) => void> = [];
  #head = 0;
  constructor() {
    this.worker.on("message", (m: unknown) => {
      const resolve = this.#waiting[this.#head];
      this.#waiting[this.#head++] = undefined as never;
      if (this.#head > 4096) {
        this.#waiting.splice(0, this.#head);
        this.#head = 0;
      }
      resolve?.(m);
    });
  }
  send(value: number): Promise<unknown> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.worker.postMessage(value);
    });
  }
}

async function measurePostMessage(
  sizes: Sizes,
  threads: number,
  log: (line: string) => void,
): Promise<{ mode: string; rate: Summary }[]> {
  const n = sizes.postMessageTasks;
  const echoes = Array.from({ length: threads }, () => new Echo());
  try {
    await Promise.all(echoes.map((e) => once(e.worker, "online")));
    const first = echoes[0] as Echo;
    let turn = 0;
    const modes: { mode: string; n: number; run: (k: number) => Promise<number> }[] = [
      {
        mode: "1 worker, sequential (1 in flight)",
        n: Math.ceil(n / 5),
        run: (k) => windowed(k, 1, () => first.send(1)),
      },
      {
        mode: `1 worker, ${WINDOW} in flight`,
        n,
        run: (k) => windowed(k, WINDOW, () => first.send(1)),
      },
      {
        mode: `${threads} workers round-robin, ${WINDOW} in flight`,
        n,
        run: (k) => windowed(k, WINDOW, () => (echoes[turn++ % threads] as Echo).send(1)),
      },
    ];
    const out: { mode: string; rate: Summary }[] = [];
    for (const m of modes) {
      await m.run(Math.ceil(m.n / 4));
      const ms: number[] = [];
      for (let r = 0; r < sizes.overheadReps; r++) {
        await settle();
        ms.push(await m.run(m.n));
      }
      const summary = summarize(ms.map((v) => rate(m.n, v)));
      log(`  postMessage ${m.mode}: ${formatCount(summary.median)} round trips/s`);
      out.push({ mode: m.mode, rate: summary });
    }
    return out;
  } finally {
    await Promise.all(echoes.map((e) => e.worker.terminate()));
  }
}
