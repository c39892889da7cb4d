/** The suite's markdown: the CPU table, the target checks and the other sections' tables. */
import type { ReportSection } from "../lib/suite.js";
import { formatCount, formatInteger, formatRatio, type Column, type Table } from "../lib/table.js";
import { PIPELINED, WINDOW, type Sizes } from "./config.js";
import type { CpuCell, Crossover } from "./cpu.js";
import type { IoRow } from "./io.js";
import type { MapResult } from "./map.js";
import { formatDelay, formatTime, type Delay } from "./measure.js";
import { RAW_SIDE, RUN_SIDE, type OverheadResult } from "./overhead.js";
import type { TargetPool, TargetRow } from "./target.js";

export interface Measured {
  readonly quick: boolean;
  readonly sizes: Sizes;
  readonly threads: number;
  readonly cells: readonly CpuCell[];
  readonly crossovers: readonly Crossover[];
  readonly target: TargetRow;
  readonly io: readonly IoRow[];
  readonly overhead: OverheadResult;
  readonly map: MapResult;
}

function mark(met: boolean, quick: boolean): string {
  const word = met ? "yes" : "NO";
  return quick ? `(${word}, quick)` : word;
}

function delayCell(d: Delay): string {
  return `${formatDelay(d.p50)} / ${formatDelay(d.p99)} / ${formatDelay(d.max)}`;
}

const CPU_COLUMNS: readonly Column[] = [
  { title: "kernel" },
  { title: "target size" },
  { title: "parameter" },
  { title: "loop time/task", align: "right" },
  { title: "tasks", align: "right" },
  { title: "loop tasks/s", align: "right" },
  { title: "pool tasks/s", align: "right" },
  { title: "speedup", align: "right" },
  { title: "pool batched" },
  { title: "loop delay p50/p99/max (ms)", align: "right" },
  { title: "pool delay p50/p99/max (ms)", align: "right" },
];

export function cpuTable(cells: readonly CpuCell[]): Table {
  return {
    columns: CPU_COLUMNS,
    rows: cells.map((c) => [
      c.kernel,
      formatTime(c.targetMs),
      c.paramLabel,
      formatTime(c.loopMsPerTask),
      formatInteger(c.tasks),
      formatCount(c.loop.median),
      formatCount(c.pool.median),
      formatRatio(c.speedup),
      c.batched ? "yes" : "no",
      delayCell(c.loopDelay),
      delayCell(c.poolDelay),
    ]),
  };
}

export function cpuNotes(m: Measured): string[] {
  return [
    `Pool: system.threads with minThreads = maxThreads = availableParallelism() = ${m.threads}, concurrentTasksPerWorker 1 unless stated. CPU-kernel cells: median of ${m.sizes.cpuReps} runs per mode after a warm-up, loop and pool runs interleaved.`,
    "Loop mode runs the N tasks back to back and yields a turn (setImmediate) whenever 1 ms has passed, so the event-loop delay shows what handlers waiting behind that work would see. Pool mode submits all N at once and awaits Promise.all.",
    "Pool batched: the pool sends the runs of a function that averages under 50 µs (after 8 runs) several per message when they are submitted in the same turn; the warm-up (a quarter of N) lets it learn each size's run time, and the column says whether its average after the warm-up was under 50 µs.",
    "Event-loop delay: monitorEventLoopDelay({ resolution: 1 }) enabled around each run; p50/p99 are the median over runs, max the largest. With tasks on the loop p99 ≈ max(task time, 1 ms); with the pool it stays near the idle loop's.",
    "Loop time/task is measured in the runs themselves; calibration aimed at the target size (fib steps by ×1.6, so sizes are approximate).",
    `Speedup = median pool tasks/s ÷ median loop tasks/s; on ${m.threads} cores the ceiling is ${m.threads}× (the main thread only waits).`,
  ];
}

function p99Gap(target: TargetRow, p: TargetPool): number | null {
  return p.poolDelay.p99 === null || target.idle.p99 === null
    ? null
    : p.poolDelay.p99 - target.idle.p99;
}

function targetsSection(m: Measured): ReportSection {
  const { target, overhead, map, quick, threads } = m;
  const niceLabel = (p: TargetPool): string => `niceIncrement ${p.niceIncrement}`;
  const rawOf = (perWorker: number): number | undefined =>
    overhead.rows.find((r) => r.perWorker === perWorker && r.side === RAW_SIDE)?.rate.median;
  const runOf = (perWorker: number): number | undefined =>
    overhead.rows.find((r) => r.perWorker === perWorker && r.side === RUN_SIDE)?.rate.median;
  const rates = (perWorker: number): string =>
    `(${formatCount(runOf(perWorker) ?? null)} vs ${formatCount(rawOf(perWorker) ?? null)}/s)`;
  const pipelinedBest = Math.max(
    ...overhead.rows
      .filter((r) => r.perWorker !== 1 && r.side === RUN_SIDE)
      .map((r) => r.rate.median),
  );
  const ratio1 = overhead.ratios.find((r) => r.perWorker === 1);
  const worst = overhead.ratios
    .filter((r) => r.perWorker !== 1)
    .reduce((a, b) => (b.runVsRaw < a.runVsRaw ? b : a));
  const rows: string[][] = [];
  for (const p of target.pools)
    rows.push([
      `16 × fib(${target.param}) (${formatTime(target.loopMsPerTask)}/task): pool speedup, ${niceLabel(p)}`,
      formatRatio(p.speedup),
      `≥ 1.85× (limit ${threads}×)`,
      mark(p.speedup >= 1.85, quick),
    ]);
  rows.push([
    `same 16 tasks on raw Piscina (same threads, its defaults), for reference: what the host allows`,
    formatRatio(target.raw.speedup),
    "(baseline)",
    "",
  ]);
  for (const p of target.pools) {
    const gap = p99Gap(target, p);
    rows.push([
      `event-loop p99, pool saturated − idle loop, ${niceLabel(p)}`,
      `${formatDelay(p.poolDelay.p99)} − ${formatDelay(target.idle.p99)} = ${formatDelay(gap)} ms`,
      "≤ 1 ms",
      gap === null ? "n/a" : mark(gap <= 1, quick),
    ]);
  }
  rows.push(
    [
      "no-op tasks, troupe run ÷ raw Piscina, same settings, 1 per thread",
      `${formatRatio(ratio1?.runVsRaw ?? null)} ${rates(1)}`,
      "≥ 0.9×",
      ratio1 === undefined ? "n/a" : mark(ratio1.runVsRaw >= 0.9, quick),
    ],
    [
      `no-op tasks, troupe run ÷ raw Piscina, same settings, pipelined (${PIPELINED.join("/")} per thread, worst)`,
      `${formatRatio(worst.runVsRaw)} ${rates(worst.perWorker)}`,
      "≥ 0.9×",
      mark(worst.runVsRaw >= 0.9, quick),
    ],
    [
      "no-op tasks, troupe run, pipelined (best)",
      `${formatCount(pipelinedBest)}/s`,
      "≥ 60,000/s",
      mark(pipelinedBest >= 60_000, quick),
    ],
    [
      `map over ${formatInteger(map.items)} items ÷ one task per item`,
      formatRatio(map.ratio),
      "≥ 5×",
      mark(map.ratio >= 5, quick),
    ],
  );
  const poolNotes = target.pools.map(
    (p) =>
      `${niceLabel(p)}: pool ${formatCount(p.pool.median)} tasks/s; loop delay over all ${m.sizes.targetReps} pool runs back to back under one monitor: ${p.poolDelay.samples} samples, p50 ${formatDelay(p.poolDelay.p50)}, p99 ${formatDelay(p.poolDelay.p99)}, max ${formatDelay(p.poolDelay.max)} ms; nice value of the threads that did the work (from /proc): ${p.workerNice === null ? "n/a" : p.workerNice.join(", ")}.`,
  );
  return {
    title: "Target checks",
    table: { columns: targetColumns, rows },
    notes: [
      `Target rows: ${target.tasks} tasks of fib(${target.param}), ${m.sizes.targetReps} runs per side, on two pools of ${threads} threads that differ only in niceIncrement (0, the default, and 10: the threads' scheduling priority lowered so the event loop's thread wins the CPU); p99 of the idle loop measured over ${formatInteger(m.sizes.idleMs)} ms of sleep (p50 ${formatDelay(target.idle.p50)}, max ${formatDelay(target.idle.max)} ms).`,
      ...poolNotes,
      `The same 16 tasks on the loop: p99 ${formatDelay(target.loopDelay.p99)} ms, max ${formatDelay(target.loopDelay.max)} ms, ${formatCount(target.loop.median)} tasks/s.`,
      `No-op rows: same settings on both sides (maxThreads, concurrentTasksPerWorker, atomics), but troupe batches tiny tasks (several per message once a function averages under 50 µs) and raw Piscina does not; the no-op function was warmed (${overhead.noopWarm.samples} runs seen, ${overhead.noopWarm.runMicros.toFixed(1)} µs average) before anything was measured, so batching was in effect.`,
    ],
  };
}

const targetColumns: readonly Column[] = [
  { title: "check" },
  { title: "measured", align: "right" },
  { title: "target" },
  { title: "met?" },
];

function crossoverSection(m: Measured): ReportSection {
  return {
    title: "Crossover: smallest task size where the pool wins",
    table: {
      columns: [
        { title: "kernel" },
        { title: "smallest measured size where the pool wins" },
        { title: "speedup there", align: "right" },
        { title: "interpolated break-even", align: "right" },
      ],
      rows: m.crossovers.map((c) => [
        c.kernel,
        c.smallest === null
          ? "none (the loop won at every size)"
          : `${formatTime(c.smallest.loopMsPerTask)} (${c.smallest.paramLabel})${c.lostAbove ? ", lost again at a larger size" : ""}`,
        c.smallest === null ? "n/a" : formatRatio(c.smallest.speedup),
        c.interpolatedMs === null
          ? c.smallest === null
            ? "n/a"
            : "below the smallest size"
          : `≈ ${formatTime(c.interpolatedMs)}`,
      ]),
    },
    notes: [
      "Interpolated break-even: log-linear between the largest losing and the smallest winning size. Near 1× the verdict flips with noise.",
    ],
  };
}

function ioSection(m: Measured): ReportSection {
  const { io, sizes } = m;
  return {
    title: "I/O-bound tasks",
    table: {
      columns: [
        { title: "scenario" },
        { title: "where" },
        { title: "tasks", align: "right" },
        { title: "tasks/s", align: "right" },
        { title: "vs loop", align: "right" },
        { title: "loop delay p50/p99/max (ms)", align: "right" },
      ],
      rows: io.map((r) => {
        const base = io.find((o) => o.scenario === r.scenario && o.mode.startsWith("event loop"));
        return [
          r.scenario,
          r.mode,
          formatInteger(r.tasks),
          formatCount(r.rate.median),
          formatRatio(base === undefined ? null : r.rate.median / base.rate.median),
          delayCell(r.delay),
        ];
      }),
    },
    notes: [
      `1 ms timer: ${formatInteger(sizes.timerTasks)} tasks each awaiting one setTimeout(1), all submitted at once; on the loop they wait together, in the pool each thread holds as many at once as its concurrentTasksPerWorker.`,
      `HTTP: a node:http server on 127.0.0.1 (port 0) in this process, 64-byte bodies, keep-alive fetch; ${formatInteger(sizes.httpRequests)} GETs with 32 in flight. The server always runs on the main event loop, so the pool side still costs the loop the serving half.`,
    ],
  };
}

function overheadSection(m: Measured): ReportSection {
  const { overhead, sizes, threads } = m;
  return {
    title: "Offload overhead: no-op tasks",
    table: {
      columns: [
        { title: "tasks per thread" },
        { title: "side" },
        { title: "no-op tasks/s (median)", align: "right" },
        { title: "÷ raw Piscina (atomics: async)", align: "right" },
        { title: "spread", align: "right" },
      ],
      rows: overhead.rows.map((r) => {
        const raw = overhead.rows.find((o) => o.perWorker === r.perWorker && o.side === RAW_SIDE);
        return [
          String(r.perWorker),
          r.side,
          formatCount(r.rate.median),
          formatRatio(raw === undefined ? null : r.rate.median / raw.rate.median),
          `±${Math.round((r.rate.spread / 2) * 100)}%`,
        ];
      }),
    },
    notes: [
      `${formatInteger(sizes.overheadTasks)} no-op tasks per run with ${WINDOW} in flight (a window, not all at once), ${sizes.overheadReps} runs per side after a warm-up, side order rotated; every pool has minThreads = maxThreads = ${threads}.`,
      'troupe\'s pool is Piscina with atomics: "async" (idle threads keep their event loop running); the like-for-like baseline uses the same settings; Piscina\'s defaults (atomics: "sync") are shown for reference.',
      `troupe batches tiny tasks and raw Piscina does not: the no-op function was warmed first (${overhead.noopWarm.samples} runs seen, ${overhead.noopWarm.runMicros.toFixed(1)} µs average, batching needs 8 runs under 50 µs), so the completions that free a window's lanes in one turn resubmit in that turn and go to the threads several tasks per message. Raw Piscina posts one message per task.`,
      "Actor offload: one actor runs the same window of `this.offload(noop)` inside one handler (one ask per run).",
    ],
  };
}

function postMessageSection(m: Measured): ReportSection {
  return {
    title: "Physical limit: postMessage round trips",
    table: {
      columns: [{ title: "bare worker_threads echo" }, { title: "round trips/s", align: "right" }],
      rows: m.overhead.postMessage.map((p) => [p.mode, formatCount(p.rate.median)]),
    },
    notes: [
      "A bare worker (eval'd CommonJS) echoing each number back; no task bookkeeping, no structured results. Batched troupe tasks carry several tasks per message, so their task rate is not bounded by this.",
    ],
  };
}

function mapSection(m: Measured): ReportSection {
  const { map, threads } = m;
  return {
    title: "map vs one task per item",
    table: {
      columns: [
        { title: "how" },
        { title: "items", align: "right" },
        { title: "items/s (median)", align: "right" },
      ],
      rows: [
        [
          `threads.map(double, items) (default chunks: ${threads * 8} tasks)`,
          formatInteger(map.items),
          formatCount(map.map.median),
        ],
        [
          `threads.run(double, [x]) per item, 1,024 in flight (rate extrapolated from ${formatInteger(map.perItemTasks)} items)`,
          formatInteger(map.perItemTasks),
          formatCount(map.perItem.median),
        ],
        ["map ÷ per item", "", formatRatio(map.ratio)],
      ],
    },
    notes: [
      `The per-item rate is measured on ${formatInteger(map.perItemTasks)} items and compared as a rate with map over ${formatInteger(map.items)} items. \`double\` is tiny, so after its first 8 runs the per-item side is batched by the pool too.`,
    ],
  };
}

export function sections(m: Measured): ReportSection[] {
  return [
    targetsSection(m),
    crossoverSection(m),
    ioSection(m),
    overheadSection(m),
    postMessageSection(m),
    mapSection(m),
  ];
}
