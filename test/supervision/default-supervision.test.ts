/**
 * Supervision: the default strategy (restart from the factory, keep the mailbox, at most 5
 * restarts within 10 s), `oneForOne({ decide })` directives, restarting an actor's
 * children with it, the system-wide strategy for top-level actors, and the pure decision
 * logic (`decideFailure`, `RestartWindow`) without actors or time.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  ActorRef,
  ActorSystem,
  InvalidOptionError,
  MaxRestartsExceededError,
  oneForOne,
  type ActorFailedEvent,
  type ActorRestartedEvent,
  type Directive,
  type TerminationReason,
} from "../../src/index.js";
import type { Delivery } from "../../src/actor/actor-ref.js";
import { decideFailure } from "../../src/supervision/decide.js";
import { RestartWindow } from "../../src/supervision/restart-window.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

interface Stopped {
  readonly path: string;
  readonly reason: TerminationReason;
}

function record(): {
  stopped: Stopped[];
  restarted: ActorRestartedEvent[];
  failed: ActorFailedEvent[];
} {
  const stopped: Stopped[] = [];
  const restarted: ActorRestartedEvent[] = [];
  const failed: ActorFailedEvent[] = [];
  system.events.on("stopped", (event) => stopped.push(event));
  system.events.on("restarted", (event) => restarted.push(event));
  system.events.on("failed", (event) => failed.push(event));
  return { stopped, restarted, failed };
}

let instances = 0;

/** A counter whose instances are numbered, so a test can tell them apart. */
class Counter extends Actor {
  readonly #instance = ++instances;
  readonly #log: string[];
  #count = 0;
  constructor(log: string[] = []) {
    super();
    this.#log = log;
  }
  inc(label = "inc"): number {
    this.#log.push(`${label} #${this.#instance}`);
    return ++this.#count;
  }
  get(): number {
    return this.#count;
  }
  instance(): number {
    return this.#instance;
  }
  fail(message = "counter failed"): void {
    this.#log.push(`fail #${this.#instance}`);
    throw new Error(message);
  }
}

beforeEach(() => {
  instances = 0;
});

/** Supervises one Counter child named "c", spawned in onStart (so a restart re-creates it). */
class Parent extends Actor {
  #child!: ActorRef<Counter>;
  protected override onStart(): void {
    this.#child = this.context.spawn(Counter, { name: "c" });
  }
  child(): ActorRef<Counter> {
    return this.#child;
  }
  fail(): void {
    throw new Error("parent failed");
  }
}

function spawnParent(decide: (error: Error) => Directive): ActorRef<Parent> {
  return system.spawn(Parent, { name: "p", supervision: oneForOne({ decide }) });
}

describe("the default strategy", () => {
  it("restarts from the factory with fresh state", async () => {
    let calls = 0;
    const ref = system.spawn(() => {
      calls++;
      return new Counter();
    });
    ref.tell("inc");
    ref.tell("inc");
    await expect(ref.ask("get")).resolves.toBe(2);
    await expect(ref.ask("fail")).rejects.toThrow("counter failed");
    await expect(ref.ask("get")).resolves.toBe(0);
    await expect(ref.ask("instance")).resolves.toBe(2);
    expect(calls).toBe(2);
  });

  it("keeps the mailbox: messages queued behind the failing one go to the new instance, and the failing one is not retried", async () => {
    const log: string[] = [];
    const ref = system.spawn(() => new Counter(log));
    ref.tell("inc", "a");
    ref.tell("fail");
    ref.tell("inc", "b");
    const c = ref.ask("inc", "c");
    await expect(c).resolves.toBe(2);
    expect(log).toEqual(["a #1", "fail #1", "b #2", "c #2"]);
    expect(system.deadLetters.count).toBe(0);
  });

  it("allows 5 restarts within 10 s and stops the actor at the 6th failure with MaxRestartsExceededError", async () => {
    const events = record();
    const ref = system.spawn(Counter, { name: "fragile" });
    for (let i = 1; i <= 5; i++) ref.tell("fail", `failure ${i}`);
    await flush();
    expect(events.restarted.map((e) => e.restarts)).toEqual([1, 2, 3, 4, 5]);
    expect(ref.alive).toBe(true);
    await clock.advance(9_000);

    ref.tell("fail", "failure 6");
    await flush();
    expect(ref.alive).toBe(false);
    expect(events.restarted).toHaveLength(5);
    expect(events.stopped).toHaveLength(1);
    const { path, reason } = events.stopped[0] as Stopped;
    expect(path).toBe("/user/fragile");
    expect(reason.kind).toBe("failed");
    const error = reason.kind === "failed" ? reason.error : undefined;
    expect(error).toBeInstanceOf(MaxRestartsExceededError);
    expect(error).toMatchObject({
      code: "ERR_MAX_RESTARTS_EXCEEDED",
      actorPath: "/user/fragile",
      maxRestarts: 5,
      withinMs: 10_000,
    });
    expect(error?.message).toContain("failed more than 5 times within 10000 ms");
    expect((error?.cause as Error).message).toBe("failure 6");
    expect(system.lookup("fragile")).toBeUndefined();
  });

  it("keeps restarting when the same failures are spread over more than the window", async () => {
    const events = record();
    const ref = system.spawn(Counter, { name: "sturdy" });
    // 10 failures, one every 2.1 s: never more than 5 within any 10 s.
    for (let i = 0; i < 10; i++) {
      ref.tell("fail");
      await flush();
      await clock.advance(2_100);
    }
    expect(ref.alive).toBe(true);
    expect(events.restarted).toHaveLength(10);
    expect(events.stopped).toEqual([]);
    expect(system.inspect().actors[0]?.restarts).toBe(10);
    await expect(ref.ask("inc")).resolves.toBe(1);
  });
});

describe("oneForOne({ decide })", () => {
  it("resume keeps the instance and its state", async () => {
    const events = record();
    const parent = spawnParent(() => "resume");
    const child = await parent.ask("child");
    await child.ask("inc");
    await child.ask("inc");
    await expect(child.ask("fail")).rejects.toThrow("counter failed");
    await expect(child.ask("inc")).resolves.toBe(3);
    await expect(child.ask("instance")).resolves.toBe(1);
    expect(events.restarted).toEqual([]);
    expect(events.failed.map((e) => [e.path, e.phase])).toEqual([["/user/p/c", "handler"]]);
  });

  it("stop stops the child with the failure as reason; the parent keeps running", async () => {
    const events = record();
    const parent = spawnParent(() => "stop");
    const child = await parent.ask("child");
    child.tell("fail", "fatal");
    await flush();
    expect(child.alive).toBe(false);
    expect(events.stopped).toHaveLength(1);
    expect(events.stopped[0]?.path).toBe("/user/p/c");
    const reason = events.stopped[0]?.reason;
    expect(reason?.kind === "failed" ? reason.error.message : undefined).toBe("fatal");
    expect(parent.alive).toBe(true);
    expect(events.restarted).toEqual([]);
  });

  it("escalate fails the parent, which is restarted and re-creates its children", async () => {
    const events = record();
    const decided: string[] = [];
    const parent = spawnParent((error) => {
      decided.push(error.message);
      return "escalate";
    });
    const child = await parent.ask("child");
    await child.ask("inc");
    child.tell("fail", "child failure");
    await flush();
    expect(decided).toEqual(["child failure"]);
    expect(events.failed.map((e) => [e.path, e.phase, e.error.message])).toEqual([
      ["/user/p/c", "handler", "child failure"],
      ["/user/p", "escalated", "child failure"],
    ]);
    expect(events.restarted.map((e) => [e.path, e.error.message])).toEqual([
      ["/user/p", "child failure"],
    ]);
    expect(child.alive).toBe(false);
    const newChild = await parent.ask("child");
    expect(newChild.alive).toBe(true);
    expect(newChild.equals(child)).toBe(false);
    expect(newChild.path).toBe("/user/p/c");
    await expect(newChild.ask("get")).resolves.toBe(0);
  });

  it("stops the child with InvalidOptionError when decide returns something that is not a directive", async () => {
    const events = record();
    const parent = spawnParent(() => "explode" as Directive);
    const child = await parent.ask("child");
    child.tell("fail");
    await flush();
    expect(child.alive).toBe(false);
    const reason = events.stopped.find((e) => e.path === "/user/p/c")?.reason;
    expect(reason?.kind).toBe("failed");
    const error = reason?.kind === "failed" ? reason.error : undefined;
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_OPTION",
      option: "supervision.decide()",
      received: "explode",
    });
    expect(error?.message).toContain("one of resume, restart, stop, escalate");
    expect(parent.alive).toBe(true);
  });

  it("escalates when decide itself throws", async () => {
    const events = record();
    const parent = spawnParent(() => {
      throw new Error("decide is broken");
    });
    const child = await parent.ask("child");
    child.tell("fail", "child failure");
    await flush();
    expect(events.failed.map((e) => [e.path, e.phase])).toEqual([
      ["/user/p/c", "handler"],
      ["/user/p", "escalated"],
    ]);
    expect(events.restarted.map((e) => e.path)).toEqual(["/user/p"]);
  });

  it("applies its own restart limit (maxRestarts, within)", async () => {
    const events = record();
    const parent = system.spawn(Parent, {
      name: "p",
      supervision: oneForOne({ maxRestarts: 1, within: 1_000 }),
    });
    const child = await parent.ask("child");
    child.tell("fail");
    await flush();
    expect(child.alive).toBe(true);
    child.tell("fail");
    await flush();
    expect(child.alive).toBe(false);
    const reason = events.stopped[0]?.reason;
    const error = reason?.kind === "failed" ? reason.error : undefined;
    expect(error).toMatchObject({ maxRestarts: 1, withinMs: 1_000 });
  });
});

describe("restarting an actor with children", () => {
  it("stops its children and lets the new instance's onStart create them again", async () => {
    const events = record();
    const stops: string[] = [];
    class Kid extends Actor {
      #count = 0;
      inc(): number {
        return ++this.#count;
      }
      protected override onStop(): void {
        stops.push(this.context.path);
      }
    }
    class Family extends Actor {
      protected override onStart(): void {
        this.context.spawn(Kid, { name: "k1" });
        this.context.spawn(Kid, { name: "k2" });
      }
      protected override onStop(): void {
        stops.push(this.context.path);
      }
      fail(): void {
        throw new Error("family failed");
      }
    }
    const family = system.spawn(Family, { name: "f" });
    await flush();
    const k1 = system.lookup("f/k1") as ActorRef<Kid>;
    const k2 = system.lookup("f/k2") as ActorRef<Kid>;
    await k1.ask("inc");
    await k2.ask("inc");
    family.tell("fail");
    await flush();
    expect(stops).toEqual(["/user/f/k2", "/user/f/k1", "/user/f"]);
    expect(k1.alive).toBe(false);
    expect(k2.alive).toBe(false);
    expect(events.stopped.map((e) => [e.path, e.reason.kind])).toEqual([
      ["/user/f/k2", "stopped"],
      ["/user/f/k1", "stopped"],
    ]);
    const newK1 = system.lookup("f/k1") as ActorRef<Kid>;
    const newK2 = system.lookup("f/k2") as ActorRef<Kid>;
    expect(newK1.alive && newK2.alive).toBe(true);
    await expect(newK1.ask("inc")).resolves.toBe(1);
    await expect(newK2.ask("inc")).resolves.toBe(1);
    expect(system.inspect().actors[0]).toMatchObject({
      restarts: 1,
      children: [{ name: "k1" }, { name: "k2" }],
    });
  });
});

describe("the system's supervision option", () => {
  it("applies to top-level actors", async () => {
    await system.shutdown();
    system = new ActorSystem({ clock, supervision: oneForOne({ decide: () => "stop" }) });
    const events = record();
    const ref = system.spawn(Counter, { name: "top" });
    ref.tell("fail", "no second chance");
    await flush();
    expect(ref.alive).toBe(false);
    expect(events.restarted).toEqual([]);
    const reason = events.stopped[0]?.reason;
    expect(reason?.kind === "failed" ? reason.error.message : undefined).toBe("no second chance");
  });

  it("sets the restart limit of top-level actors", async () => {
    await system.shutdown();
    system = new ActorSystem({ clock, supervision: oneForOne({ maxRestarts: 2 }) });
    const events = record();
    const ref = system.spawn(Counter, { name: "top" });
    for (let i = 0; i < 3; i++) ref.tell("fail");
    await flush();
    expect(events.restarted).toHaveLength(2);
    expect(ref.alive).toBe(false);
  });

  it("does not change how an actor supervises its own children", async () => {
    await system.shutdown();
    system = new ActorSystem({ clock, supervision: oneForOne({ decide: () => "stop" }) });
    const events = record();
    const parent = system.spawn(Parent, { name: "p" });
    const child = await parent.ask("child");
    child.tell("fail");
    await flush();
    // The parent has no supervision option: its children get the default (restart).
    expect(child.alive).toBe(true);
    expect(events.restarted.map((e) => e.path)).toEqual(["/user/p/c"]);
  });
});

describe("decideFailure (pure)", () => {
  const delivery: Delivery = {
    path: "/user/pure",
    name: "pure",
    alive: true,
    tell: () => {},
    ask: () => Promise.resolve(undefined),
    send: () => Promise.resolve(),
  };
  const child = new ActorRef(delivery);
  const error = new Error("pure failure");

  it("restarts up to maxRestarts within the window, then stops with MaxRestartsExceededError", () => {
    const strategy = oneForOne({ maxRestarts: 3, within: 1_000 });
    const window = new RestartWindow();
    for (let i = 0; i < 3; i++)
      expect(decideFailure(strategy, window, 100 * i, error, child)).toEqual({
        kind: "restart",
        attempt: i + 1,
      });
    const action = decideFailure(strategy, window, 300, error, child);
    expect(action.kind).toBe("stop");
    const stopError = action.kind === "stop" ? action.error : undefined;
    expect(stopError).toBeInstanceOf(MaxRestartsExceededError);
    expect(stopError).toMatchObject({ actorPath: "/user/pure", maxRestarts: 3, withinMs: 1_000 });
    expect(stopError?.cause).toBe(error);
    // Once the oldest restart leaves the window, restarting is allowed again.
    expect(decideFailure(strategy, window, 1_000, error, child)).toEqual({
      kind: "restart",
      attempt: 3,
    });
  });

  it("uses 5 restarts within 10 s by default", () => {
    const strategy = oneForOne();
    expect(strategy).toMatchObject({ maxRestarts: 5, withinMs: 10_000, kind: "one-for-one" });
    const window = new RestartWindow();
    for (let i = 0; i < 5; i++)
      expect(decideFailure(strategy, window, 0, error, child).kind).toBe("restart");
    expect(decideFailure(strategy, window, 9_999, error, child).kind).toBe("stop");
    expect(decideFailure(strategy, window, 10_000, error, child).kind).toBe("restart");
  });

  it("stops at once with maxRestarts 0", () => {
    const action = decideFailure(
      oneForOne({ maxRestarts: 0 }),
      new RestartWindow(),
      0,
      error,
      child,
    );
    expect(action.kind).toBe("stop");
    expect(action.kind === "stop" ? action.error : undefined).toBeInstanceOf(
      MaxRestartsExceededError,
    );
  });

  it("passes the error and the child to decide, and maps each directive", () => {
    const seen: [Error, string][] = [];
    const strategyFor = (directive: Directive) =>
      oneForOne({
        decide: (e, c) => {
          seen.push([e, c.path]);
          return directive;
        },
      });
    const window = new RestartWindow();
    expect(decideFailure(strategyFor("resume"), window, 0, error, child)).toEqual({
      kind: "resume",
    });
    expect(decideFailure(strategyFor("stop"), window, 0, error, child)).toEqual({
      kind: "stop",
      error,
    });
    expect(decideFailure(strategyFor("escalate"), window, 0, error, child)).toEqual({
      kind: "escalate",
      error,
      exceeded: false,
    });
    expect(decideFailure(strategyFor("restart"), window, 0, error, child)).toEqual({
      kind: "restart",
      attempt: 1,
    });
    // Only restarts count against the limit.
    expect(window.count).toBe(1);
    expect(seen).toEqual([
      [error, "/user/pure"],
      [error, "/user/pure"],
      [error, "/user/pure"],
      [error, "/user/pure"],
    ]);
  });

  it("escalates when decide throws, and stops with InvalidOptionError when it returns a non-directive", () => {
    const throwing = oneForOne({
      decide: () => {
        throw new Error("decide bug");
      },
    });
    expect(decideFailure(throwing, new RestartWindow(), 0, error, child)).toEqual({
      kind: "escalate",
      error,
      exceeded: false,
    });
    const invalid = oneForOne({ decide: () => undefined as unknown as Directive });
    const action = decideFailure(invalid, new RestartWindow(), 0, error, child);
    expect(action.kind).toBe("stop");
    const stopError = action.kind === "stop" ? action.error : undefined;
    expect(stopError).toBeInstanceOf(InvalidOptionError);
    expect(stopError?.message).toContain('Option "supervision.decide()" must be one of');
  });

  it("keeps strategies immutable: with() returns a changed copy", () => {
    const base = oneForOne({ maxRestarts: 2, within: 500, decide: () => "resume" });
    const changed = base.with({ maxRestarts: 7 });
    expect(changed).not.toBe(base);
    expect(base).toMatchObject({ maxRestarts: 2, withinMs: 500 });
    expect(changed).toMatchObject({ maxRestarts: 7, withinMs: 500 });
    expect(changed.decide(error, child)).toBe("resume");
    expect(() => base.with({ within: 0 })).toThrow(InvalidOptionError);
  });
});

describe("RestartWindow (pure)", () => {
  it("records up to maxRestarts within the window and refuses the next without recording it", () => {
    const window = new RestartWindow();
    expect(window.tryRecord(0, 2, 100)).toBe(true);
    expect(window.tryRecord(10, 2, 100)).toBe(true);
    expect(window.count).toBe(2);
    expect(window.tryRecord(20, 2, 100)).toBe(false);
    expect(window.count).toBe(2);
  });

  it("slides: a restart older than the window no longer counts (exactly `within` ago is outside)", () => {
    const window = new RestartWindow();
    window.tryRecord(0, 2, 100);
    window.tryRecord(50, 2, 100);
    expect(window.tryRecord(99, 2, 100)).toBe(false);
    expect(window.tryRecord(100, 2, 100)).toBe(true); // the one at 0 expired
    expect(window.count).toBe(2);
    expect(window.tryRecord(149, 2, 100)).toBe(false);
    expect(window.tryRecord(1_000, 2, 100)).toBe(true);
    expect(window.count).toBe(1);
  });

  it("never records with maxRestarts 0", () => {
    const window = new RestartWindow();
    expect(window.tryRecord(0, 0, 100)).toBe(false);
    expect(window.count).toBe(0);
  });
});
