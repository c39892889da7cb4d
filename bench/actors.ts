/**
 * The `actors` suite: what the runtime costs on the hot path, each scenario beside its
 * physical-limit baseline measured in the same process and interleaved with it.
 *
 * | scenario        | troupe                                         | baseline                                        |
 * |-----------------|------------------------------------------------|-------------------------------------------------|
 * | tell            | 1 actor, N `tell`s, then one `ask` to know     | a plain class with a ring queue, N message      |
 * |                 | they were processed                            | objects pushed, then drained in a loop          |
 * | ping-pong       | two actors telling each other, N round trips   | two plain objects with ring queues, one loop    |
 * |                 |                                                | alternating between them                        |
 * | ask sequential  | N times `await ref.ask("get")`                 | N `await`ed Promises through a ring queue       |
 * |                 |                                                | drained on a microtask                          |
 * | ask concurrent  | N asks in flight, `Promise.all`                | N Promises through the same queue, `Promise.all`|
 * | spawn           | N actors spawned and started; heap per actor   | N plain objects with an empty array each        |
 * | fan-out         | A actors × M tells each, round-robin           | A ring queues filled round-robin, then drained  |
 *
 * Every troupe run checks its result (counts, sums, statuses) so a broken runtime fails the
 * suite instead of reporting a fast wrong number, and shuts its ActorSystem down.
 */
import { Actor, ActorSystem, type ActorRef } from "../src/index.js";
import { deliveryOf } from "../src/actor/actor-ref.js";
import { inFastMode } from "./lib/v8.js";
import {
  check,
  gcExposed,
  interleave,
  settledHeapUsed,
  since,
  type PairedSamples,
  type Repetitions,
  type Run,
  type Sample,
} from "./lib/measure.js";
import { RingQueue, packed } from "./lib/ring-queue.js";
import { median, summarize, type Summary } from "./lib/stats.js";
import type { Suite, SuiteOptions, SuiteReport } from "./lib/suite.js";
import { formatCount, formatInteger, formatRatio, formatSpread, type Column } from "./lib/table.js";

// ---------------------------------------------------------------- sizes

interface Sizes {
  readonly tell: number;
  readonly pingPong: number;
  readonly askSequential: number;
  readonly askConcurrent: number;
  readonly spawn: number;
  readonly fanOutActors: number;
  readonly fanOutMessages: number;
  readonly reps: Repetitions;
}

const FULL: Sizes = {
  tell: 1_000_000,
  pingPong: 200_000,
  askSequential: 100_000,
  askConcurrent: 100_000,
  spawn: 100_000,
  fanOutActors: 1_000,
  fanOutMessages: 1_000,
  reps: { warmup: 2, repetitions: 7 },
};

const QUICK: Sizes = {
  tell: 10_000,
  pingPong: 2_000,
  askSequential: 2_000,
  askConcurrent: 2_000,
  spawn: 2_000,
  fanOutActors: 50,
  fanOutMessages: 50,
  reps: { warmup: 1, repetitions: 2 },
};

/** Waits for replies that only signal completion; generous, so a slow CI box does not fail. */
const DONE_TIMEOUT = { timeout: 60_000 } as const;

// ---------------------------------------------------------------- actors under test

class Counter extends Actor {
  #count = 0;
  inc(by: number): void {
    this.#count += by;
  }
  get(): number {
    return this.#count;
  }
}

class Pinger extends Actor {
  readonly #peer: ActorRef<Ponger>;
  readonly #rounds: number;
  readonly #done: () => void;
  #completed = 0;
  constructor(peer: ActorRef<Ponger>, rounds: number, done: () => void) {
    super();
    this.#peer = peer;
    this.#rounds = rounds;
    this.#done = done;
  }
  /** Round trip `n` is complete; serve the next one or finish. */
  pong(n: number): void {
    this.#completed = n;
    if (n === this.#rounds) this.#done();
    else this.#peer.tell("ping", n + 1);
  }
  completed(): number {
    return this.#completed;
  }
}

class Ponger extends Actor {
  #peer: ActorRef<Pinger> | null = null;
  connect(peer: ActorRef<Pinger>): void {
    this.#peer = peer;
  }
  ping(n: number): void {
    (this.#peer as ActorRef<Pinger>).tell("pong", n);
  }
}

class Server extends Actor {
  get(): number {
    return 1;
  }
}

class Idle extends Actor {
  ping(): number {
    return 1;
  }
}

/** Runs `body` with a fresh system and always shuts it down (outside the timed part). */
async function withSystem(body: (system: ActorSystem) => Promise<Sample>): Promise<Sample> {
  const system = new ActorSystem({ name: "bench" });
  try {
    return await body(system);
  } finally {
    await system.shutdown();
  }
}

// ---------------------------------------------------------------- bare baselines

/** One small message object per message, as the baselines' queues carry. */
class Message {
  constructor(readonly by: number) {}
}

class BareCounter {
  readonly queue: RingQueue<Message>;
  count = 0;
  constructor(capacity: number) {
    this.queue = new RingQueue(capacity);
  }
  inc(by: number): void {
    this.count += by;
  }
  drain(): void {
    const queue = this.queue;
    for (let m = queue.shift(); m !== undefined; m = queue.shift()) this.inc(m.by);
  }
}

class BarePinger {
  readonly queue = new RingQueue<Message>(16);
  peer: BarePonger | null = null;
  completed = 0;
  constructor(readonly rounds: number) {}
  pong(n: number): void {
    this.completed = n;
    if (n !== this.rounds) (this.peer as BarePonger).queue.push(new Message(n + 1));
  }
  drain(): void {
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) this.pong(m.by);
  }
}

class BarePonger {
  readonly queue = new RingQueue<Message>(16);
  peer: BarePinger | null = null;
  ping(n: number): void {
    (this.peer as BarePinger).queue.push(new Message(n));
  }
  drain(): void {
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) this.ping(m.by);
  }
}

interface Request {
  readonly resolve: (value: number) => void;
  readonly value: number;
}

/**
 * The least an asynchronous request/reply can cost: a Promise per request, a ring queue, and
 * one drain per batch scheduled on a microtask (a reply can never run inside the caller).
 */
class BareServer {
  readonly #queue: RingQueue<Request>;
  #scheduled = false;
  constructor(capacity: number) {
    this.#queue = new RingQueue(capacity);
  }
  ask(value: number): Promise<number> {
    return new Promise<number>((resolve) => {
      this.#queue.push({ resolve, value });
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(this.#drain);
      }
    });
  }
  readonly #drain = (): void => {
    this.#scheduled = false;
    const queue = this.#queue;
    for (let r = queue.shift(); r !== undefined; r = queue.shift()) r.resolve(r.value);
  };
}

// ---------------------------------------------------------------- scenarios

type Target =
  | { readonly kind: "ratio"; readonly atLeast: number; readonly label: string }
  | { readonly kind: "rate"; readonly atLeast: number; readonly label: string }
  | { readonly kind: "bytes"; readonly atMost: number; readonly label: string };

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly sizeLabel: string;
  /** Operations per run: messages, round trips, asks or actors. */
  readonly ops: number;
  readonly unit: string;
  readonly baselineUnit: string;
  readonly target: Target;
  readonly baseline: Run;
  readonly troupe: Run;
  /** Also report `extra.bytesPerItem` of each run as a memory row. */
  readonly memory?: { readonly title: string; readonly target: Target };
}

function tellScenario(n: number): Scenario {
  return {
    id: "tell",
    title: "tell throughput",
    sizeLabel: `${formatInteger(n)} msgs`,
    ops: n,
    unit: "msg/s",
    baselineUnit: "msg/s",
    target: { kind: "ratio", atLeast: 1 / 3, label: "≥ 1/3" },
    baseline: () => {
      const counter = new BareCounter(n);
      const start = performance.now();
      for (let i = 0; i < n; i++) counter.queue.push(new Message(1));
      counter.drain();
      const ms = since(start);
      check(counter.count === n, `bare counter saw ${counter.count} of ${n}`);
      return Promise.resolve({ ms });
    },
    troupe: () =>
      withSystem(async (system) => {
        const counter = system.spawn(Counter);
        await counter.ask("get"); // started
        const done = counter.with(DONE_TIMEOUT);
        const start = performance.now();
        for (let i = 0; i < n; i++) counter.tell("inc", 1);
        const count = await done.ask("get");
        const ms = since(start);
        check(count === n, `counter saw ${count} of ${n} messages`);
        return { ms };
      }),
  };
}

function pingPongScenario(rounds: number): Scenario {
  return {
    id: "ping-pong",
    title: "ping-pong (2 actors)",
    sizeLabel: `${formatInteger(rounds)} round trips`,
    ops: rounds,
    unit: "round trips/s",
    baselineUnit: "round trips/s",
    target: { kind: "ratio", atLeast: 1 / 4, label: "≥ 1/4" },
    baseline: () => {
      const a = new BarePinger(rounds);
      const b = new BarePonger();
      a.peer = b;
      b.peer = a;
      const start = performance.now();
      b.queue.push(new Message(1));
      while (a.queue.length > 0 || b.queue.length > 0) {
        b.drain();
        a.drain();
      }
      const ms = since(start);
      check(a.completed === rounds, `bare ping-pong completed ${a.completed} of ${rounds}`);
      return Promise.resolve({ ms });
    },
    troupe: () =>
      withSystem(async (system) => {
        let finish!: () => void;
        const finished = new Promise<void>((resolve) => {
          finish = resolve;
        });
        const ponger = system.spawn(Ponger);
        const pinger = system.spawn(() => new Pinger(ponger, rounds, finish));
        await Promise.all([ponger.ask("connect", pinger), pinger.ask("completed")]); // started
        const start = performance.now();
        ponger.tell("ping", 1);
        await finished;
        const ms = since(start);
        const completed = await pinger.ask("completed");
        check(completed === rounds, `ping-pong completed ${completed} of ${rounds}`);
        return { ms };
      }),
  };
}

function askSequentialScenario(n: number): Scenario {
  return {
    id: "ask-sequential",
    title: "ask, sequential",
    sizeLabel: `${formatInteger(n)} asks`,
    ops: n,
    unit: "asks/s",
    baselineUnit: "asks/s",
    target: { kind: "ratio", atLeast: 1 / 2, label: "≥ 1/2" },
    baseline: async () => {
      const server = new BareServer(16);
      let sum = 0;
      const start = performance.now();
      for (let i = 0; i < n; i++) sum += await server.ask(1);
      const ms = since(start);
      check(sum === n, `bare asks summed to ${sum}, expected ${n}`);
      return { ms };
    },
    troupe: () =>
      withSystem(async (system) => {
        const server = system.spawn(Server);
        await server.ask("get");
        let sum = 0;
        const start = performance.now();
        for (let i = 0; i < n; i++) sum += await server.ask("get");
        const ms = since(start);
        check(sum === n, `asks summed to ${sum}, expected ${n}`);
        return { ms };
      }),
  };
}

function askConcurrentScenario(n: number): Scenario {
  return {
    id: "ask-concurrent",
    title: "ask, concurrent",
    sizeLabel: `${formatInteger(n)} in flight`,
    ops: n,
    unit: "asks/s",
    baselineUnit: "asks/s",
    target: { kind: "ratio", atLeast: 1 / 2, label: "≥ 1/2" },
    baseline: async () => {
      const server = new BareServer(n);
      const start = performance.now();
      const pending: Promise<number>[] = [];
      for (let i = 0; i < n; i++) pending.push(server.ask(1));
      const replies = await Promise.all(pending);
      const ms = since(start);
      check(replies.length === n && replies[n - 1] === 1, "bare concurrent asks");
      return { ms };
    },
    troupe: () =>
      withSystem(async (system) => {
        const server = system.spawn(Server);
        await server.ask("get");
        const start = performance.now();
        const pending: Promise<number>[] = [];
        for (let i = 0; i < n; i++) pending.push(server.ask("get"));
        const replies = await Promise.all(pending);
        const ms = since(start);
        check(replies.length === n && replies[n - 1] === 1, "concurrent asks");
        return { ms };
      }),
  };
}

function spawnScenario(n: number): Scenario {
  let verified = false;
  return {
    id: "spawn",
    title: "spawn + start",
    sizeLabel: `${formatInteger(n)} actors`,
    ops: n,
    unit: "actors/s",
    baselineUnit: "objects/s",
    target: { kind: "rate", atLeast: 1_000_000, label: "≥ 1M actors/s" },
    memory: {
      title: "bytes per idle actor",
      target: { kind: "bytes", atMost: 400, label: "≤ 400 B" },
    },
    baseline: () => {
      // Both sides keep what they create in a packed array allocated before the "before"
      // reading, so neither pays for the array and both pay for one slot per item.
      const keep = packed<{ readonly mailbox: unknown[] }>(n);
      const before = settledHeapUsed();
      const start = performance.now();
      for (let i = 0; i < n; i++) keep[i] = { mailbox: [] };
      const ms = since(start);
      const after = settledHeapUsed();
      check(keep[n - 1] !== undefined, "bare objects were created");
      return Promise.resolve({ ms, extra: { bytesPerItem: bytesPer(before, after, n) } });
    },
    troupe: async () => {
      const system = new ActorSystem({ name: "bench" });
      let sample: Sample;
      try {
        const keep = packed<ActorRef<Idle>>(n);
        const before = settledHeapUsed();
        const start = performance.now();
        for (let i = 0; i < n; i++) keep[i] = system.spawn(Idle);
        const spawnCallsMs = since(start);
        // Regression guard: with #private engine fields, cells fell into V8 dictionary mode
        // once earlier systems had died (1.9 KB per actor, 3x slower); see ActorCell.
        const cellMode = inFastMode(deliveryOf(keep[0] as ActorRef<Idle>));
        check(cellMode !== false, "actor cells are in V8 dictionary mode (slow, large)");
        // The run queue is FIFO and Idle's onStart is synchronous, so when the last actor
        // answers, every actor spawned before it has run its first turn (it has started).
        await (keep[n - 1] as ActorRef<Idle>).with(DONE_TIMEOUT).ask("ping");
        const ms = since(start);
        const after = settledHeapUsed();
        if (!verified) {
          const actors = system.inspect().actors;
          check(actors.length === n, `inspect() lists ${actors.length} of ${n} actors`);
          check(
            actors.every((a) => a.status === "running"),
            "every spawned actor is running once the last one answered",
          );
          verified = true;
        }
        sample = { ms, extra: { bytesPerItem: bytesPer(before, after, n), spawnCallsMs } };
      } catch (error) {
        await system.shutdown();
        throw error;
      }
      const stopStart = performance.now();
      await system.shutdown();
      return { ms: sample.ms, extra: { ...sample.extra, shutdownMs: since(stopStart) } };
    },
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function bytesPer(before: number | null, after: number | null, n: number): number | null {
  return before === null || after === null ? null : (after - before) / n;
}

function fanOutScenario(actors: number, perActor: number): Scenario {
  const total = actors * perActor;
  return {
    id: "fan-out",
    title: "fan-out",
    sizeLabel: `${formatInteger(actors)} actors × ${formatInteger(perActor)} msgs`,
    ops: total,
    unit: "msg/s",
    baselineUnit: "msg/s",
    target: { kind: "ratio", atLeast: 1 / 3, label: "≥ 1/3" },
    baseline: () => {
      const counters: BareCounter[] = [];
      for (let a = 0; a < actors; a++) counters.push(new BareCounter(perActor));
      const start = performance.now();
      for (let m = 0; m < perActor; m++)
        for (let a = 0; a < actors; a++) (counters[a] as BareCounter).queue.push(new Message(1));
      for (let a = 0; a < actors; a++) (counters[a] as BareCounter).drain();
      const ms = since(start);
      check(
        counters.every((c) => c.count === perActor),
        "every bare counter saw all its messages",
      );
      return Promise.resolve({ ms });
    },
    troupe: () =>
      withSystem(async (system) => {
        const refs: ActorRef<Counter>[] = [];
        for (let a = 0; a < actors; a++) refs.push(system.spawn(Counter));
        const waits = refs.map((r) => r.with(DONE_TIMEOUT));
        await Promise.all(refs.map((r) => r.ask("get"))); // all started
        const start = performance.now();
        for (let m = 0; m < perActor; m++)
          for (let a = 0; a < actors; a++) (refs[a] as ActorRef<Counter>).tell("inc", 1);
        const counts = await Promise.all(waits.map((r) => r.ask("get")));
        const ms = since(start);
        check(
          counts.every((c) => c === perActor),
          "every counter saw all its messages",
        );
        return { ms };
      }),
  };
}

function scenarios(sizes: Sizes): Scenario[] {
  return [
    tellScenario(sizes.tell),
    pingPongScenario(sizes.pingPong),
    askSequentialScenario(sizes.askSequential),
    askConcurrentScenario(sizes.askConcurrent),
    spawnScenario(sizes.spawn),
    fanOutScenario(sizes.fanOutActors, sizes.fanOutMessages),
  ];
}

// ---------------------------------------------------------------- report

interface MetricResult {
  readonly scenario: string;
  readonly metric: "throughput" | "bytes";
  readonly title: string;
  readonly size: string;
  readonly ops: number;
  readonly unit: string;
  readonly baselineUnit: string;
  readonly troupe: Summary;
  readonly baseline: Summary;
  /** median(troupe) / median(baseline): the number in the table. */
  readonly ratio: number | null;
  /** The same ratio taken per interleaved pair of runs, summarised (robust to drift). */
  readonly pairedRatio: Summary | null;
  readonly target: Target;
  /** Null when it could not be measured (bytes without `--expose-gc`). */
  readonly met: boolean | null;
}

function rates(samples: readonly Sample[], ops: number): number[] {
  return samples.map((s) => ops / (s.ms / 1000));
}

function extras(samples: readonly Sample[], key: string): number[] | null {
  const values = samples.map((s) => s.extra?.[key]);
  return values.every((v): v is number => typeof v === "number") ? values : null;
}

function pairRatios(troupe: readonly number[], baseline: readonly number[]): Summary | null {
  if (troupe.length === 0 || troupe.length !== baseline.length) return null;
  return summarize(troupe.map((t, i) => t / (baseline[i] as number)));
}

function isMet(target: Target, troupe: number, ratio: number | null): boolean | null {
  if (!Number.isFinite(troupe)) return null;
  switch (target.kind) {
    case "ratio":
      return ratio === null ? null : ratio >= target.atLeast;
    case "rate":
      return troupe >= target.atLeast;
    case "bytes":
      return troupe <= target.atMost;
    default:
      return target satisfies never;
  }
}

function evaluate(scenario: Scenario, samples: PairedSamples): MetricResult[] {
  const troupeRates = rates(samples.subject, scenario.ops);
  const baselineRates = rates(samples.baseline, scenario.ops);
  const troupe = summarize(troupeRates);
  const baseline = summarize(baselineRates);
  const ratio = baseline.median > 0 ? troupe.median / baseline.median : null;
  const results: MetricResult[] = [
    {
      scenario: scenario.id,
      metric: "throughput",
      title: scenario.title,
      size: scenario.sizeLabel,
      ops: scenario.ops,
      unit: scenario.unit,
      baselineUnit: scenario.baselineUnit,
      troupe,
      baseline,
      ratio,
      pairedRatio: pairRatios(troupeRates, baselineRates),
      target: scenario.target,
      met: isMet(scenario.target, troupe.median, ratio),
    },
  ];
  if (scenario.memory !== undefined) {
    const t = extras(samples.subject, "bytesPerItem");
    const b = extras(samples.baseline, "bytesPerItem");
    const tSummary = summarize(t ?? []);
    const bSummary = summarize(b ?? []);
    const bytesRatio =
      t === null || b === null || bSummary.median <= 0 ? null : tSummary.median / bSummary.median;
    results.push({
      scenario: scenario.id,
      metric: "bytes",
      title: scenario.memory.title,
      size: scenario.sizeLabel,
      ops: scenario.ops,
      unit: "B/actor",
      baselineUnit: "B/object",
      troupe: tSummary,
      baseline: bSummary,
      ratio: bytesRatio,
      pairedRatio: t === null || b === null ? null : pairRatios(t, b),
      target: scenario.memory.target,
      met: t === null ? null : isMet(scenario.memory.target, tSummary.median, bytesRatio),
    });
  }
  return results;
}

const COLUMNS: readonly Column[] = [
  { title: "scenario" },
  { title: "size" },
  { title: "troupe (median)", align: "right" },
  { title: "baseline (median)", align: "right" },
  { title: "troupe / baseline", align: "right" },
  { title: "target" },
  { title: "met?" },
  { title: "spread troupe / baseline", align: "right" },
];

function formatValue(value: number, unit: string, metric: MetricResult["metric"]): string {
  if (!Number.isFinite(value)) return "n/a";
  return metric === "bytes" ? `${Math.round(value)} ${unit}` : `${formatCount(value)} ${unit}`;
}

function row(result: MetricResult, quick: boolean): string[] {
  const met = result.met === null ? "n/a" : result.met ? "yes" : "NO";
  return [
    result.title,
    result.size,
    formatValue(result.troupe.median, result.unit, result.metric),
    formatValue(result.baseline.median, result.baselineUnit, result.metric),
    formatRatio(result.ratio),
    result.target.kind === "ratio" ? `${result.target.label} of baseline` : result.target.label,
    quick ? `(${met}, quick)` : met,
    `${formatSpread(result.troupe.spread)} / ${formatSpread(result.baseline.spread)}`,
  ];
}

async function run(options: SuiteOptions): Promise<SuiteReport> {
  const sizes = options.quick ? QUICK : FULL;
  const results: MetricResult[] = [];
  const shutdownMs: number[] = [];
  const spawnCallsMs: number[] = [];
  for (const scenario of scenarios(sizes)) {
    options.log(`actors: ${scenario.title} (${scenario.sizeLabel}) ...`);
    const samples = await interleave(scenario.baseline, scenario.troupe, sizes.reps);
    const evaluated = evaluate(scenario, samples);
    shutdownMs.push(...(extras(samples.subject, "shutdownMs") ?? []));
    spawnCallsMs.push(...(extras(samples.subject, "spawnCallsMs") ?? []));
    for (const r of evaluated)
      options.log(
        `  ${r.title}: troupe ${formatValue(r.troupe.median, r.unit, r.metric)}, ` +
          `baseline ${formatValue(r.baseline.median, r.baselineUnit, r.metric)}, ` +
          `ratio ${formatRatio(r.ratio)}`,
      );
    results.push(...evaluated);
  }
  const notes = [
    `Medians of ${plural(sizes.reps.repetitions, "run")} per side after ` +
      `${plural(sizes.reps.warmup, "warm-up run")}; ` +
      "troupe and baseline runs interleaved (A B, B A, ...), each after a full GC when gc is exposed.",
    "Ratio = median troupe / median baseline, both measured in this process; the per-pair " +
      "ratios are in the JSON (`pairedRatio`). Spread = (max − min) / median, shown as ±half.",
    "Baselines are bare physical limits written in the bench (bench/lib/ring-queue.ts), not " +
      "other libraries; asks' baseline includes one microtask drain per batch.",
    "spawn + start: time to spawn N actors until the last one answers an ask (the run queue is " +
      "FIFO, so all have started by then; checked with inspect()). Baseline: N plain objects " +
      "with an empty array each.",
    gcExposed
      ? "bytes per idle actor: heapUsed after a full GC, before and after spawning (and starting), divided by N; " +
        "both sides include one array slot per item."
      : "bytes per idle actor: n/a, node was run without --expose-gc (use `npm run bench`).",
  ];
  if (spawnCallsMs.length > 0)
    notes.push(
      `Of spawn + start, the ${formatInteger(sizes.spawn)} synchronous spawn() calls alone ran at ` +
        `${formatCount(sizes.spawn / (median(spawnCallsMs) / 1000))} actors/s (median); ` +
        "the rest is the actors' first turn on the dispatcher and the final ask.",
    );
  if (shutdownMs.length > 0)
    notes.push(
      `Shutting down ${formatInteger(sizes.spawn)} idle actors took ` +
        `${Math.round(median(shutdownMs))} ms (median; not part of any ratio).`,
    );
  return {
    title: "troupe benchmarks: actors",
    table: { columns: COLUMNS, rows: results.map((r) => row(r, options.quick)) },
    notes,
    data: { sizes, gcExposed, results },
  };
}

export const suite: Suite = { name: "actors", run };
