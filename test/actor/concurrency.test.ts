/**
 * One message at a time per actor, async handlers included, unless the actor opts into
 * `concurrency: n`; then at most n handlers run at once, and n really do. Handlers block on
 * gates the test opens by hand, so every step is deterministic.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  InvalidOptionError,
  type ActorRef,
  type ActorSystem,
  type SpawnOptions,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { Gates, openAllGates } from "../support/gates.js";

/** Tracks which jobs run, the number in flight and its maximum. */
class Tracker {
  started: number[] = [];
  finished: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
}

class Worker extends Actor {
  constructor(
    readonly gates: Gates,
    readonly tracker: Tracker,
  ) {
    super();
  }
  async job(id: number): Promise<number> {
    const t = this.tracker;
    t.started.push(id);
    t.inFlight++;
    t.maxInFlight = Math.max(t.maxInFlight, t.inFlight);
    try {
      await this.gates.get(id).wait;
      return id * 10;
    } finally {
      t.inFlight--;
      t.finished.push(id);
    }
  }
  quick(id: number): number {
    this.tracker.started.push(id);
    this.tracker.finished.push(id);
    return id;
  }
}

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(async () => {
  openAllGates();
  await stopVirtualSystem(system, clock);
});

function spawnWorker(options?: SpawnOptions): {
  gates: Gates;
  tracker: Tracker;
  worker: ActorRef<Worker>;
} {
  const gates = new Gates();
  const tracker = new Tracker();
  const worker = system.spawn(() => new Worker(gates, tracker), options);
  return { gates, tracker, worker };
}

const inFlightOf = (): number | undefined => system.inspect().actors[0]?.inFlight;
const mailboxOf = (): number | undefined => system.inspect().actors[0]?.mailbox;

describe("one message at a time (default concurrency 1)", () => {
  it("the second message does not start before the first async handler settles", async () => {
    const { gates, tracker, worker } = spawnWorker();
    const first = worker.ask("job", 1);
    const second = worker.ask("job", 2);
    await flush();
    expect(tracker.started).toEqual([1]);
    expect(inFlightOf()).toBe(1);
    expect(mailboxOf()).toBe(1);
    gates.open(1);
    await expect(first).resolves.toBe(10);
    await flush();
    expect(tracker.started).toEqual([1, 2]);
    gates.open(2);
    await expect(second).resolves.toBe(20);
    expect(tracker.maxInFlight).toBe(1);
  });

  it("a sync message queued behind an async one also waits for it", async () => {
    const { gates, tracker, worker } = spawnWorker();
    worker.tell("job", 1);
    const quick = worker.ask("quick", 2);
    await flush();
    expect(tracker.started).toEqual([1]);
    gates.open(1);
    await expect(quick).resolves.toBe(2);
    expect(tracker.finished).toEqual([1, 2]);
  });

  it("a rejected async handler frees the actor for the next message", async () => {
    const { gates, tracker, worker } = spawnWorker();
    const first = worker.ask("job", 1);
    const second = worker.ask("job", 2);
    await flush();
    gates.fail(1, new Error("job 1 failed"));
    await expect(first).rejects.toThrow("job 1 failed");
    await flush();
    expect(tracker.started).toEqual([1, 2]);
    gates.open(2);
    await expect(second).resolves.toBe(20);
    expect(tracker.maxInFlight).toBe(1);
  });

  it("handles 20 async messages strictly one after another, in order", async () => {
    const { gates, tracker, worker } = spawnWorker();
    const replies = Array.from({ length: 20 }, (_, id) => worker.ask("job", id));
    for (let id = 0; id < 20; id++) {
      await flush();
      expect(tracker.started).toHaveLength(id + 1);
      expect(tracker.inFlight).toBe(1);
      gates.open(id);
    }
    await expect(Promise.all(replies)).resolves.toEqual(
      Array.from({ length: 20 }, (_, id) => id * 10),
    );
    expect(tracker.maxInFlight).toBe(1);
    expect(tracker.finished).toEqual(Array.from({ length: 20 }, (_, id) => id));
  });
});

describe("concurrency: n", () => {
  it.each([2, 3, 5])("runs exactly %i async handlers at once, never more", async (n) => {
    const { gates, tracker, worker } = spawnWorker({ concurrency: n });
    const jobs = 2 * n + 1;
    const replies = Array.from({ length: jobs }, (_, id) => worker.ask("job", id));
    await flush();
    expect(tracker.started).toEqual(Array.from({ length: n }, (_, id) => id));
    expect(tracker.inFlight).toBe(n);
    expect(inFlightOf()).toBe(n);
    expect(mailboxOf()).toBe(jobs - n);

    // Finishing one job lets exactly one more start.
    gates.open(0);
    await flush();
    expect(tracker.started).toHaveLength(n + 1);
    expect(tracker.inFlight).toBe(n);

    for (let id = 1; id < jobs; id++) gates.open(id);
    await expect(Promise.all(replies)).resolves.toEqual(
      Array.from({ length: jobs }, (_, id) => id * 10),
    );
    expect(tracker.maxInFlight).toBe(n);
    expect(tracker.started).toEqual(Array.from({ length: jobs }, (_, id) => id));
  });

  it("starts queued jobs in FIFO order as slots free up, whichever job finishes first", async () => {
    const { gates, tracker, worker } = spawnWorker({ concurrency: 2 });
    for (let id = 0; id < 6; id++) worker.tell("job", id);
    await flush();
    expect(tracker.started).toEqual([0, 1]);
    gates.open(1); // the second finishes first
    await flush();
    expect(tracker.started).toEqual([0, 1, 2]);
    gates.open(0);
    await flush();
    expect(tracker.started).toEqual([0, 1, 2, 3]);
    for (let id = 2; id < 6; id++) gates.open(id);
    await flush();
    expect(tracker.started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tracker.maxInFlight).toBe(2);
  });

  it("runs sync handlers inline between async ones without taking a slot", async () => {
    const { gates, tracker, worker } = spawnWorker({ concurrency: 2 });
    worker.tell("job", 1);
    const quick = worker.ask("quick", 2);
    worker.tell("job", 3);
    await expect(quick).resolves.toBe(2);
    await flush();
    expect(tracker.started).toEqual([1, 2, 3]);
    expect(tracker.inFlight).toBe(2);
    gates.open(1);
    gates.open(3);
    await flush();
    expect(tracker.inFlight).toBe(0);
  });
});

describe("invalid concurrency", () => {
  it.each([
    [0, "0 (number)"],
    [-1, "-1 (number)"],
    [1.5, "1.5 (number)"],
    [Number.NaN, "NaN (number)"],
    [Infinity, "Infinity (number)"],
    ["2", '"2" (string)'],
    [null, "null"],
  ])("rejects concurrency %s with InvalidOptionError", (value, shown) => {
    let error: unknown;
    try {
      system.spawn(() => new Worker(new Gates(), new Tracker()), { concurrency: value as number });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    const invalid = error as InvalidOptionError;
    expect(invalid.code).toBe("ERR_INVALID_OPTION");
    expect(invalid.option).toBe("concurrency");
    expect(invalid.message).toBe(`Option "concurrency" must be an integer ≥ 1; received ${shown}.`);
    expect(system.inspect().actors).toEqual([]);
  });
});
