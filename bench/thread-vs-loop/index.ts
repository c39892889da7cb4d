/**
 * The `thread-vs-loop` suite: when does moving work off the event loop onto troupe's thread
 * pool pay, and what does the pool cost?
 *
 * 1. CPU-bound kernels (kernels.ts: fib, sha256, JSON round trip), each calibrated at start
 *    to several task sizes (~1 µs … 50 ms on the loop). N tasks run on the event loop one
 *    after another, then N tasks go to the pool at once (`Promise.all`); throughput, speedup
 *    pool/loop, event-loop delay during each mode, and the crossover size per kernel (cpu.ts).
 * 2. Target check: 16 × ~6 ms fib tasks, pool speedup and event-loop p99 while the pool is
 *    saturated against an idle loop's p99, with niceIncrement 0 and 10 (target.ts).
 * 3. I/O-bound tasks (1 ms timers, loopback HTTP) on the loop and inside threads (io.ts).
 * 4. Offload overhead: no-op tasks through `system.threads.run`, an actor's `offload` and raw
 *    Piscina with the same settings, plus raw `postMessage` round trips (overhead.ts).
 * 5. `map` over many tiny items against one task per item (map.ts).
 *
 * Tables are built in report.ts, the chart in svg.ts. Every system, pool, worker and server
 * started here is closed before the suite returns.
 */
import { availableParallelism } from "node:os";
import type { Suite, SuiteOptions, SuiteReport } from "../lib/suite.js";
import { formatCount, formatRatio } from "../lib/table.js";
import { FULL, KERNELS, NICE, QUICK } from "./config.js";
import { calibrate, crossover, measureCell, paramLabel, type CpuCell } from "./cpu.js";
import { measureIo } from "./io.js";
import { measureMap } from "./map.js";
import { formatDelay, formatTime, sink, Systems } from "./measure.js";
import { measureOverhead } from "./overhead.js";
import { cpuNotes, cpuTable, sections, type Measured } from "./report.js";
import { renderSvg } from "./svg.js";
import { measureTarget } from "./target.js";

async function run(options: SuiteOptions): Promise<SuiteReport> {
  const sizes = options.quick ? QUICK : FULL;
  const log = options.log;
  const threads = Math.max(1, availableParallelism());
  const systems = new Systems(threads);
  try {
    // 1. CPU kernels
    log(`thread-vs-loop: calibrating kernels (${threads} threads in the pool) ...`);
    const calibrated = KERNELS.flatMap((k) => calibrate(k, sizes.targetsMs, sizes.calibrateMs));
    for (const c of calibrated)
      log(
        `  ${c.kernel} ${paramLabel(c.kernel, c.param)} ≈ ${formatTime(c.calibratedMs)} (target ${formatTime(c.targetMs)})`,
      );
    const cpuSystem = systems.get(1);
    log("thread-vs-loop: CPU kernels, loop vs pool ...");
    const cells: CpuCell[] = [];
    for (const c of calibrated) cells.push(await measureCell(cpuSystem, c, sizes, log));
    const crossovers = KERNELS.map((k) => crossover(k, cells));

    // 2. Target row: 16 × ~6 ms fib, default priority and niceIncrement NICE
    log(`thread-vs-loop: 16 × 6 ms fib (niceIncrement 0 and ${NICE}) ...`);
    const fib6 =
      calibrated.find((c) => c.kernel === "fib" && c.targetMs === 6) ??
      calibrate("fib", [6], sizes.calibrateMs)[0];
    if (fib6 === undefined) throw new Error("fib could not be calibrated to 6 ms");
    const target = await measureTarget(
      [
        { niceIncrement: 0, system: cpuSystem },
        { niceIncrement: NICE, system: systems.get(1, NICE) },
      ],
      fib6.param,
      sizes,
      threads,
    );
    for (const p of target.pools)
      log(
        `  niceIncrement ${p.niceIncrement}: speedup ${formatRatio(p.speedup)}; p99 idle ` +
          `${formatDelay(target.idle.p99)} ms, pool saturated ${formatDelay(p.poolDelay.p99)} ms`,
      );

    // 3. I/O
    log("thread-vs-loop: I/O-bound tasks ...");
    const io = await measureIo(systems, sizes, log);

    // 4. Overhead
    log("thread-vs-loop: offload overhead (no-op tasks) ...");
    const overhead = await measureOverhead(systems, sizes, log);

    // 5. map
    log("thread-vs-loop: map vs one task per item ...");
    const map = await measureMap(cpuSystem, sizes);
    log(
      `  map ${formatCount(map.map.median)} items/s, per item ${formatCount(map.perItem.median)} items/s`,
    );

    const quick = options.quick;
    const measured: Measured = {
      quick,
      sizes,
      threads,
      cells,
      crossovers,
      target,
      io,
      overhead,
      map,
    };
    return {
      title: "troupe benchmarks: thread-vs-loop",
      table: cpuTable(cells),
      notes: cpuNotes(measured),
      sections: sections(measured),
      artifacts: [
        {
          ext: "svg",
          content: renderSvg(
            cells,
            target.idle.p99,
            `troupe thread-vs-loop${quick ? " (quick smoke run)" : ""}: ${threads} threads`,
          ),
        },
      ],
      data: {
        sizes,
        threads,
        calibrated,
        cells,
        crossovers: crossovers.map((c) => ({
          kernel: c.kernel,
          smallestMs: c.smallest?.loopMsPerTask ?? null,
          smallestParam: c.smallest?.param ?? null,
          interpolatedMs: c.interpolatedMs,
          lostAbove: c.lostAbove,
        })),
        target,
        io,
        overhead,
        map,
      },
    };
  } finally {
    await systems.close();
    sink.value = undefined;
  }
}

export const suite: Suite = { name: "thread-vs-loop", run };
