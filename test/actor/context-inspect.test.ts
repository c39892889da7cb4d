/** `context.inspect()`: an actor's own snapshot with its subtree, without walking the system. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Actor, type ActorSnapshot, type ActorSystem } from "../../src/index.js";
import type { VirtualClock } from "../../src/testing/index.js";
import { gate, openAllGates } from "../support/gates.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(async () => {
  openAllGates();
  await stopVirtualSystem(system, clock);
});

class Child extends Actor {
  async hold(wait: Promise<void>): Promise<void> {
    await wait;
  }
  ping(): string {
    return "pong";
  }
}

class Parent extends Actor {
  readonly #kids = [0, 1].map((i) => this.context.spawn(Child, { name: `kid-${i}` }));
  load(wait: Promise<void>): void {
    const first = this.#kids[0];
    first?.tell("hold", wait);
    first?.tell("ping");
    first?.tell("ping");
  }
  inspectSelf(): ActorSnapshot {
    return this.context.inspect();
  }
}

describe("context.inspect()", () => {
  it("returns this actor's snapshot with its children's mailbox depth and in-flight handlers", async () => {
    const parent = system.spawn(Parent, { name: "parent" });
    const busy = gate();
    parent.tell("load", busy.wait);
    await parent.ask("inspectSelf"); // the children have started by now
    const snapshot = await parent.ask("inspectSelf");
    expect(snapshot.path).toBe("/user/parent");
    const [first, second] = snapshot.children;
    expect(first).toMatchObject({ path: "/user/parent/kid-0", inFlight: 1, mailbox: 2 });
    expect(second).toMatchObject({ path: "/user/parent/kid-1", inFlight: 0, mailbox: 0 });
    busy.open();
  });
});
