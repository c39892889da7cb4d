/**
 * Loop vs threads: waits overlap on the event loop; CPU work needs the thread pool.
 *
 * All actors share one event loop. While a handler awaits (a timer here; a network call or a
 * query in real code) the loop is free, so waits overlap without any thread. While a handler
 * computes, nothing else runs: not other actors, not timers. A `Heartbeat` actor ticks every
 * 10 ms throughout and records how late each tick is handled: that is the event-loop delay.
 *
 * 1. Three 1 s waits: sent at once to an actor with the default `concurrency: 1`, they run one
 *    after another (an actor handles one message at a time, async ones included); with
 *    `concurrency: 3` they overlap.
 * 2. Four prime counts: in handlers, on the loop, they run one after another and the heartbeat
 *    stalls (even the replies of finished counts wait for the last one); offloaded
 *    (`this.offload`), the pool's threads run them in parallel and the heartbeat keeps its beat.
 * 3. A thread-resident actor (`threadActor`) keeps state in its own thread between messages.
 *
 * The summary prints what this run measured; the speedup on threads depends on free cores.
 *
 * Run it with `npm run example -- loop-vs-threads`.
 */
// Inside this repository the examples import the source; your code imports "troupe".
import { availableParallelism } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { Actor, ActorSystem, taskModule, threadActor, type ActorRef } from "../src/index.js";
import type * as Primes from "./_primes.js";
import { countPrimes } from "./_primes.js";

const primesUrl = new URL("./_primes.ts", import.meta.url);
const tasks = taskModule<typeof Primes>(primesUrl);
const WAITS = 3;
const WAIT_MS = 1_000;
const COUNTS = 4;
const LIMIT = 1_000_000;
const TICK_MS = 10;
/** For asks that may take seconds on a busy machine (the default ask timeout is 5 s). */
const PATIENT = { timeout: 60_000 } as const;

function say(who: string, text: string): void {
  console.log(`${who.padEnd(11)} ${text}`);
}

interface Lateness {
  readonly max: number;
  readonly p99: number;
}

/** Ticks every 10 ms; each tick records how much later than planned it was handled. */
class Heartbeat extends Actor {
  #due = 0;
  #late: number[] = [];

  protected override onStart(): void {
    this.#schedule(performance.now());
  }

  beat(): void {
    const now = performance.now();
    this.#late.push(Math.max(0, now - this.#due));
    this.#schedule(now);
  }

  /** The lateness since the last call (a tick still overdue included); starts a new window. */
  window(): Lateness {
    const now = performance.now();
    const late = this.#late;
    if (now > this.#due) {
      late.push(now - this.#due);
      this.#due = now; // the overdue tick counts from now on, in the next window
    }
    this.#late = [];
    late.sort((a, b) => a - b);
    const p99 = late[Math.max(0, Math.ceil(late.length * 0.99) - 1)] ?? 0;
    return { max: late.at(-1) ?? 0, p99 };
  }

  /** A one-shot timer re-armed by each beat: after a stall, no burst of catch-up ticks. */
  #schedule(now: number): void {
    this.#due = now + TICK_MS;
    this.timers.once("beat", TICK_MS, (self) => self.beat());
  }
}

class Sleeper extends Actor {
  /** Waits without holding the loop: the timer runs in Node, not in this handler. */
  async wait(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.signal });
  }
}

/** A count and the moment (performance.now()) the handler had it. */
interface Count {
  readonly primes: number;
  readonly at: number;
}

class Counter extends Actor {
  /**
   * On the event loop: nothing else runs until it returns, not even the delivery of the
   * replies of the counts that finished before it.
   */
  onLoop(limit: number): Count {
    return { primes: countPrimes(limit), at: performance.now() };
  }

  /** On a thread: the handler waits, the event loop does not. */
  async offloaded(limit: number): Promise<Count> {
    return { primes: await this.offload(tasks.countPrimes, limit), at: performance.now() };
  }
}

interface Row {
  readonly mode: string;
  readonly work: string;
  readonly ms: number;
  /** The wall time this row is compared with. */
  readonly baselineMs: number;
  readonly late: Lateness;
}

/** How many times faster than its baseline, to one decimal. */
const speedup = (r: Row): string => (r.baselineMs / r.ms).toFixed(1);

const system = new ActorSystem({ name: "loop-vs-threads" });
const heartbeat = system.spawn(Heartbeat, { name: "heartbeat" });
const rows: Row[] = [];

/** Runs `run` between two heartbeat windows and adds a row to the summary. */
async function measure(
  mode: string,
  work: string,
  run: (since: (t?: number) => string) => Promise<unknown>,
  baseline?: Row,
): Promise<Row> {
  await heartbeat.ask("window"); // a fresh window: only this work's lateness counts
  const started = performance.now();
  await run((t = performance.now()) => `${(t - started).toFixed(0)} ms`);
  const ms = performance.now() - started;
  const late = await heartbeat.ask("window");
  const row = { mode, work, ms, baselineMs: baseline?.ms ?? ms, late };
  say(mode, `done in ${ms.toFixed(0)} ms; heartbeat at most ${late.max.toFixed(0)} ms late`);
  rows.push(row);
  return row;
}

/** Sends the three waits at once and prints each as it completes. */
function waits(sleeper: ActorRef<Sleeper>, mode: string) {
  return (since: () => string) =>
    Promise.all(
      Array.from({ length: WAITS }, (_, i) =>
        sleeper
          .with(PATIENT)
          .ask("wait", WAIT_MS)
          .then(() => say(mode, `wait ${i + 1} of ${WAITS} done at ${since()}`)),
      ),
    );
}

/** Asks every counter at once; prints when each had its count, and when its reply came. */
function counts(counters: ActorRef<Counter>[], mode: string, how: "onLoop" | "offloaded") {
  return (since: (t?: number) => string) =>
    Promise.all(
      counters.map((counter, i) =>
        counter
          .with(PATIENT)
          .ask(how, LIMIT)
          .then(({ primes, at }) =>
            say(
              mode,
              `count ${i + 1} of ${COUNTS}: ${primes} primes, counted at ${since(at)}, ` +
                `reply at ${since()}`,
            ),
          ),
      ),
    );
}

try {
  const threads = system.threads.options.maxThreads;
  const pool = `${threads} thread${threads === 1 ? "" : "s"}`;
  say("machine", `availableParallelism() = ${availableParallelism()}; a pool of ${pool}`);

  console.log(`== 1. ${WAITS} waits of ${WAIT_MS} ms, sent at once`);
  const one = system.spawn(Sleeper, { name: "one-at-a-time" });
  const many = system.spawn(Sleeper, { name: "overlapping", concurrency: WAITS });
  const work1 = `${WAITS} waits of ${WAIT_MS} ms`;
  const sequential = await measure("sequential", work1, waits(one, "sequential"));
  const concurrent = await measure("concurrent", work1, waits(many, "concurrent"), sequential);

  console.log(`== 2. ${COUNTS} counts of the primes below ${LIMIT}, asked at once`);
  const counters = Array.from({ length: COUNTS }, (_, i) =>
    system.spawn(Counter, { name: `counter-${i + 1}` }),
  );
  // Start the threads (and load the task module in them) before measuring.
  await Promise.all(counters.map((c) => c.with(PATIENT).ask("offloaded", 1_000)));
  const work2 = `${COUNTS} prime counts`;
  const onLoop = await measure("loop", work2, counts(counters, "loop", "onLoop"));
  const onThreads = await measure(
    "threads",
    work2,
    counts(counters, "threads", "offloaded"),
    onLoop,
  );

  console.log("== 3. a thread-resident actor keeps its state between messages");
  const sieve = system
    .spawn(threadActor<typeof Primes, "Sieve">(primesUrl, "Sieve"), { name: "sieve" })
    .with(PATIENT); // the first ask also waits for the thread to start
  say("sieve", `${await sieve.ask("extend", 50_000)} primes below 50000, found in its own thread`);
  say("sieve", `still knows them: the largest is ${await sieve.ask("largest")}`);

  console.log(`== summary (availableParallelism() = ${availableParallelism()})`);
  const columns = (cells: string[]): string => cells.map((c) => c.padStart(12)).join("");
  say(
    "mode",
    `${"work".padEnd(18)}${columns(["wall ms", "speedup", "late max ms", "late p99 ms"])}`,
  );
  for (const r of rows) {
    const late = [r.late.max.toFixed(0), r.late.p99.toFixed(0)];
    say(r.mode, `${r.work.padEnd(18)}${columns([r.ms.toFixed(0), `${speedup(r)}x`, ...late])}`);
  }
  // Only what this run measured: on a busy machine the threads may have had no core to spare.
  const most = Math.min(threads, availableParallelism());
  say("waits", `overlapping them on the one loop: ${speedup(concurrent)}x; a wait holds no thread`);
  say(
    "cpu",
    `${pool}: ${speedup(onThreads)}x (at most ${most}x here)` +
      (Number(speedup(onThreads)) <= 1.2
        ? "; little or none this run: threads need free cores"
        : ""),
  );
  say(
    "event loop",
    `heartbeat at most ${onLoop.late.max.toFixed(0)} ms late with the counts on the loop, ` +
      `${onThreads.late.max.toFixed(0)} ms with them on threads`,
  );
} finally {
  await system.shutdown();
  say("shutdown", "actors first, then the pool");
}
