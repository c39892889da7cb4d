/**
 * What supervision shows while it works: the `maxRestartsExceeded` event and the backoff
 * state of a restart that waits, in `system.inspect()`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  backoff,
  oneForOne,
  type ActorSystem,
  type MaxRestartsExceededEvent,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

class Fragile extends Actor {
  crash(): void {
    throw new Error("fragile");
  }
  ping(): string {
    return "pong";
  }
}

class Parent extends Actor {
  spawnFragile(): void {
    this.context.spawn(Fragile, { name: "fragile" });
  }
}

describe("supervision observability", () => {
  it("emits maxRestartsExceeded with the limit and what the supervisor does next", async () => {
    const events: MaxRestartsExceededEvent[] = [];
    system.events.on("maxRestartsExceeded", (e) => events.push(e));
    const parent = system.spawn(Parent, {
      name: "p",
      supervision: oneForOne({ maxRestarts: 1, within: 1_000 }),
    });
    await parent.ask("spawnFragile");
    const child = system.lookup<Fragile>("p/fragile");
    child?.tell("crash");
    await flush();
    expect(events).toEqual([]); // the first failure is a restart
    child?.tell("crash");
    await flush();
    expect(events).toEqual([
      { path: "/user/p/fragile", maxRestarts: 1, withinMs: 1_000, then: "stop-child" },
    ]);
  });

  it("shows a restart waiting for its backoff in inspect(), and clears it after", async () => {
    const parent = system.spawn(Parent, {
      name: "p",
      supervision: oneForOne({ backoff: backoff({ min: 200, max: 1_000, jitter: 0 }) }),
    });
    await parent.ask("spawnFragile");
    system.lookup<Fragile>("p/fragile")?.tell("crash");
    await flush();
    const waiting = system.inspect().actors[0]?.children[0];
    expect(waiting).toMatchObject({
      status: "restarting",
      backoff: { attempt: 1, delayMs: 200, restartsAt: 200 },
    });
    await clock.advance(200);
    const restarted = system.inspect().actors[0]?.children[0];
    expect(restarted).toMatchObject({ status: "running", restarts: 1, backoff: null });
    await expect(system.lookup<Fragile>("p/fragile")?.ask("ping")).resolves.toBe("pong");
  });
});

describe("messages held during a backoff", () => {
  it("are kept up to backoffBuffer; more are dropped to dead letters and their asks rejected", async () => {
    const letters: string[] = [];
    system.events.on("deadLetter", (d) => letters.push(`${d.method}:${d.reason}`));
    const parent = system.spawn(Parent, {
      name: "p",
      supervision: oneForOne({
        backoff: backoff({ min: 500, max: 500, jitter: 0 }),
        backoffBuffer: 2,
      }),
    });
    await parent.ask("spawnFragile");
    const child = system.lookup<Fragile>("p/fragile");
    if (child === undefined) throw new Error("the child was not spawned");
    child.tell("crash");
    await flush(); // now waiting 500 ms to restart
    const kept = [child.ask("ping"), child.ask("ping")];
    const dropped = child.ask("ping");
    await expect(dropped).rejects.toMatchObject({
      code: "ERR_MESSAGE_DROPPED",
      reason: "dropped-newest",
    });
    expect(letters).toEqual(["ping:dropped-newest"]);
    await clock.advance(500);
    await expect(Promise.all(kept)).resolves.toEqual(["pong", "pong"]);
    // After the restart the limit is gone again.
    const many = Array.from({ length: 5 }, () => child.ask("ping"));
    await expect(Promise.all(many)).resolves.toHaveLength(5);
  });
});
