/**
 * The typed event stream and introspection: started / stopped / restarted / failed /
 * deadLetter / overflow events with their payloads, events emitted only to listeners, a
 * throwing listener that cannot break the system, `system.inspect()` and the dead-letter
 * history.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  Actor,
  ActorSystem,
  MailboxFullError,
  type ActorFailedEvent,
  type ActorRestartedEvent,
  type DeadLetter,
  type MailboxOverflowEvent,
  type TerminationReason,
} from "../../src/index.js";
import { VirtualClock, flush } from "../../src/testing/index.js";
import { stopVirtualSystem } from "../support/virtual-system.js";
import { gate } from "../support/gates.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  clock = new VirtualClock(1_000);
  system = new ActorSystem({ clock, name: "observed" });
});

afterEach(() => stopVirtualSystem(system, clock));

class Echo extends Actor {
  echo<T>(value: T): T {
    return value;
  }
  async hold(until: Promise<void>): Promise<void> {
    await until;
  }
  boom(): void {
    throw new Error("boom");
  }
}

class Parent extends Actor {
  protected override onStart(): void {
    this.context.spawn(Echo, { name: "child" });
  }
  async hold(until: Promise<void>): Promise<void> {
    await until;
  }
  ping(): string {
    return "pong";
  }
  boom(): void {
    throw new Error("parent boom");
  }
}

describe("lifecycle events", () => {
  it("emits started once the actor has started, with its path", async () => {
    const started: { path: string }[] = [];
    system.events.on("started", (event) => started.push(event));
    system.spawn(Parent, { name: "p" });
    expect(started).toEqual([]);
    await flush();
    expect(started).toEqual([{ path: "/user/p" }, { path: "/user/p/child" }]);
  });

  it("emits stopped with the reason, children first", async () => {
    const stopped: { path: string; reason: TerminationReason }[] = [];
    system.events.on("stopped", (event) => stopped.push(event));
    const ref = system.spawn(Parent, { name: "p" });
    await flush();
    await system.stop(ref);
    expect(stopped).toEqual([
      { path: "/user/p/child", reason: { kind: "stopped" } },
      { path: "/user/p", reason: { kind: "stopped" } },
    ]);
    system.spawn(Echo, { name: "e" });
    await system.shutdown();
    expect(stopped.find((e) => e.path === "/user/e")).toEqual({
      path: "/user/e",
      reason: { kind: "shutdown" },
    });
  });

  it("emits restarted with the error and the running count of restarts", async () => {
    const restarted: ActorRestartedEvent[] = [];
    system.events.on("restarted", (event) => restarted.push(event));
    const ref = system.spawn(Echo, { name: "e" });
    ref.tell("boom");
    ref.tell("boom");
    await expect(ref.ask("echo", "alive")).resolves.toBe("alive");
    expect(restarted.map((e) => [e.path, e.restarts, e.error.message])).toEqual([
      ["/user/e", 1, "boom"],
      ["/user/e", 2, "boom"],
    ]);
  });

  it("emits failed with the phase and, for a handler, the method", async () => {
    const failed: ActorFailedEvent[] = [];
    system.events.on("failed", (event) => failed.push(event));
    let starts = 0;
    class StartFails extends Actor {
      protected override onStart(): void {
        if (++starts === 1) throw new Error("start failed");
      }
    }
    const ref = system.spawn(Echo, { name: "e" });
    await expect(ref.ask("boom")).rejects.toThrow("boom");
    system.spawn(StartFails, { name: "s" });
    await flush();
    expect(failed).toHaveLength(2);
    expect(failed[0]).toEqual({
      path: "/user/e",
      phase: "handler",
      method: "boom",
      error: expect.objectContaining({ message: "boom" }) as unknown,
    });
    expect(failed[1]).toMatchObject({ path: "/user/s", phase: "onStart" });
    expect(failed[1]).not.toHaveProperty("method");
  });
});

describe("dead letters and overflow", () => {
  it("emits deadLetter with reason actor-stopped for a tell to a stopped actor", async () => {
    const letters: DeadLetter[] = [];
    system.events.on("deadLetter", (letter) => letters.push(letter));
    const ref = system.spawn(Echo, { name: "e" });
    await system.stop(ref);
    await clock.advance(5);
    ref.tell("echo", 42);
    expect(letters).toEqual([
      {
        recipient: "/user/e",
        method: "echo",
        args: [42],
        reason: "actor-stopped",
        timestamp: 1_005,
      },
    ]);
    expect(system.deadLetters.count).toBe(1);
  });

  it("emits deadLetter with reason timed-out for an ask withdrawn from the mailbox", async () => {
    const letters: DeadLetter[] = [];
    system.events.on("deadLetter", (letter) => letters.push(letter));
    const busy = gate();
    const ref = system.spawn(Echo, { name: "e" });
    ref.tell("hold", busy.wait);
    const reply = ref.with({ timeout: 100 }).ask("echo", "too late");
    const outcome = reply.catch((e: unknown) => e);
    await clock.advance(100);
    expect(await outcome).toMatchObject({ code: "ERR_ASK_TIMEOUT" });
    expect(letters).toEqual([
      {
        recipient: "/user/e",
        method: "echo",
        args: ["too late"],
        reason: "timed-out",
        timestamp: 1_100,
      },
    ]);
    busy.open();
  });

  it("emits overflow when a bounded mailbox is full, and deadLetter for what a drop policy drops", async () => {
    const overflows: MailboxOverflowEvent[] = [];
    const letters: DeadLetter[] = [];
    system.events.on("overflow", (event) => overflows.push(event));
    system.events.on("deadLetter", (letter) => letters.push(letter));
    const busy = gate();
    const strict = system.spawn(Echo, { name: "strict", mailbox: { capacity: 1 } });
    const lossy = system.spawn(Echo, {
      name: "lossy",
      mailbox: { capacity: 1, overflow: "drop-newest" },
    });
    strict.tell("hold", busy.wait);
    lossy.tell("hold", busy.wait);
    await flush();
    strict.tell("echo", 1);
    expect(() => strict.tell("echo", 2)).toThrow(MailboxFullError);
    lossy.tell("echo", 1);
    lossy.tell("echo", 2);
    expect(overflows).toEqual([
      { path: "/user/strict", policy: "reject", capacity: 1 },
      { path: "/user/lossy", policy: "drop-newest", capacity: 1 },
    ]);
    expect(letters.map((l) => [l.recipient, l.args, l.reason])).toEqual([
      ["/user/lossy", [2], "dropped-newest"],
    ]);
    busy.open();
  });
});

describe("cost when nobody listens", () => {
  it("does not emit anything without listeners, and only the listened-to event with one", async () => {
    const emit = vi.spyOn(system.events, "emit");
    try {
      const ref = system.spawn(Echo, { name: "quiet" });
      ref.tell("boom");
      await expect(ref.ask("echo", 1)).resolves.toBe(1);
      await system.stop(ref);
      ref.tell("echo", 2); // a dead letter
      expect(emit).not.toHaveBeenCalled();

      system.events.on("stopped", () => {});
      const other = system.spawn(Echo, { name: "heard" });
      other.tell("boom");
      await flush();
      await system.stop(other);
      expect(emit.mock.calls.map(([event]) => event)).toEqual(["stopped"]);
    } finally {
      emit.mockRestore();
    }
  });

  it("does not replay earlier events to a listener added later", async () => {
    const ref = system.spawn(Echo, { name: "e" });
    ref.tell("boom");
    await flush();
    const seen: string[] = [];
    for (const event of ["started", "restarted", "failed"] as const)
      system.events.on(event, () => seen.push(event));
    await flush();
    expect(seen).toEqual([]);
    ref.tell("boom");
    await flush();
    expect(seen).toEqual(["failed", "restarted", "started"]);
  });
});

describe("a throwing listener", () => {
  /**
   * Replaces the process's uncaughtException listeners (vitest's included) for the duration
   * of `body`, collecting what surfaces, then restores them.
   */
  async function capturingUncaught(body: (uncaught: unknown[]) => Promise<void>): Promise<void> {
    const saved = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    const uncaught: unknown[] = [];
    const collect = (error: unknown): void => {
      uncaught.push(error);
    };
    process.on("uncaughtException", collect);
    try {
      await body(uncaught);
    } finally {
      process.removeListener("uncaughtException", collect);
      for (const listener of saved) process.on("uncaughtException", listener);
    }
  }

  it("does not break the system; its error surfaces on a later macrotask", async () => {
    await capturingUncaught(async (uncaught) => {
      const bug = new Error("listener bug");
      system.events.on("started", () => {
        throw bug;
      });
      const ref = system.spawn(Echo, { name: "e" });
      await expect(ref.ask("echo", "still works")).resolves.toBe("still works");
      // Delivered through setImmediate, not synchronously into the runtime.
      expect(uncaught).toEqual([]);
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(uncaught).toEqual([bug]);
      const other = system.spawn(Echo, { name: "other" });
      await expect(other.ask("echo", 2)).resolves.toBe(2);
      await flush();
      expect(uncaught).toEqual([bug, bug]);
    });
  });

  it("does not keep the event from the other listeners", async () => {
    await capturingUncaught(async (uncaught) => {
      const seen: string[] = [];
      system.events.on("started", () => {
        throw new Error("first listener bug");
      });
      system.events.on("started", (event) => seen.push(event.path));
      system.spawn(Echo, { name: "e" });
      await flush();
      expect(uncaught).toHaveLength(1);
      expect(seen).toEqual(["/user/e"]);
    });
  });
});

describe("inspect", () => {
  it("returns the live tree with status, mailbox depth, in-flight, processed, failed and restarts", async () => {
    const busy = gate();
    const parent = system.spawn(Parent, { name: "p" });
    await expect(parent.ask("ping")).resolves.toBe("pong");
    parent.tell("boom");
    await expect(parent.ask("ping")).resolves.toBe("pong");
    parent.tell("hold", busy.wait);
    parent.tell("ping");
    parent.tell("ping");
    await flush();

    const snapshot = system.inspect();
    expect(snapshot.name).toBe("observed");
    expect(snapshot.status).toBe("running");
    expect(snapshot.deadLetters).toBe(0);
    expect(snapshot.actors).toEqual([
      {
        path: "/user/p",
        name: "p",
        status: "running",
        mailbox: 2,
        waitingSenders: 0,
        stashed: 0,
        inFlight: 1,
        processed: 2,
        failed: 1,
        restarts: 1,
        backoff: null,
        heldByRateLimit: 0,
        children: [
          {
            path: "/user/p/child",
            name: "child",
            status: "running",
            mailbox: 0,
            waitingSenders: 0,
            stashed: 0,
            inFlight: 0,
            processed: 0,
            failed: 0,
            restarts: 0,
            backoff: null,
            heldByRateLimit: 0,
            children: [],
          },
        ],
      },
    ]);
    // A plain serialisable value (the HTTP status API sends it as JSON).
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);

    busy.open();
    await flush();
    expect(system.inspect().actors[0]).toMatchObject({ mailbox: 0, inFlight: 0, processed: 5 });
  });

  it("shows a starting actor, and drops stopped actors from the tree", async () => {
    const starting = gate();
    class SlowStart extends Actor {
      protected override async onStart(): Promise<void> {
        await starting.wait;
      }
    }
    const slow = system.spawn(SlowStart, { name: "slow" });
    const echo = system.spawn(Echo, { name: "e" });
    await flush();
    expect(system.inspect().actors.map((a) => [a.name, a.status])).toEqual([
      ["slow", "starting"],
      ["e", "running"],
    ]);
    await system.stop(echo);
    starting.open();
    await flush();
    expect(system.inspect().actors.map((a) => [a.name, a.status])).toEqual([["slow", "running"]]);
    await system.stop(slow);
    await system.shutdown();
    expect(system.inspect()).toEqual({
      name: "observed",
      status: "terminated",
      deadLetters: 0,
      actors: [],
      threads: null,
    });
  });
});

describe("dead-letter history", () => {
  it("counts every dead letter and keeps the most recent ones, bounded by deadLetterHistory", async () => {
    const small = new ActorSystem({ clock, deadLetterHistory: 3 });
    try {
      const ref = small.spawn(Echo, { name: "e" });
      await small.stop(ref);
      for (let i = 1; i <= 5; i++) ref.tell("echo", i);
      expect(small.deadLetters.count).toBe(5);
      const recent = small.deadLetters.recent();
      expect(recent.map((l) => l.args)).toEqual([[3], [4], [5]]);
      // Reading is not consuming.
      expect(small.deadLetters.recent()).toEqual(recent);
      expect(small.inspect().deadLetters).toBe(5);
    } finally {
      await small.shutdown();
    }
  });

  it("keeps no history with deadLetterHistory 0 but still counts and emits", async () => {
    const none = new ActorSystem({ clock, deadLetterHistory: 0 });
    try {
      const letters: DeadLetter[] = [];
      none.events.on("deadLetter", (letter) => letters.push(letter));
      const ref = none.spawn(Echo);
      await none.stop(ref);
      ref.tell("echo", 1);
      ref.tell("echo", 2);
      expect(none.deadLetters.count).toBe(2);
      expect(none.deadLetters.recent()).toEqual([]);
      expect(letters).toHaveLength(2);
    } finally {
      await none.shutdown();
    }
  });

  it("keeps 100 by default", async () => {
    const ref = system.spawn(Echo);
    await system.stop(ref);
    for (let i = 0; i < 150; i++) ref.tell("echo", i);
    expect(system.deadLetters.count).toBe(150);
    const recent = system.deadLetters.recent();
    expect(recent).toHaveLength(100);
    expect(recent[0]?.args).toEqual([50]);
    expect(recent[99]?.args).toEqual([149]);
  });
});
