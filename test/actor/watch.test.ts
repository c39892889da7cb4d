/**
 * Death watch: `context.watch(ref)` delivers `onTerminated(ref, reason)` once the watched
 * actor stops — by request, by failing past its restart limit, or at shutdown — at once if
 * it has already stopped, never after `unwatch`, and one at a time with the watcher's
 * other work.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  InvalidOptionError,
  MaxRestartsExceededError,
  type ActorRef,
  type ActorSystem,
  type TerminationReason,
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

interface Notice {
  readonly path: string;
  readonly ref: ActorRef;
  readonly reason: TerminationReason;
}

class Target extends Actor {
  ping(): string {
    return "pong";
  }
  fail(): void {
    throw new Error("target failed");
  }
}

/** Watches the refs it is told to, recording each termination notice. */
class Watcher extends Actor {
  readonly #notices: Notice[];
  constructor(notices: Notice[]) {
    super();
    this.#notices = notices;
  }
  watch(ref: ActorRef): void {
    this.context.watch(ref);
  }
  unwatch(ref: ActorRef): void {
    this.context.unwatch(ref);
  }
  tryWatchSelf(): unknown {
    try {
      this.context.watch(this.self);
      return null;
    } catch (error) {
      return error;
    }
  }
  protected override onTerminated(ref: ActorRef, reason: TerminationReason): void {
    this.#notices.push({ path: ref.path, ref, reason });
  }
}

function spawnWatcher(notices: Notice[], name = "watcher"): ActorRef<Watcher> {
  return system.spawn(() => new Watcher(notices), { name });
}

describe("onTerminated", () => {
  it("is called with the ref and kind 'stopped' when a watched actor is stopped", async () => {
    const notices: Notice[] = [];
    const target = system.spawn(Target, { name: "target" });
    const watcher = spawnWatcher(notices);
    await watcher.ask("watch", target);
    await system.stop(target);
    await flush();
    expect(notices).toHaveLength(1);
    expect(notices[0]?.path).toBe("/user/target");
    expect(notices[0]?.ref.equals(target)).toBe(true);
    expect(notices[0]?.reason).toEqual({ kind: "stopped" });
  });

  it("is called with kind 'stopped' when the watched actor stops itself", async () => {
    class Quitter extends Actor {
      quit(): void {
        this.context.stop();
      }
    }
    const notices: Notice[] = [];
    const target = system.spawn(Quitter, { name: "quitter" });
    const watcher = spawnWatcher(notices);
    await watcher.ask("watch", target);
    target.tell("quit");
    await flush();
    expect(notices.map((n) => [n.path, n.reason])).toEqual([
      ["/user/quitter", { kind: "stopped" }],
    ]);
  });

  it("is called with kind 'failed' and MaxRestartsExceededError when the watched actor fails past its restart limit", async () => {
    const notices: Notice[] = [];
    const target = system.spawn(Target, { name: "target" });
    const watcher = spawnWatcher(notices);
    await watcher.ask("watch", target);
    // The default strategy allows 5 restarts within 10 s; the 6th failure stops the actor.
    for (let i = 0; i < 5; i++) target.tell("fail");
    await flush();
    expect(notices).toEqual([]);
    expect(target.alive).toBe(true);
    target.tell("fail");
    await flush();
    expect(target.alive).toBe(false);
    expect(notices).toHaveLength(1);
    const reason = notices[0]?.reason;
    expect(reason?.kind).toBe("failed");
    const error = reason?.kind === "failed" ? reason.error : undefined;
    expect(error).toBeInstanceOf(MaxRestartsExceededError);
    expect(error).toMatchObject({
      code: "ERR_MAX_RESTARTS_EXCEEDED",
      actorPath: "/user/target",
      maxRestarts: 5,
      withinMs: 10_000,
    });
    expect((error?.cause as Error).message).toBe("target failed");
  });

  it("is called with kind 'shutdown' when the system shuts down (the watchee, started later, stops first)", async () => {
    const notices: Notice[] = [];
    const watcher = spawnWatcher(notices);
    const target = system.spawn(Target, { name: "target" });
    await watcher.ask("watch", target);
    await system.shutdown();
    expect(notices.map((n) => [n.path, n.reason])).toEqual([
      ["/user/target", { kind: "shutdown" }],
    ]);
  });

  it("notifies at once when the watched actor has already stopped, with its original reason", async () => {
    const notices: Notice[] = [];
    const stopped = system.spawn(Target, { name: "stopped" });
    await system.stop(stopped);
    const failed = system.spawn(Target, { name: "failed" });
    for (let i = 0; i < 6; i++) failed.tell("fail");
    await flush();
    expect(failed.alive).toBe(false);

    const watcher = spawnWatcher(notices);
    await watcher.ask("watch", stopped);
    await watcher.ask("watch", failed);
    await flush();
    expect(notices.map((n) => [n.path, n.reason.kind])).toEqual([
      ["/user/stopped", "stopped"],
      ["/user/failed", "failed"],
    ]);
  });

  it("lets one watcher watch many actors and many watchers watch one actor", async () => {
    const first: Notice[] = [];
    const second: Notice[] = [];
    const a = system.spawn(Target, { name: "a" });
    const b = system.spawn(Target, { name: "b" });
    const w1 = spawnWatcher(first, "w1");
    const w2 = spawnWatcher(second, "w2");
    await w1.ask("watch", a);
    await w1.ask("watch", b);
    await w2.ask("watch", a);
    await system.stop(a);
    await system.stop(b);
    await flush();
    expect(first.map((n) => n.path)).toEqual(["/user/a", "/user/b"]);
    expect(second.map((n) => n.path)).toEqual(["/user/a"]);
  });

  it("delivers the notice only once, even if the same actor is watched twice", async () => {
    const notices: Notice[] = [];
    const target = system.spawn(Target, { name: "target" });
    const watcher = spawnWatcher(notices);
    await watcher.ask("watch", target);
    await watcher.ask("watch", target);
    await system.stop(target);
    await flush();
    expect(notices).toHaveLength(1);
  });
});

describe("restarts and failures", () => {
  it("does not notify watchers when the watched actor is merely restarted", async () => {
    const notices: Notice[] = [];
    const target = system.spawn(Target, { name: "target" });
    const watcher = spawnWatcher(notices);
    await watcher.ask("watch", target);
    target.tell("fail");
    await expect(target.ask("ping")).resolves.toBe("pong");
    await flush();
    expect(notices).toEqual([]);
    await system.stop(target);
    await flush();
    expect(notices.map((n) => n.reason)).toEqual([{ kind: "stopped" }]);
  });

  it("treats a throwing onTerminated as a failure of the watcher (phase onTerminated)", async () => {
    const failed: { path: string; phase: string }[] = [];
    system.events.on("failed", (event) => failed.push({ path: event.path, phase: event.phase }));
    const restarted: string[] = [];
    system.events.on("restarted", (event) => restarted.push(event.path));
    class FragileWatcher extends Actor {
      watch(ref: ActorRef): void {
        this.context.watch(ref);
      }
      protected override onTerminated(): void {
        throw new Error("cannot cope");
      }
      ping(): string {
        return "pong";
      }
    }
    const target = system.spawn(Target, { name: "target" });
    const watcher = system.spawn(FragileWatcher, { name: "fragile" });
    await watcher.ask("watch", target);
    await system.stop(target);
    await flush();
    expect(failed).toEqual([{ path: "/user/fragile", phase: "onTerminated" }]);
    expect(restarted).toEqual(["/user/fragile"]);
    await expect(watcher.ask("ping")).resolves.toBe("pong");
  });
});

describe("unwatch", () => {
  it("prevents the notice", async () => {
    const notices: Notice[] = [];
    const target = system.spawn(Target, { name: "target" });
    const watcher = spawnWatcher(notices);
    await watcher.ask("watch", target);
    await watcher.ask("unwatch", target);
    await system.stop(target);
    await flush();
    expect(notices).toEqual([]);
  });

  it("discards a notice that arrived but was not handled yet", async () => {
    // The watcher is still in its async onStart when the target stops, so the notice waits;
    // onStart then unwatches, and the waiting notice must be dropped.
    const notices: string[] = [];
    const starting = gate();
    const target = system.spawn(Target, { name: "target" });
    class LateUnwatcher extends Actor {
      constructor() {
        super();
        this.context.watch(target);
      }
      protected override async onStart(): Promise<void> {
        await starting.wait;
        this.context.unwatch(target);
      }
      protected override onTerminated(ref: ActorRef): void {
        notices.push(ref.path);
      }
      ping(): string {
        return "pong";
      }
    }
    const watcher = system.spawn(LateUnwatcher);
    await flush();
    await system.stop(target);
    await flush();
    starting.open();
    await expect(watcher.ask("ping")).resolves.toBe("pong");
    expect(notices).toEqual([]);
  });
});

describe("one at a time", () => {
  it("does not run onTerminated while an async handler of the watcher is in flight", async () => {
    const log: string[] = [];
    const busy = gate();
    class BusyWatcher extends Actor {
      watch(ref: ActorRef): void {
        this.context.watch(ref);
      }
      async work(): Promise<void> {
        log.push("work begins");
        await busy.wait;
        log.push("work ends");
      }
      protected override onTerminated(ref: ActorRef): void {
        log.push(`terminated ${ref.path}`);
      }
    }
    const target = system.spawn(Target, { name: "target" });
    const watcher = system.spawn(BusyWatcher);
    await watcher.ask("watch", target);
    watcher.tell("work");
    await flush();
    await system.stop(target);
    await flush();
    busy.open();
    await flush();
    expect(log).toEqual(["work begins", "work ends", "terminated /user/target"]);
  });
});

describe("misuse", () => {
  it("throws InvalidOptionError when an actor watches itself", async () => {
    const watcher = spawnWatcher([]);
    const error = await watcher.ask("tryWatchSelf");
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option: "ref" });
    expect((error as Error).message).toContain("an actor cannot watch itself");
  });

  it("throws InvalidOptionError for something that is not an ActorRef", async () => {
    class Confused extends Actor {
      tryWatch(value: unknown): unknown {
        try {
          this.context.watch(value as ActorRef);
          return null;
        } catch (error) {
          return error;
        }
      }
    }
    const ref = system.spawn(Confused);
    const error = await ref.ask("tryWatch", { path: "/user/x" });
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option: "ref" });
    expect((error as Error).message).toContain("an ActorRef of a local actor");
  });
});
