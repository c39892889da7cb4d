/**
 * stash() / unstashAll(): stashed messages come back first and in order, stashed asks stay
 * pending (and can time out while stashed), the stash is bounded, stash() only works inside
 * a handler, and nothing stashed is lost when the actor stops.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  ActorStoppedError,
  AskTimeoutError,
  StashOutsideHandlerError,
  StashOverflowError,
  type ActorRef,
  type ActorSystem,
  type DeadLetter,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { track } from "../support/track.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

/** Stashes visitors while closed; opening lets the stashed ones in first. */
class Door extends Actor {
  readonly #seen: string[];
  #open = false;
  constructor(seen: string[]) {
    super();
    this.#seen = seen;
  }
  open(): void {
    this.#open = true;
    this.context.unstashAll();
  }
  close(): void {
    this.#open = false;
  }
  visit(name: string): string {
    if (!this.#open) {
      this.context.stash();
      return "ignored: the reply of a stashed message is not used";
    }
    this.#seen.push(name);
    return `welcome ${name}`;
  }
  stashSize(): number {
    return this.context.stashSize;
  }
}

function spawnDoor(seen: string[], stashCapacity?: number): ActorRef<Door> {
  return system.spawn(
    () => new Door(seen),
    stashCapacity === undefined ? { name: "door" } : { name: "door", stashCapacity },
  );
}

describe("stash and unstashAll", () => {
  it("puts stashed messages back in front of the rest, in the order they were stashed", async () => {
    const seen: string[] = [];
    const ref = spawnDoor(seen);
    ref.tell("visit", "a");
    ref.tell("visit", "b");
    ref.tell("open");
    ref.tell("visit", "c");
    ref.tell("visit", "d");
    await flush();
    expect(seen).toEqual(["a", "b", "c", "d"]);
  });

  it("holds messages across several handlers until unstashAll, counting them in stashSize", async () => {
    const seen: string[] = [];
    const ref = spawnDoor(seen);
    ref.tell("visit", "a");
    ref.tell("visit", "b");
    ref.tell("visit", "c");
    await expect(ref.ask("stashSize")).resolves.toBe(3);
    expect(system.inspect().actors[0]?.stashed).toBe(3);
    expect(seen).toEqual([]);
    ref.tell("open");
    ref.tell("visit", "d");
    await flush();
    expect(seen).toEqual(["a", "b", "c", "d"]);
    await expect(ref.ask("stashSize")).resolves.toBe(0);
  });

  it("keeps a stashed ask pending and answers it once the message is unstashed and handled", async () => {
    const seen: string[] = [];
    const ref = spawnDoor(seen);
    const reply = ref.ask("visit", "x");
    const state = track(reply);
    await flush();
    expect(state.settled).toBe(false);
    expect(system.inspect().actors[0]?.stashed).toBe(1);
    ref.tell("open");
    await expect(reply).resolves.toBe("welcome x");
    expect(seen).toEqual(["x"]);
  });

  it("withdraws a stashed ask that times out: it rejects and is never handled", async () => {
    const seen: string[] = [];
    const letters: DeadLetter[] = [];
    system.events.on("deadLetter", (letter) => letters.push(letter));
    const ref = spawnDoor(seen);
    const reply = ref.with({ timeout: 100 }).ask("visit", "late");
    const rejected = expect(reply).rejects.toThrow(AskTimeoutError);
    await clock.advance(100);
    await rejected;
    const error = await reply.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_ASK_TIMEOUT", timeoutMs: 100, method: "visit" });
    expect(letters).toEqual([
      {
        recipient: "/user/door",
        method: "visit",
        args: ["late"],
        reason: "timed-out",
        timestamp: 100,
      },
    ]);
    ref.tell("open");
    ref.tell("visit", "on time");
    await flush();
    expect(seen).toEqual(["on time"]);
  });

  it("frees the stash slot of a stashed ask that timed out", async () => {
    const seen: string[] = [];
    const ref = spawnDoor(seen, 1);
    const late = ref.with({ timeout: 100 }).ask("visit", "late");
    const lateRejected = expect(late).rejects.toThrow(AskTimeoutError);
    await clock.advance(100);
    await lateRejected;
    // The one slot is free again: the next visitor can be stashed.
    const next = ref.ask("visit", "next");
    const outcome = next.catch((e: unknown) => e);
    await flush();
    ref.tell("open");
    expect(await outcome).toBe("welcome next");
  });
});

describe("limits and misuse", () => {
  it("throws StashOverflowError past stashCapacity; the overflowing ask rejects with it", async () => {
    const seen: string[] = [];
    const ref = spawnDoor(seen, 2);
    const a = ref.ask("visit", "a");
    const b = ref.ask("visit", "b");
    const c = ref.ask("visit", "c");
    const error = await c.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StashOverflowError);
    expect(error).toMatchObject({
      code: "ERR_STASH_OVERFLOW",
      actorPath: "/user/door",
      capacity: 2,
    });
    expect((error as Error).message).toContain("raise the stashCapacity spawn option");
    // The two stashed asks survive (also across the restart the failure caused).
    ref.tell("open");
    await expect(a).resolves.toBe("welcome a");
    await expect(b).resolves.toBe("welcome b");
    expect(seen).toEqual(["a", "b"]);
  });

  it("throws StashOutsideHandlerError in onStart and after an await in a handler", async () => {
    const errors: unknown[] = [];
    class Misuser extends Actor {
      protected override onStart(): void {
        try {
          this.context.stash();
        } catch (error) {
          errors.push(error);
        }
      }
      async later(): Promise<unknown> {
        await Promise.resolve();
        try {
          this.context.stash();
          return null;
        } catch (error) {
          return error;
        }
      }
    }
    const ref = system.spawn(Misuser, { name: "misuser" });
    const fromHandler = await ref.ask("later");
    for (const error of [errors[0], fromHandler]) {
      expect(error).toBeInstanceOf(StashOutsideHandlerError);
      expect(error).toMatchObject({
        code: "ERR_STASH_OUTSIDE_HANDLER",
        actorPath: "/user/misuser",
      });
      expect((error as Error).message).toContain("call it synchronously");
    }
    expect(errors).toHaveLength(1);
  });
});

describe("stopping with stashed messages", () => {
  it("rejects stashed asks with ActorStoppedError and dead-letters stashed tells", async () => {
    const seen: string[] = [];
    const letters: DeadLetter[] = [];
    system.events.on("deadLetter", (letter) => letters.push(letter));
    const ref = spawnDoor(seen);
    const asked = ref.ask("visit", "asked");
    ref.tell("visit", "told");
    await flush();
    expect(system.inspect().actors[0]?.stashed).toBe(2);
    await system.stop(ref);
    const error = await asked.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorStoppedError);
    expect(error).toMatchObject({
      code: "ERR_ACTOR_STOPPED",
      actorPath: "/user/door",
      method: "visit",
    });
    expect(letters).toEqual([
      {
        recipient: "/user/door",
        method: "visit",
        args: ["told"],
        reason: "actor-stopped",
        timestamp: 0,
      },
    ]);
    expect(seen).toEqual([]);
  });

  it("dead-letters stashed tells with reason shutdown when the system shuts down", async () => {
    const letters: DeadLetter[] = [];
    system.events.on("deadLetter", (letter) => letters.push(letter));
    const ref = spawnDoor([]);
    const asked = ref.ask("visit", "asked");
    ref.tell("visit", "told");
    await flush();
    await system.shutdown();
    await expect(asked).rejects.toThrow(ActorStoppedError);
    expect(letters.map((l) => [l.method, l.args, l.reason])).toEqual([
      ["visit", ["told"], "shutdown"],
    ]);
  });
});
