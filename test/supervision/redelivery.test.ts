/**
 * Opt-in redelivery of the failing message (`redeliver: n`): the restarted actor gets the
 * message again, its ask stays pending, and past the limit the message is a "poison" dead
 * letter and the ask rejects with the last error.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Actor, oneForOne, type ActorSystem, type DeadLetter } from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

/** Fails the first `failures` times it handles `work`, across restarts (the count is outside). */
class Flaky extends Actor {
  constructor(readonly attempts: { n: number; failures: number; log: string[] }) {
    super();
  }
  work(job: string): string {
    this.attempts.n++;
    this.attempts.log.push(`${job} #${this.attempts.n}`);
    if (this.attempts.n <= this.attempts.failures) throw new Error(`${job} failed`);
    return `${job} done`;
  }
  next(job: string): string {
    this.attempts.log.push(job);
    return job;
  }
}

class Parent extends Actor {
  constructor(readonly attempts: { n: number; failures: number; log: string[] }) {
    super();
  }
  spawnFlaky(): void {
    this.context.spawn(() => new Flaky(this.attempts), { name: "flaky" });
  }
}

function start(redeliver: number, failures: number) {
  const attempts = { n: 0, failures, log: [] as string[] };
  const parent = system.spawn(() => new Parent(attempts), {
    name: "p",
    supervision: oneForOne({ redeliver, maxRestarts: 10 }),
  });
  return { attempts, parent };
}

describe("redeliver", () => {
  it("hands the failing message to the restarted actor, before the messages behind it", async () => {
    const { attempts, parent } = start(2, 2);
    await parent.ask("spawnFlaky");
    const flaky = system.lookup<Flaky>("p/flaky");
    const reply = flaky?.ask("work", "a");
    void flaky?.ask("next", "b");
    await expect(reply).resolves.toBe("a done"); // failed twice, succeeded on the third try
    await flush();
    expect(attempts.log).toEqual(["a #1", "a #2", "a #3", "b"]);
    expect(system.inspect().actors[0]?.children[0]?.restarts).toBe(2);
  });

  it("past the limit rejects the ask with the last error and records a poison dead letter", async () => {
    const letters: DeadLetter[] = [];
    system.events.on("deadLetter", (d) => letters.push(d));
    const { attempts, parent } = start(1, 5);
    await parent.ask("spawnFlaky");
    const flaky = system.lookup<Flaky>("p/flaky");
    const reply = flaky?.ask("work", "x");
    await expect(reply).rejects.toThrow("x failed");
    expect(attempts.log).toEqual(["x #1", "x #2"]);
    expect(letters).toContainEqual(
      expect.objectContaining({ recipient: "/user/p/flaky", method: "work", reason: "poison" }),
    );
    await expect(flaky?.ask("next", "y")).resolves.toBe("y"); // the actor goes on
  });

  it("is off by default: the ask rejects at once and the message is not retried", async () => {
    const { attempts, parent } = start(0, 1);
    await parent.ask("spawnFlaky");
    const flaky = system.lookup<Flaky>("p/flaky");
    await expect(flaky?.ask("work", "z")).rejects.toThrow("z failed");
    await expect(flaky?.ask("next", "after")).resolves.toBe("after");
    expect(attempts.log).toEqual(["z #1", "after"]);
  });

  it("a stop instead of a restart answers the held ask with the error", async () => {
    const attempts = { n: 0, failures: 5, log: [] as string[] };
    const parent = system.spawn(() => new Parent(attempts), {
      name: "p",
      supervision: oneForOne({ redeliver: 3, decide: () => "stop" }),
    });
    await parent.ask("spawnFlaky");
    await expect(system.lookup<Flaky>("p/flaky")?.ask("work", "s")).rejects.toThrow("s failed");
    expect(attempts.log).toEqual(["s #1"]);
  });
});

describe("redeliver with async handlers", () => {
  class AsyncFlaky extends Actor {
    constructor(readonly attempts: { n: number; failures: number; log: string[] }) {
      super();
    }
    async work(job: string): Promise<string> {
      await Promise.resolve();
      this.attempts.n++;
      this.attempts.log.push(`${job} #${this.attempts.n}`);
      if (this.attempts.n <= this.attempts.failures) throw new Error(`${job} failed`);
      return `${job} done`;
    }
  }

  class AsyncParent extends Actor {
    constructor(readonly attempts: { n: number; failures: number; log: string[] }) {
      super();
    }
    spawnFlaky(): void {
      this.context.spawn(() => new AsyncFlaky(this.attempts), { name: "flaky" });
    }
  }

  it("bug: a rejected async handler was not redelivered; now it is, like a throwing one", async () => {
    const attempts = { n: 0, failures: 2, log: [] as string[] };
    const parent = system.spawn(() => new AsyncParent(attempts), {
      name: "ap",
      supervision: oneForOne({ redeliver: 2, maxRestarts: 10 }),
    });
    await parent.ask("spawnFlaky");
    await expect(system.lookup<AsyncFlaky>("ap/flaky")?.ask("work", "a")).resolves.toBe("a done");
    expect(attempts.log).toEqual(["a #1", "a #2", "a #3"]);
  });
});
