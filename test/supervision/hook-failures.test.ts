/**
 * Errors thrown from lifecycle hooks under supervision. A failing `onStart` (sync or async)
 * or `onRestart` is a failure like any other: the restart policy applies and counts it. A
 * failing `onStop` during a restart is reported as a `failed` event with phase "onStop" and
 * the restart completes.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  MaxRestartsExceededError,
  NonErrorThrownError,
  oneForOne,
  type ActorRef,
  type ActorSystem,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { track } from "../support/track.js";
import { failureOf, recordEvents } from "./nodes.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

/** Which hooks fail, for which instances (1 = the first instance). */
interface Faults {
  readonly onStart?: (instance: number) => void | Promise<void>;
  readonly onStop?: (instance: number) => void | Promise<void>;
  readonly onRestart?: (instance: number) => void | Promise<void>;
}

/** An actor whose hooks fail as its Faults say. */
class Faulty extends Actor {
  readonly #n: number;
  readonly #faults: Faults;
  constructor(n: number, faults: Faults) {
    super();
    this.#n = n;
    this.#faults = faults;
  }
  which(): number {
    return this.#n;
  }
  fail(): void {
    throw new Error(`instance ${this.#n} failed`);
  }
  protected override onStart(): void | Promise<void> {
    return this.#faults.onStart?.(this.#n);
  }
  protected override onStop(): void | Promise<void> {
    return this.#faults.onStop?.(this.#n);
  }
  protected override onRestart(): void | Promise<void> {
    return this.#faults.onRestart?.(this.#n);
  }
}

/** A factory of numbered Faulty instances, and how many it made. */
function faulty(faults: Faults): { make: () => Faulty; made: () => number } {
  let made = 0;
  return { make: () => new Faulty(++made, faults), made: () => made };
}

/** Spawns the actor as the only child of /user/p, supervised by `supervision`. */
function spawnUnder(make: () => Faulty, supervision = oneForOne()): Promise<ActorRef<Faulty>> {
  class Parent extends Actor {
    #child!: ActorRef<Faulty>;
    protected override onStart(): void {
      this.#child = this.context.spawn(make, { name: "c" });
    }
    child(): ActorRef<Faulty> {
      return this.#child;
    }
  }
  return system.spawn(Parent, { name: "p", supervision }).ask("child");
}

describe("onStart failing", () => {
  it("is restarted until the restart limit, then stopped with MaxRestartsExceededError", async () => {
    const events = recordEvents(system);
    const { make, made } = faulty({
      onStart: (n) => {
        throw new Error(`start ${n} failed`);
      },
    });
    const c = await spawnUnder(make, oneForOne({ maxRestarts: 3, within: 1_000 }));
    await flush();

    expect(made()).toBe(4);
    expect(events.failed.map((e) => [e.path, e.phase, e.error.message])).toEqual([
      ["/user/p/c", "onStart", "start 1 failed"],
      ["/user/p/c", "onStart", "start 2 failed"],
      ["/user/p/c", "onStart", "start 3 failed"],
      ["/user/p/c", "onStart", "start 4 failed"],
    ]);
    expect(events.restarted.map((e) => [e.restarts, e.attempt])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(c.alive).toBe(false);
    const error = failureOf(events.stopped.find((e) => e.path === "/user/p/c"));
    expect(error).toBeInstanceOf(MaxRestartsExceededError);
    expect((error?.cause as Error).message).toBe("start 4 failed");
  });

  it("comes up once onStart succeeds, and the messages queued meanwhile reach that instance", async () => {
    const events = recordEvents(system);
    const { make, made } = faulty({
      onStart: (n) => {
        if (n <= 2) throw new Error(`start ${n} failed`);
      },
    });
    const c = await spawnUnder(make);
    const asked = track(c.ask("which"));
    await flush();
    expect(made()).toBe(3);
    expect(events.restarted).toHaveLength(2);
    expect(asked.value).toBe(3);
    expect(c.alive).toBe(true);
  });

  it("counts an async onStart that rejects the same way", async () => {
    const events = recordEvents(system);
    const { make, made } = faulty({
      onStart: (n) => (n === 1 ? Promise.reject(new Error("async start failed")) : undefined),
    });
    const c = await spawnUnder(make);
    await flush();
    expect(events.failed.map((e) => [e.phase, e.error.message])).toEqual([
      ["onStart", "async start failed"],
    ]);
    expect(events.restarted).toHaveLength(1);
    expect(made()).toBe(2);
    await expect(c.ask("which")).resolves.toBe(2);
  });
});

describe("onRestart failing", () => {
  it("is a new failure: the supervisor restarts again, and the count goes on", async () => {
    const events = recordEvents(system);
    const { make, made } = faulty({
      onRestart: (n) => {
        if (n === 2) throw new Error("onRestart failed");
      },
    });
    const c = await spawnUnder(make);
    c.tell("fail");
    await flush();
    expect(events.failed.map((e) => [e.phase, e.error.message])).toEqual([
      ["handler", "instance 1 failed"],
      ["onRestart", "onRestart failed"],
    ]);
    expect(events.restarted.map((e) => e.restarts)).toEqual([1, 2]);
    expect(made()).toBe(3);
    await expect(c.ask("which")).resolves.toBe(3);
  });
});

describe("onStop failing during a restart", () => {
  it('is reported as a "failed" event with phase "onStop", and the restart completes', async () => {
    const events = recordEvents(system);
    const { make } = faulty({
      onStop: (n) => {
        throw new Error(`stop ${n} failed`);
      },
    });
    const c = await spawnUnder(make);
    c.tell("fail");
    await flush();
    expect(events.failed.map((e) => [e.path, e.phase, e.error.message])).toEqual([
      ["/user/p/c", "handler", "instance 1 failed"],
      ["/user/p/c", "onStop", "stop 1 failed"],
    ]);
    expect(events.restarted).toHaveLength(1);
    await expect(c.ask("which")).resolves.toBe(2);
    // Reported, not handled as a new failure: one restart only.
    expect(events.restarted.map((e) => e.error.message)).toEqual(["instance 1 failed"]);
  });

  it("does the same for an async onStop that rejects", async () => {
    const events = recordEvents(system);
    const { make } = faulty({
      onStop: (n) => Promise.reject(new Error(`async stop ${n} failed`)),
    });
    const c = await spawnUnder(make);
    c.tell("fail");
    await flush();
    expect(events.failed.map((e) => [e.phase, e.error.message])).toEqual([
      ["handler", "instance 1 failed"],
      ["onStop", "async stop 1 failed"],
    ]);
    await expect(c.ask("which")).resolves.toBe(2);
  });

  it("names the actor when onStop throws something that is not an Error", async () => {
    const events = recordEvents(system);
    const { make } = faulty({
      onStop: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
        throw "not an error";
      },
    });
    const c = await spawnUnder(make);
    c.tell("fail");
    await flush();
    const reported = events.failed.find((e) => e.phase === "onStop")?.error;
    expect(reported).toBeInstanceOf(NonErrorThrownError);
    expect(reported).toMatchObject({ value: "not an error", actorPath: "/user/p/c" });
    expect(reported?.message).toContain("/user/p/c");
    await expect(c.ask("which")).resolves.toBe(2);
  });
});
