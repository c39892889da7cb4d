/**
 * Fairness of the dispatcher: with the event loop (a flooded actor must not starve timers)
 * and between actors (each gets turns of at most `throughput` messages, round robin).
 * Nothing here measures time: the tests record the order in which things happen.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Actor, ActorSystem, type ActorSystemOptions } from "../../src/index.js";
import { VirtualClock } from "../../src/testing/index.js";

/** Counts the messages it handles, in a counter the test can read at any moment. */
class Tally extends Actor {
  constructor(readonly counter: { n: number }) {
    super();
  }
  tick(): void {
    this.counter.n++;
  }
  total(): number {
    return this.counter.n;
  }
}

/** Appends its id to a shared log for every message it handles. */
class Logger extends Actor {
  constructor(
    readonly id: string,
    readonly log: string[],
  ) {
    super();
  }
  handle(): void {
    this.log.push(this.id);
  }
  done(): number {
    return this.log.length;
  }
}

/**
 * The handling order round-robin turns must produce: actors take turns in the order they
 * first got work, each handling up to `throughput` messages per turn.
 */
function roundRobin(counts: Record<string, number>, throughput: number): string[] {
  const left = new Map(Object.entries(counts));
  const out: string[] = [];
  while (left.size > 0) {
    for (const [id, n] of left) {
      const turn = Math.min(n, throughput);
      for (let i = 0; i < turn; i++) out.push(id);
      if (n - turn === 0) left.delete(id);
      else left.set(id, n - turn);
    }
  }
  return out;
}

let system: ActorSystem | undefined;

function makeSystem(options: ActorSystemOptions = {}): ActorSystem {
  // A virtual clock keeps ask deadlines out of real time; the dispatcher's fairness budget
  // always runs on the real loop, which is what these tests observe.
  system = new ActorSystem({ clock: new VirtualClock(), ...options });
  return system;
}

afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

describe("fairness with the event loop", () => {
  it("a setTimeout(0) set before a flood of 1,000,000 tells fires before the flood is done", async () => {
    const sys = makeSystem();
    const counter = { n: 0 };
    const tally = sys.spawn(() => new Tally(counter));
    const N = 1_000_000;
    const atTimeout = new Promise<number>((resolve) => setTimeout(() => resolve(counter.n), 0));
    const atImmediate = new Promise<number>((resolve) => setImmediate(() => resolve(counter.n)));
    for (let i = 0; i < N; i++) tally.tell("tick");
    const done = tally.ask("total");

    const handledWhenTimerFired = await atTimeout;
    const handledAtImmediate = await atImmediate;
    // The flood had started (the drain begins on a microtask, before any macrotask)...
    expect(handledWhenTimerFired).toBeGreaterThan(0);
    expect(handledAtImmediate).toBeGreaterThan(0);
    // ...but the loop got its turn long before the flood was through.
    expect(handledWhenTimerFired).toBeLessThan(N);
    expect(handledAtImmediate).toBeLessThan(N);
    // And the flood completes.
    await expect(done).resolves.toBe(N);
  });
});

describe("fairness between actors", () => {
  it("two flooded actors take turns of `throughput` (default 64) messages", async () => {
    const sys = makeSystem();
    const log: string[] = [];
    const a = sys.spawn(() => new Logger("a", log));
    const b = sys.spawn(() => new Logger("b", log));
    for (let i = 0; i < 1000; i++) a.tell("handle");
    for (let i = 0; i < 1000; i++) b.tell("handle");
    await a.ask("done");
    await b.ask("done");

    expect(log).toHaveLength(2000);
    // Neither finished its flood before the other started...
    expect(log.indexOf("b")).toBeLessThan(log.lastIndexOf("a"));
    expect(log.indexOf("a")).toBeLessThan(log.lastIndexOf("b"));
    // ...and the interleaving is exactly round robin in turns of 64.
    expect(log).toEqual(roundRobin({ a: 1000, b: 1000 }, 64));
  });

  it("honours a configured throughput with three actors and uneven floods", async () => {
    const sys = makeSystem({ dispatcher: { throughput: 10 } });
    const log: string[] = [];
    const counts = { a: 95, b: 30, c: 61 };
    const refs = Object.keys(counts).map((id) => sys.spawn(() => new Logger(id, log)));
    refs.forEach((ref, k) => {
      const n = Object.values(counts)[k] as number;
      for (let i = 0; i < n; i++) ref.tell("handle");
    });
    for (const ref of refs) await ref.ask("done");
    expect(log).toEqual(roundRobin(counts, 10));
  });

  it("with throughput 1, two flooded actors strictly alternate", async () => {
    const sys = makeSystem({ dispatcher: { throughput: 1 } });
    const log: string[] = [];
    const a = sys.spawn(() => new Logger("a", log));
    const b = sys.spawn(() => new Logger("b", log));
    for (let i = 0; i < 500; i++) a.tell("handle");
    for (let i = 0; i < 500; i++) b.tell("handle");
    await a.ask("done");
    await b.ask("done");
    expect(log).toHaveLength(1000);
    expect(log).toEqual(Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? "a" : "b")));
  });

  it("an actor flooded with 200,000 tells does not delay a newcomer by more than one turn", async () => {
    const sys = makeSystem();
    const log: string[] = [];
    const flood = sys.spawn(() => new Logger("flood", log));
    const newcomer = sys.spawn(() => new Logger("new", log));
    for (let i = 0; i < 200_000; i++) flood.tell("handle");
    newcomer.tell("handle");
    await newcomer.ask("done");
    // The newcomer's message was handled after the flood's first turn of 64, not after 200,000.
    expect(log.indexOf("new")).toBe(64);
    await flood.ask("done");
  });
});
