/**
 * Coroutines vs threads: CPU work on the event loop stalls every actor; offloaded, it does not.
 *
 * A `Heartbeat` actor ticks every 10 ms and records how late each tick is. First a `Counter`
 * counts primes in its handler, on the loop: the heartbeat stalls. Then the same work is
 * offloaded to the system's thread pool (`this.offload`): the heartbeat keeps its beat while
 * the threads compute, several counts in parallel. Last, a thread-resident actor (a class
 * living in its own thread, behind a typed ref) keeps state between messages.
 *
 * Run: `npm run example -- threads`
 */
import { Actor, ActorSystem, taskModule, threadActor, type ActorRef } from "../src/index.js";
import type * as Primes from "./_primes.js";
import { countPrimes } from "./_primes.js";

const primesUrl = new URL("./_primes.ts", import.meta.url);
const tasks = taskModule<typeof Primes>(primesUrl);
const LIMIT = 300_000;
const JOBS = 4;

class Heartbeat extends Actor {
  #expected = 0;
  #worst = 0;
  protected override onStart(): void {
    this.#expected = performance.now() + 10;
    this.timers.periodic("beat", 10, (self) => self.beat());
  }
  beat(): void {
    const now = performance.now();
    this.#worst = Math.max(this.#worst, now - this.#expected);
    this.#expected = now + 10;
  }
  /** The worst lateness since the last reset (a beat still overdue included), in ms. */
  reset(): number {
    const now = performance.now();
    const worst = Math.max(this.#worst, now - this.#expected);
    this.#expected = Math.max(this.#expected, now); // an overdue beat counts from now on
    this.#worst = 0;
    return worst;
  }
}

class Counter extends Actor {
  /** On the event loop: nothing else runs until it returns. */
  onLoop(limit: number): number {
    return countPrimes(limit);
  }
  /** On a thread: the handler waits, the event loop does not. */
  async offloaded(limit: number): Promise<number> {
    return await this.offload(tasks.countPrimes, limit);
  }
}

async function measure(
  title: string,
  heartbeat: ActorRef<Heartbeat>,
  work: () => Promise<number[]>,
): Promise<void> {
  await heartbeat.ask("reset");
  const started = performance.now();
  const counts = await work();
  const ms = performance.now() - started;
  const late = await heartbeat.ask("reset");
  console.log(
    `${title.padEnd(9)} ${JOBS} counts of primes below ${LIMIT}: ${counts[0]} each, ` +
      `${ms.toFixed(0)} ms; heartbeat at most ${late.toFixed(0)} ms late`,
  );
}

const system = new ActorSystem({ name: "threads" });
const heartbeat = system.spawn(Heartbeat, { name: "heartbeat" });
const counters = Array.from({ length: JOBS }, (_, i) =>
  system.spawn(Counter, { name: `counter-${i}` }),
);
console.log(`threads   a pool of ${system.threads.options.maxThreads} threads (one per core)`);
// Start every thread (and load the task module in it) before measuring.
await Promise.all(counters.map((c) => c.ask("offloaded", 1_000)));

await measure("loop", heartbeat, () => Promise.all(counters.map((c) => c.ask("onLoop", LIMIT))));
await measure("offload", heartbeat, () =>
  Promise.all(counters.map((c) => c.ask("offloaded", LIMIT))),
);

const sieve = system.spawn(threadActor<typeof Primes, "Sieve">(primesUrl, "Sieve"), {
  name: "sieve",
});
const known = await sieve.ask("extend", 50_000);
console.log(`sieve     ${known} primes below 50000 found in its own thread`);
console.log(`sieve     still knows them: the largest is ${await sieve.ask("largest")}`);

await system.shutdown();
console.log("threads   shut down: actors first, then the pool");
