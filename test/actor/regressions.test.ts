/**
 * Regression tests for bugs found in review, each named for the bug it pins.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Actor, type ActorSystem, type DeadLetter } from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { gate } from "../support/gates.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

describe("regressions", () => {
  it("bug: onStart that throws while a stop is pending was retried in a tight loop; now it runs once and the stop completes", async () => {
    let starts = 0;
    class Bad extends Actor {
      protected override onStart(): void {
        starts++;
        throw new Error("cannot start");
      }
      ping(): void {}
    }
    const ref = system.spawn(Bad);
    const stopped = system.stop(ref, { timeout: 200 });
    await clock.advance(0);
    await stopped;
    expect(starts).toBe(1);
    expect(ref.alive).toBe(false);
  });

  it("bug: a timer tick that fired after a stop request vanished; now it is a dead letter", async () => {
    const busy = gate();
    class Ticking extends Actor {
      start(): void {
        this.timers.once("t", 10, (self) => self.tick());
      }
      async work(): Promise<void> {
        await busy.wait;
      }
      tick(): void {}
    }
    const ref = system.spawn(Ticking, { name: "ticking" });
    await ref.ask("start");
    ref.tell("work"); // keeps the actor busy, so the stop waits for it
    await flush();
    const stopped = system.stop(ref);
    const letters: DeadLetter[] = [];
    system.events.on("deadLetter", (letter) => letters.push(letter));
    await clock.advance(10); // the tick fires while the actor is stopping
    busy.open();
    await stopped;
    expect(letters).toContainEqual(
      expect.objectContaining({
        recipient: "/user/ticking",
        method: "tick",
        reason: "actor-stopped",
      }),
    );
  });

  it("bug: a drop-oldest overflow inside a handler could clobber the message being stashed; the stash keeps the right one", async () => {
    const seen: string[] = [];
    class Keeper extends Actor {
      #ready = false;
      hold(label: string): void {
        if (!this.#ready) {
          // Overflow our own mailbox first (drops the oldest queued message), then stash.
          const self = this.self as unknown as { tell(m: string, a: string): void };
          self.tell("note", "filler");
          this.context.stash();
          return;
        }
        seen.push(label);
      }
      note(label: string): void {
        seen.push(`note:${label}`);
      }
      ready(): void {
        this.#ready = true;
        this.context.unstashAll();
      }
    }
    const ref = system.spawn(Keeper, { mailbox: { capacity: 1, overflow: "drop-oldest" } });
    ref.tell("hold", "first");
    await flush();
    await ref.ask("ready");
    await flush();
    expect(seen).toContain("first");
  });
});

describe("replaced instances", () => {
  it("bug: an async handler of a replaced instance could still spawn under the new one; now it has no context", async () => {
    const resume = gate();
    const seen: unknown[] = [];
    class Slow extends Actor {
      async linger(): Promise<void> {
        await resume.wait;
        try {
          this.context.spawn(Slow, { name: "zombie" });
        } catch (error) {
          seen.push(error);
        }
      }
      crash(): void {
        throw new Error("crash");
      }
    }
    const ref = system.spawn(Slow, { name: "slow", concurrency: 2 });
    ref.tell("linger");
    await flush();
    ref.tell("crash"); // restarts while linger() is still waiting
    await flush();
    resume.open();
    await flush();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ code: "ERR_NO_ACTOR_CONTEXT" });
    expect(system.lookup("slow/zombie")).toBeUndefined();
  });
});
