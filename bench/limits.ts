/**
 * The `limits` suite: what the concurrency toolkit's limits cost when they do not bind.
 *
 * - Semaphore `tryAcquire` + release, and `acquire` + release (an await each), against a bare
 *   counter doing the same bookkeeping (and, for the async one, the same await);
 * - RateLimiter `tryAcquire` with a budget that never runs out, against a bare counter;
 * - actor throughput (tells to a counter actor) with the spawn options `concurrency: 4` and
 *   `rateLimit` (a budget that never runs out) set, against the same actor without them.
 *   Target: ≤ 15 % slower (a ratio of at least 0.85) when the limit does not bind.
 *
 * Baseline and subject runs are interleaved after warm-up (bench/lib/measure.ts); medians.
 */
import { Actor, ActorSystem, RateLimiter, Semaphore, type SpawnOptions } from "../src/index.js";
import { check, interleave, since, type PairedSamples, type Sample } from "./lib/measure.js";
import { median } from "./lib/stats.js";
import type { Suite, SuiteOptions, SuiteReport } from "./lib/suite.js";
import { formatCount, formatInteger, formatRatio, type Table } from "./lib/table.js";

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly ops: number;
  readonly unit: string;
  /** The least acceptable subject ÷ baseline rate, when the issue names one. */
  readonly atLeast: number | null;
  readonly baseline: () => Promise<Sample>;
  readonly subject: () => Promise<Sample>;
}

/** Plenty: a limit that never binds in a run of this size. */
const UNBOUND = 1e12;

class Counter extends Actor {
  #count = 0;
  inc(by: number): void {
    this.#count += by;
  }
  get(): number {
    return this.#count;
  }
}

async function actorRun(n: number, options: SpawnOptions): Promise<Sample> {
  const system = new ActorSystem({ name: "limits" });
  try {
    const counter = system.spawn(Counter, options);
    await counter.ask("get"); // started
    const done = counter.with({ timeout: 120_000 });
    const start = performance.now();
    for (let i = 0; i < n; i++) counter.tell("inc", 1);
    const count = await done.ask("get");
    const ms = since(start);
    check(count === n, `counter saw ${count} of ${n} messages`);
    return { ms };
  } finally {
    await system.shutdown();
  }
}

function scenarios(quick: boolean): Scenario[] {
  const ops = quick ? 20_000 : 2_000_000;
  const asyncOps = quick ? 5_000 : 500_000;
  const tells = quick ? 20_000 : 1_000_000;
  return [
    {
      id: "semaphore-try",
      title: "Semaphore tryAcquire + release",
      ops,
      unit: "ops/s",
      atLeast: null,
      baseline: () => {
        let held = 0;
        let peak = 0;
        const start = performance.now();
        for (let i = 0; i < ops; i++) {
          held++;
          if (held > peak) peak = held;
          held--;
        }
        const ms = since(start);
        check(held === 0 && peak === 1, "bare counter out of balance");
        return Promise.resolve({ ms });
      },
      subject: () => {
        const semaphore = new Semaphore(4);
        const start = performance.now();
        for (let i = 0; i < ops; i++) {
          const release = semaphore.tryAcquire();
          if (release === null) throw new Error("the semaphore bound");
          release();
        }
        const ms = since(start);
        check(semaphore.available === 4, "permits leaked");
        return Promise.resolve({ ms });
      },
    },
    {
      id: "semaphore-acquire",
      title: "Semaphore acquire + release (awaited)",
      ops: asyncOps,
      unit: "ops/s",
      atLeast: null,
      baseline: async () => {
        let held = 0;
        const start = performance.now();
        for (let i = 0; i < asyncOps; i++) {
          held = await Promise.resolve(held + 1);
          held--;
        }
        const ms = since(start);
        check(held === 0, "bare counter out of balance");
        return { ms };
      },
      subject: async () => {
        const semaphore = new Semaphore(4);
        const start = performance.now();
        for (let i = 0; i < asyncOps; i++) (await semaphore.acquire())();
        const ms = since(start);
        check(semaphore.available === 4, "permits leaked");
        return { ms };
      },
    },
    {
      id: "limiter-try",
      title: "RateLimiter tryAcquire (not binding)",
      ops,
      unit: "ops/s",
      atLeast: null,
      baseline: () => {
        let tokens = UNBOUND;
        const start = performance.now();
        for (let i = 0; i < ops; i++) if (tokens >= 1) tokens -= 1;
        const ms = since(start);
        check(tokens === UNBOUND - ops, "bare bucket miscounted");
        return Promise.resolve({ ms });
      },
      subject: () => {
        const limiter = new RateLimiter({ rate: UNBOUND, burst: UNBOUND });
        const start = performance.now();
        let granted = 0;
        for (let i = 0; i < ops; i++) if (limiter.tryAcquire()) granted++;
        const ms = since(start);
        check(granted === ops, `the limiter bound: ${granted} of ${ops}`);
        return Promise.resolve({ ms });
      },
    },
    {
      id: "actor-concurrency",
      title: "actor tells, concurrency: 4 (not binding)",
      ops: tells,
      unit: "msg/s",
      atLeast: 0.85,
      baseline: () => actorRun(tells, {}),
      subject: () => actorRun(tells, { concurrency: 4 }),
    },
    {
      id: "actor-rate-limit",
      title: "actor tells, rateLimit (not binding)",
      ops: tells,
      unit: "msg/s",
      atLeast: 0.85,
      baseline: () => actorRun(tells, {}),
      subject: () => actorRun(tells, { rateLimit: { rate: UNBOUND, burst: UNBOUND } }),
    },
  ];
}

export const suite: Suite = {
  name: "limits",
  async run({ quick, log }: SuiteOptions): Promise<SuiteReport> {
    const reps = quick ? { warmup: 1, repetitions: 3 } : { warmup: 2, repetitions: 7 };
    const rows: string[][] = [];
    const data: Record<string, PairedSamples> = {};
    for (const scenario of scenarios(quick)) {
      log(`limits: ${scenario.title} ...`);
      const samples = await interleave(scenario.baseline, scenario.subject, reps);
      data[scenario.id] = samples;
      const rate = (s: readonly Sample[]): number =>
        (scenario.ops / median(s.map((x) => x.ms))) * 1000;
      const subject = rate(samples.subject);
      const baseline = rate(samples.baseline);
      const ratio = subject / baseline;
      rows.push([
        scenario.title,
        formatInteger(scenario.ops),
        `${formatCount(subject)} ${scenario.unit}`,
        `${formatCount(baseline)} ${scenario.unit}`,
        formatRatio(ratio),
        scenario.atLeast === null
          ? ""
          : quick
            ? `(${ratio >= scenario.atLeast ? "yes" : "NO"}, quick)`
            : ratio >= scenario.atLeast
              ? "yes"
              : "NO",
      ]);
    }
    const table: Table = {
      columns: [
        { title: "scenario" },
        { title: "ops", align: "right" },
        { title: "with the limit", align: "right" },
        { title: "baseline", align: "right" },
        { title: "ratio", align: "right" },
        { title: "≥ 0.85?" },
      ],
      rows,
    };
    return {
      title: "limits",
      table,
      notes: [
        "Baselines: a bare counter doing the same bookkeeping (the semaphore's permits, the bucket's tokens; the awaited one awaits a resolved promise per op); for actors, the same counter actor without the option. Ratio = median rate with the limit ÷ median rate of the baseline, runs interleaved after warm-up.",
        "The limits never bind here (4 permits for 1 holder; a budget of 10^12 tokens): this measures their bookkeeping, not waiting. Target from the issue: actor throughput with concurrency or rateLimit set but not binding at most 15 % below the same actor without them (ratio ≥ 0.85).",
        "rateLimit takes one token per message through the limiter's tryAcquire (which reads the clock and refills the bucket).",
      ],
      data,
    };
  },
};
