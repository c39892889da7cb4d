/**
 * Lifecycle hooks and actor construction: the order of onStart / onStop / onRestart, an
 * async onStart holding messages, the context being usable in the constructor, misuse
 * outside spawn, factories that break their contract, and failures inside hooks.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  ActorStartError,
  InvalidOptionError,
  NoActorContextError,
  TroupeError,
  UnknownMessageError,
  type ActorFactory,
  type ActorFailedEvent,
  type ActorRef,
  type ActorRestartedEvent,
  type ActorSystem,
  type MessageName,
  type TerminationReason,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { gate } from "../support/gates.js";
import { thrownBy } from "../support/thrown-by.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

function failedEvents(): ActorFailedEvent[] {
  const events: ActorFailedEvent[] = [];
  system.events.on("failed", (event) => events.push(event));
  return events;
}

describe("hook order", () => {
  it("runs onStart before the first message is handled", async () => {
    const log: string[] = [];
    class Greeter extends Actor {
      protected override onStart(): void {
        log.push("onStart");
      }
      greet(name: string): string {
        log.push(`greet ${name}`);
        return `hello ${name}`;
      }
    }
    const ref = system.spawn(Greeter);
    ref.tell("greet", "a");
    await expect(ref.ask("greet", "b")).resolves.toBe("hello b");
    expect(log).toEqual(["onStart", "greet a", "greet b"]);
  });

  it("holds messages until an async onStart settles, then handles them in order", async () => {
    const log: string[] = [];
    const starting = gate();
    class SlowStarter extends Actor {
      protected override async onStart(): Promise<void> {
        log.push("onStart begins");
        await starting.wait;
        log.push("onStart ends");
      }
      note(n: number): number {
        log.push(`note ${n}`);
        return n;
      }
    }
    const ref = system.spawn(SlowStarter, { name: "slow" });
    ref.tell("note", 1);
    const reply = ref.ask("note", 2);
    await flush();
    expect(log).toEqual(["onStart begins"]);
    const [snapshot] = system.inspect().actors;
    expect(snapshot?.status).toBe("starting");
    expect(snapshot?.mailbox).toBe(2);

    starting.open();
    await expect(reply).resolves.toBe(2);
    expect(log).toEqual(["onStart begins", "onStart ends", "note 1", "note 2"]);
    expect(system.inspect().actors[0]?.status).toBe("running");
  });

  it("runs onStop exactly once, even when stop is requested twice and shutdown follows", async () => {
    let stops = 0;
    class Stoppable extends Actor {
      protected override onStop(): void {
        stops++;
      }
      ping(): string {
        return "pong";
      }
    }
    const ref = system.spawn(Stoppable);
    await ref.ask("ping");
    const first = system.stop(ref);
    const second = system.stop(ref);
    await Promise.all([first, second]);
    await system.shutdown();
    expect(stops).toBe(1);
    expect(ref.alive).toBe(false);
  });

  it("on restart: the old instance's onStop, a new instance from the factory, onRestart(error), then onStart", async () => {
    const log: string[] = [];
    let made = 0;
    class Phoenix extends Actor {
      readonly #id = ++made;
      protected override onStart(): void {
        log.push(`onStart #${this.#id}`);
      }
      protected override onStop(): void {
        log.push(`onStop #${this.#id}`);
      }
      protected override onRestart(error: Error): void {
        log.push(`onRestart #${this.#id}: ${error.message}`);
      }
      burn(): void {
        log.push(`burn #${this.#id}`);
        throw new Error("ashes");
      }
      id(): number {
        return this.#id;
      }
    }
    let factoryCalls = 0;
    const ref = system.spawn(() => {
      factoryCalls++;
      return new Phoenix();
    });
    await expect(ref.ask("burn")).rejects.toThrow("ashes");
    await expect(ref.ask("id")).resolves.toBe(2);
    expect(factoryCalls).toBe(2);
    expect(log).toEqual([
      "onStart #1",
      "burn #1",
      "onStop #1",
      "onRestart #2: ashes",
      "onStart #2",
    ]);
  });

  it("keeps lifecycle hooks out of the protocol: an untyped caller cannot invoke them", () => {
    class Plain extends Actor {
      ping(): string {
        return "pong";
      }
    }
    const ref = system.spawn(Plain, { name: "plain" });
    for (const hook of ["onStart", "onStop", "onRestart", "onTerminated", "constructor"]) {
      const error = thrownBy(() => ref.tell(hook as MessageName<Plain>), UnknownMessageError);
      expect(error.code).toBe("ERR_UNKNOWN_MESSAGE");
      expect(error.message).toContain(`has no message "${hook}"`);
      expect(error.known).toEqual(["ping"]);
    }
  });
});

describe("the actor context", () => {
  class Child extends Actor {
    where(): string {
      return this.context.path;
    }
  }

  class Builder extends Actor {
    readonly #seen: string;
    readonly #child: ActorRef<Child>;
    constructor() {
      super();
      // Everything an actor can do is available from its constructor when spawn made it.
      this.#seen = `${this.context.path} ${this.self.path} ${this.context.parent.path}`;
      this.#child = this.context.spawn(Child, { name: "kid" });
    }
    seen(): string {
      return this.#seen;
    }
    child(): ActorRef<Child> {
      return this.#child;
    }
  }

  it("is usable in the constructor of an actor spawned from its class", async () => {
    const ref = system.spawn(Builder, { name: "builder" });
    await expect(ref.ask("seen")).resolves.toBe("/user/builder /user/builder /user");
    const child = await ref.ask("child");
    await expect(child.ask("where")).resolves.toBe("/user/builder/kid");
    expect(system.lookup("/user/builder/kid")?.equals(child)).toBe(true);
  });

  it("is usable in the constructor of an actor spawned from a factory", async () => {
    const ref = system.spawn(() => new Builder(), { name: "built" });
    await expect(ref.ask("seen")).resolves.toBe("/user/built /user/built /user");
  });

  it("throws NoActorContextError for this.self, this.context and this.timers outside spawn", () => {
    class Loose extends Actor {
      me(): unknown {
        return this.self;
      }
      ctx(): unknown {
        return this.context;
      }
      clock(): unknown {
        return this.timers;
      }
    }
    const loose = new Loose();
    const cases: [() => unknown, string][] = [
      [() => loose.me(), "this.self"],
      [() => loose.ctx(), "this.context"],
      [() => loose.clock(), "this.timers"],
    ];
    for (const [call, what] of cases) {
      const error = thrownBy(call, NoActorContextError);
      expect(error).toBeInstanceOf(TroupeError);
      expect(error.code).toBe("ERR_NO_ACTOR_CONTEXT");
      expect(error.message).toContain(`${what} is only available to an actor created by spawn()`);
      expect(error.message).toContain('do not construct actors with "new"');
    }
  });
});

describe("broken factories and constructors", () => {
  class Plain extends Actor {
    ping(): string {
      return "pong";
    }
  }

  it("rejects a factory that returns something other than an actor with ActorStartError", () => {
    const notAnActor = (() => ({ ping: () => "pong" })) as unknown as ActorFactory<Plain>;
    const error = thrownBy(() => system.spawn(notAnActor, { name: "fake" }), ActorStartError);
    expect(error.code).toBe("ERR_ACTOR_START");
    expect(error.actorPath).toBe("/user/fake");
    expect(error.cause).toBeInstanceOf(InvalidOptionError);
    expect((error.cause as InvalidOptionError).option).toBe("factory");
    expect((error.cause as InvalidOptionError).message).toContain(
      "a function returning an instance of an Actor subclass",
    );
    // Nothing was registered under the name.
    expect(system.lookup("fake")).toBeUndefined();
    expect(system.spawn(Plain, { name: "fake" }).path).toBe("/user/fake");
  });

  it("rejects a factory that returns an instance another actor already uses", () => {
    const shared = new Plain();
    const first = system.spawn(() => shared, { name: "first" });
    expect(first.path).toBe("/user/first");
    const error = thrownBy(() => system.spawn(() => shared, { name: "second" }), ActorStartError);
    expect(error.code).toBe("ERR_ACTOR_START");
    expect(error.actorPath).toBe("/user/second");
    expect(error.cause).toBeInstanceOf(InvalidOptionError);
    expect((error.cause as InvalidOptionError).message).toContain(
      "a function returning a new actor instance on each call",
    );
    expect(system.lookup("second")).toBeUndefined();
  });

  it("refuses to restart from the failed instance when the factory returns it again", async () => {
    // Restart must re-create the actor; a factory that hands back the same object would
    // silently keep the failed state.
    class Tally extends Actor {
      #count = 0;
      inc(): number {
        return ++this.#count;
      }
      fail(): void {
        throw new Error("tally broke");
      }
    }
    const failed = failedEvents();
    const shared = new Tally();
    const ref = system.spawn(() => shared, { name: "tally" });
    await ref.ask("inc");
    ref.tell("fail");
    await flush();
    const factoryFailures = failed.filter((e) => e.phase === "factory");
    expect(factoryFailures.length).toBeGreaterThan(0);
    expect(factoryFailures[0]?.error).toBeInstanceOf(ActorStartError);
  });

  it("leaves no orphan running when a constructor spawned a child and then threw", async () => {
    const log: string[] = [];
    class Kid extends Actor {
      protected override onStart(): void {
        log.push("kid started");
      }
      protected override onStop(): void {
        log.push("kid stopped");
      }
    }
    class HalfBuilt extends Actor {
      constructor() {
        super();
        this.context.spawn(Kid, { name: "kid" });
        throw new Error("failed after spawning");
      }
    }
    expect(() => system.spawn(HalfBuilt, { name: "half" })).toThrow(ActorStartError);
    await flush();
    await system.shutdown();
    // Either the kid never started, or it was stopped with its failed parent.
    expect(log.filter((entry) => entry === "kid started").length).toBe(
      log.filter((entry) => entry === "kid stopped").length,
    );
  });

  it("makes spawn throw ActorStartError with the constructor's error as cause", () => {
    const cause = new Error("missing config");
    class Misconfigured extends Actor {
      constructor() {
        super();
        throw cause;
      }
    }
    const error = thrownBy(() => system.spawn(Misconfigured, { name: "bad" }), ActorStartError);
    expect(error.code).toBe("ERR_ACTOR_START");
    expect(error.name).toBe("ActorStartError");
    expect(error.cause).toBe(cause);
    expect(error.actorPath).toBe("/user/bad");
    expect(error.message).toContain("Could not create /user/bad");
    expect(error.message).toContain("Move fallible set-up into onStart");
    expect(system.lookup("bad")).toBeUndefined();
    expect(system.inspect().actors).toEqual([]);
  });
});

describe("failures inside hooks", () => {
  it("runs the failed instance's onStop once, even when re-creating the actor keeps failing", async () => {
    let constructed = 0;
    const stops: number[] = [];
    class Brittle extends Actor {
      readonly #id: number;
      constructor() {
        super();
        this.#id = ++constructed;
        if (this.#id > 1) throw new Error("cannot be re-created");
      }
      protected override onStop(): void {
        stops.push(this.#id);
      }
      fail(): void {
        throw new Error("brittle failed");
      }
    }
    const failed = failedEvents();
    const stopped: TerminationReason[] = [];
    system.events.on("stopped", (event) => stopped.push(event.reason));
    const ref = system.spawn(Brittle, { name: "brittle" });
    ref.tell("fail");
    await flush(10);
    // Every attempt to re-create fails, so the restart limit finally stops the actor.
    expect(ref.alive).toBe(false);
    expect(failed.filter((e) => e.phase === "factory").length).toBeGreaterThan(0);
    expect(failed.find((e) => e.phase === "factory")?.error).toBeInstanceOf(ActorStartError);
    expect(stopped).toHaveLength(1);
    expect(stopped[0]?.kind).toBe("failed");
    // Only one instance ever existed, and it was stopped once.
    expect(stops).toEqual([1]);
  });

  it("restarts an actor whose onStart throws, through the default supervision", async () => {
    let starts = 0;
    class FlakyStart extends Actor {
      protected override onStart(): void {
        starts++;
        if (starts === 1) throw new Error("first start fails");
      }
      ping(): string {
        return "pong";
      }
    }
    const failed = failedEvents();
    const restarted: ActorRestartedEvent[] = [];
    system.events.on("restarted", (event) => restarted.push(event));
    const ref = system.spawn(FlakyStart, { name: "flaky" });
    // The message queued during the failed start survives the restart.
    await expect(ref.ask("ping")).resolves.toBe("pong");
    expect(starts).toBe(2);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ path: "/user/flaky", phase: "onStart" });
    expect(failed[0]?.error.message).toBe("first start fails");
    expect(restarted).toHaveLength(1);
    expect(restarted[0]).toMatchObject({ path: "/user/flaky", restarts: 1 });
    expect(restarted[0]?.error.message).toBe("first start fails");
    const [snapshot] = system.inspect().actors;
    expect(snapshot).toMatchObject({ restarts: 1, failed: 1, status: "running" });
  });

  it("restarts an actor whose async onStart rejects", async () => {
    let starts = 0;
    class FlakyAsyncStart extends Actor {
      protected override async onStart(): Promise<void> {
        starts++;
        await Promise.resolve();
        if (starts === 1) throw new Error("async start fails");
      }
      ping(): string {
        return "pong";
      }
    }
    const failed = failedEvents();
    const ref = system.spawn(FlakyAsyncStart);
    await expect(ref.ask("ping")).resolves.toBe("pong");
    expect(starts).toBe(2);
    expect(failed.map((e) => e.phase)).toEqual(["onStart"]);
    expect(system.inspect().actors[0]?.restarts).toBe(1);
  });

  it("reports an onStop that throws as a failed event with phase onStop, and the stop completes", async () => {
    class MessyStop extends Actor {
      protected override onStop(): void {
        throw new Error("cleanup failed");
      }
      ping(): string {
        return "pong";
      }
    }
    const failed = failedEvents();
    const stopped: { path: string; reason: TerminationReason }[] = [];
    system.events.on("stopped", (event) => stopped.push(event));
    const ref = system.spawn(MessyStop, { name: "messy" });
    await ref.ask("ping");
    await system.stop(ref);
    expect(ref.alive).toBe(false);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ path: "/user/messy", phase: "onStop" });
    expect(failed[0]?.error.message).toBe("cleanup failed");
    expect(stopped).toEqual([{ path: "/user/messy", reason: { kind: "stopped" } }]);
    // Stopped for good: no restart was attempted.
    expect(system.lookup("messy")).toBeUndefined();
  });

  it("reports an async onStop that rejects with phase onStop, and the stop completes", async () => {
    class MessyAsyncStop extends Actor {
      protected override async onStop(): Promise<void> {
        await Promise.resolve();
        throw new Error("async cleanup failed");
      }
    }
    const failed = failedEvents();
    const ref = system.spawn(MessyAsyncStop, { name: "messy" });
    await flush();
    await system.stop(ref);
    expect(ref.alive).toBe(false);
    expect(failed.map((e) => [e.phase, e.error.message])).toEqual([
      ["onStop", "async cleanup failed"],
    ]);
  });
});
