/**
 * Actor timers in virtual time: single-shot and fixed-rate timers, replacement by key,
 * cancellation that withdraws already-queued timer messages, cancellation on stop and
 * restart, and validation of keys, delays and handlers.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  InvalidOptionError,
  UnknownMessageError,
  type ActorRef,
  type ActorSystem,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { gate } from "../support/gates.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

/*
 * Timers take the message as the call it stands for (`(self) => self.tick(label)`), as
 * documented in src/actor/timers.ts: recorded once, sent as a plain message on each tick.
 */

/** Records every tick in `ticks`; its handlers only use the public timer API. */
class Ticker extends Actor {
  readonly #ticks: string[];
  constructor(ticks: string[]) {
    super();
    this.#ticks = ticks;
  }
  once(key: string, delayMs: number, label: string): void {
    this.timers.once(key, delayMs, (self) => self.tick(label));
  }
  periodic(key: string, intervalMs: number, label: string): void {
    this.timers.periodic(key, intervalMs, (self) => self.tick(label));
  }
  cancel(key: string): void {
    this.timers.cancel(key);
  }
  /** Stays busy until `until` settles, then cancels the timer `key`. */
  async busyThenCancel(until: Promise<void>, key: string): Promise<void> {
    await until;
    this.timers.cancel(key);
  }
  activeKeys(): string[] {
    return this.timers.keys;
  }
  tick(label: string): void {
    this.#ticks.push(label);
  }
  fail(): void {
    throw new Error("ticker failed");
  }
  /** Calls once() with raw values and returns what it threw (null if nothing). */
  tryOnce(key: unknown, delayMs: unknown): unknown {
    try {
      this.timers.once(key as string, delayMs as number, (self) => self.tick("x"));
      return null;
    } catch (error) {
      return error;
    }
  }
  tryPeriodic(key: unknown, intervalMs: unknown): unknown {
    try {
      this.timers.periodic(key as string, intervalMs as number, (self) => self.tick("x"));
      return null;
    } catch (error) {
      return error;
    }
  }
  /** Starts timers with a message that is not a call of one of this actor's messages. */
  tryForeignMessage(kind: "hook" | "nothing" | "two" | "name"): unknown {
    const messages = {
      hook: (self: Ticker) => self.onStart(),
      nothing: () => 1,
      two: (self: Ticker) => {
        self.tick("a");
        self.tick("b");
      },
      name: "tick",
    };
    const message = messages[kind] as (self: Ticker) => unknown;
    const errors: unknown[] = [];
    for (const start of [
      () => this.timers.once("k", 10, message),
      () => this.timers.periodic("k", 10, message),
    ]) {
      try {
        start();
        errors.push(null);
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
  override onStart(): void {}
}

function spawnTicker(ticks: string[]): ActorRef<Ticker> {
  return system.spawn(() => new Ticker(ticks), { name: "ticker" });
}

describe("once", () => {
  it("sends its message once, after the delay", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    ref.tell("once", "t", 100, "ding");
    await clock.advance(99);
    expect(ticks).toEqual([]);
    await expect(ref.ask("activeKeys")).resolves.toEqual(["t"]);
    await clock.advance(1);
    expect(ticks).toEqual(["ding"]);
    await clock.advance(1_000);
    expect(ticks).toEqual(["ding"]);
    await expect(ref.ask("activeKeys")).resolves.toEqual([]);
  });

  it("accepts a delay of 0 (the message is sent on the next timer turn)", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    ref.tell("once", "now", 0, "zero");
    await clock.advance(0);
    expect(ticks).toEqual(["zero"]);
  });
});

describe("periodic", () => {
  it("fires at a fixed rate: N ticks after N intervals", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    ref.tell("periodic", "p", 10, "tick");
    await flush();
    await clock.advance(9);
    expect(ticks).toHaveLength(0);
    await clock.advance(1);
    expect(ticks).toHaveLength(1);
    await clock.advance(90);
    expect(ticks).toHaveLength(10);
    // One jump across several intervals fires each tick at its own time.
    await clock.advance(35);
    expect(ticks).toHaveLength(13);
    await clock.advance(5);
    expect(ticks).toHaveLength(14);
  });

  it("stops after cancel, and leaves no clock timer behind", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    await flush();
    const baseline = clock.pending;
    ref.tell("periodic", "p", 10, "tick");
    await clock.advance(30);
    expect(ticks).toHaveLength(3);
    expect(clock.pending).toBe(baseline + 1);
    ref.tell("cancel", "p");
    await flush();
    expect(clock.pending).toBe(baseline);
    await clock.advance(100);
    expect(ticks).toHaveLength(3);
  });
});

describe("keys", () => {
  it("replaces a timer that is started again with the same key", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    await flush();
    const baseline = clock.pending;
    ref.tell("once", "k", 100, "first");
    ref.tell("once", "k", 50, "second");
    await flush();
    expect(clock.pending).toBe(baseline + 1);
    await clock.advance(200);
    expect(ticks).toEqual(["second"]);
  });

  it("replaces a periodic timer with a single-shot one of the same key", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    ref.tell("periodic", "k", 10, "periodic");
    await clock.advance(20);
    ref.tell("once", "k", 5, "once");
    await clock.advance(100);
    expect(ticks).toEqual(["periodic", "periodic", "once"]);
  });

  it("keeps timers with different keys independent", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    ref.tell("once", "a", 10, "a");
    ref.tell("once", "b", 20, "b");
    ref.tell("cancel", "a");
    await clock.advance(50);
    expect(ticks).toEqual(["b"]);
  });
});

describe("cancel", () => {
  it("withdraws a single-shot timer message that is already queued", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    const busy = gate();
    ref.tell("once", "t", 10, "late");
    ref.tell("busyThenCancel", busy.wait, "t");
    await clock.advance(10);
    // The timer fired while the actor was busy: its message waits in the mailbox.
    expect(system.inspect().actors[0]?.mailbox).toBe(1);
    expect(ticks).toEqual([]);
    busy.open();
    await flush();
    expect(ticks).toEqual([]);
    expect(system.inspect().actors[0]?.mailbox).toBe(0);
    await clock.advance(100);
    expect(ticks).toEqual([]);
  });

  it("withdraws every queued tick of a periodic timer, not only the latest", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    const busy = gate();
    ref.tell("periodic", "p", 10, "tick");
    ref.tell("busyThenCancel", busy.wait, "p");
    await clock.advance(30);
    expect(system.inspect().actors[0]?.mailbox).toBe(3);
    busy.open();
    await flush();
    expect(ticks).toEqual([]);
  });

  it("is a no-op for an unknown key", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    ref.tell("cancel", "never-started");
    ref.tell("once", "t", 10, "ok");
    await clock.advance(10);
    expect(ticks).toEqual(["ok"]);
  });
});

describe("cancellation on stop and restart", () => {
  it("cancels all timers when the actor stops", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    await flush();
    const baseline = clock.pending;
    ref.tell("periodic", "p", 10, "p");
    ref.tell("once", "o", 50, "o");
    await clock.advance(25);
    expect(ticks).toEqual(["p", "p"]);
    expect(clock.pending).toBe(baseline + 2);
    await system.stop(ref);
    expect(clock.pending).toBe(baseline);
    await clock.advance(1_000);
    expect(ticks).toEqual(["p", "p"]);
  });

  it("cancels all timers when the actor restarts", async () => {
    const ticks: string[] = [];
    const ref = spawnTicker(ticks);
    await flush();
    const baseline = clock.pending;
    ref.tell("periodic", "p", 10, "p");
    ref.tell("once", "o", 50, "o");
    await clock.advance(15);
    expect(ticks).toEqual(["p"]);
    ref.tell("fail");
    await flush();
    expect(system.inspect().actors[0]?.restarts).toBe(1);
    expect(clock.pending).toBe(baseline);
    await clock.advance(1_000);
    expect(ticks).toEqual(["p"]);
    await expect(ref.ask("activeKeys")).resolves.toEqual([]);
  });

  it("lets the new instance start its own timers in onStart after a restart, without doubling", async () => {
    const ticks: string[] = [];
    let incarnation = 0;
    class Heartbeat extends Actor {
      readonly #n = ++incarnation;
      protected override onStart(): void {
        this.timers.periodic("beat", 100, (self) => self.beat());
      }
      beat(): void {
        ticks.push(`beat #${this.#n}`);
      }
      fail(): void {
        throw new Error("heartbeat failed");
      }
    }
    await flush();
    const baseline = clock.pending;
    const ref = system.spawn(Heartbeat);
    await clock.advance(100);
    expect(ticks).toEqual(["beat #1"]);
    ref.tell("fail");
    await flush();
    expect(clock.pending).toBe(baseline + 1);
    await clock.advance(200);
    expect(ticks).toEqual(["beat #1", "beat #2", "beat #2"]);
  });
});

describe("validation", () => {
  it.each([
    ["a negative delay", "k", -1, "delayMs"],
    ["NaN", "k", Number.NaN, "delayMs"],
    ["Infinity", "k", Infinity, "delayMs"],
    ["a string delay", "k", "10", "delayMs"],
    ["an empty key", "", 10, "key"],
    ["a non-string key", 42, 10, "key"],
  ])("once() rejects %s with InvalidOptionError", async (_case, key, delay, option) => {
    const ref = spawnTicker([]);
    const error = await ref.ask("tryOnce", key, delay);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option });
    expect((error as Error).message).toContain(`Option "${option}" must be`);
  });

  it.each([
    ["a zero interval", "k", 0],
    ["a negative interval", "k", -10],
    ["an infinite interval", "k", Infinity],
    ["NaN", "k", Number.NaN],
  ])("periodic() rejects %s with InvalidOptionError", async (_case, key, interval) => {
    const ref = spawnTicker([]);
    const error = await ref.ask("tryPeriodic", key, interval);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option: "intervalMs" });
    expect((error as Error).message).toContain("a number of milliseconds > 0");
  });

  it("rejects a call of a lifecycle hook with UnknownMessageError, and starts nothing", async () => {
    const ref = spawnTicker([]);
    const errors = await ref.ask("tryForeignMessage", "hook");
    expect(errors).toHaveLength(2);
    for (const error of errors as unknown[]) {
      expect(error).toBeInstanceOf(UnknownMessageError);
      expect(error).toMatchObject({ code: "ERR_UNKNOWN_MESSAGE", method: "onStart" });
    }
    await expect(ref.ask("activeKeys")).resolves.toEqual([]);
  });

  it.each([
    ["a function that calls no method", "nothing"],
    ["a function that calls two methods", "two"],
    ["a method name instead of a call", "name"],
  ] as const)(
    "rejects %s as the message with InvalidOptionError, and starts nothing",
    async (_case, kind) => {
      const ref = spawnTicker([]);
      const errors = await ref.ask("tryForeignMessage", kind);
      expect(errors).toHaveLength(2);
      for (const error of errors as unknown[]) {
        expect(error).toBeInstanceOf(InvalidOptionError);
        expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option: "message" });
        expect((error as Error).message).toContain("calls one method of the actor");
      }
      await expect(ref.ask("activeKeys")).resolves.toEqual([]);
    },
  );
});
