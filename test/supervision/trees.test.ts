/**
 * Declarative trees: `system.start(supervisor({...}, [child(...), supervisor(...)]))`
 * starts the children in the order listed, `ask("children")` lists them, shutdown stops
 * them in reverse order; a supervisor's default strategy escalates past its restart limit;
 * a child whose factory throws fails the supervisor's start with an ActorStartError naming
 * the child; invalid specs are refused with InvalidOptionError when they are made.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ActorStartError,
  ActorStoppedError,
  InvalidNameError,
  InvalidOptionError,
  MaxRestartsExceededError,
  type Supervisor,
  child,
  oneForAll,
  oneForOne,
  supervisor,
  type ActorRef,
  type ActorSystem,
  type RestartType,
  type SupervisorSpec,
  type SupervisorStrategy,
  type TreeSpec,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { thrownBy } from "../support/thrown-by.js";
import { track } from "../support/track.js";
import { LifecycleLog, Node, failureOf, nodeAt, recordEvents } from "./nodes.js";

let clock: VirtualClock;
let system: ActorSystem;
let log: LifecycleLog;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
  log = new LifecycleLog();
});

afterEach(() => stopVirtualSystem(system, clock));

/** A leaf of the tree: a logging Node. */
function leaf(name: string, restart?: RestartType): TreeSpec {
  return child(() => new Node(log), restart === undefined ? { name } : { name, restart });
}

function supervisorAt(path: string): ActorRef<Supervisor> {
  const ref = system.lookup<Supervisor>(path);
  if (ref === undefined) throw new Error(`no supervisor at ${path}`);
  return ref;
}

describe("starting and stopping a tree", () => {
  it("starts children in the order listed, lists them, and stops them in reverse order at shutdown", async () => {
    const events = recordEvents(system);
    const started: string[] = [];
    system.events.on("started", (e) => started.push(e.path));
    const app = system.start(
      supervisor({ name: "app", strategy: oneForAll() }, [
        leaf("db"),
        supervisor({ name: "workers" }, [leaf("f1"), leaf("f2")]),
        leaf("api"),
      ]),
    );
    expect(app.path).toBe("/user/app");
    await expect(app.ask("children")).resolves.toEqual([
      "/user/app/db",
      "/user/app/workers",
      "/user/app/api",
    ]);
    await expect(supervisorAt("app/workers").ask("children")).resolves.toEqual([
      "/user/app/workers/f1",
      "/user/app/workers/f2",
    ]);
    // Each level starts its children in order (a supervisor starts its own when it starts).
    const order = (paths: string[]): number[] => paths.map((p) => started.indexOf(p));
    const [db, workers, api] = order(["/user/app/db", "/user/app/workers", "/user/app/api"]);
    const [f1, f2] = order(["/user/app/workers/f1", "/user/app/workers/f2"]);
    expect(started[0]).toBe("/user/app");
    expect(db).toBeLessThan(workers as number);
    expect(workers).toBeLessThan(api as number);
    expect(workers).toBeLessThan(f1 as number);
    expect(f1).toBeLessThan(f2 as number);
    expect(log.take()).toEqual(
      expect.arrayContaining(["start db#1", "start f1#1", "start f2#1", "start api#1"]),
    );

    const done = system.shutdown();
    await clock.advance(0);
    await done;
    expect(log.take()).toEqual(["stop api#1", "stop f2#1", "stop f1#1", "stop db#1"]);
    expect(events.stopped.map((e) => e.path)).toEqual([
      "/user/app/api",
      "/user/app/workers/f2",
      "/user/app/workers/f1",
      "/user/app/workers",
      "/user/app/db",
      "/user/app",
    ]);
  });

  it("has every child spawned by the time `children` answers", async () => {
    const app = system.start(
      supervisor({ name: "app" }, [leaf("a"), supervisor({ name: "s" }, [leaf("b")])]),
    );
    await app.ask("children");
    expect(system.lookup("app/a")).toBeDefined();
    expect(system.lookup("app/s")).toBeDefined();
    await supervisorAt("app/s").ask("children");
    expect(system.lookup("app/s/b")).toBeDefined();
  });

  it("gives child(...) specs OTP's permanent restart by default and keeps an explicit one", async () => {
    const app = system.start(supervisor({ name: "app" }, [leaf("p"), leaf("t", "transient")]));
    await app.ask("children");
    await flush();
    nodeAt(system, "app/p").tell("stopSelf");
    nodeAt(system, "app/t").tell("stopSelf");
    await flush();
    await expect(app.ask("children")).resolves.toEqual(["/user/app/p"]);
    await expect(nodeAt(system, "app/p").ask("id")).resolves.toBe("p#2");
  });

  it("stops a supervisor node's subtree with system.stop, children first", async () => {
    const app = system.start(
      supervisor({ name: "app" }, [leaf("a"), supervisor({ name: "s" }, [leaf("b"), leaf("c")])]),
    );
    await app.ask("children");
    await flush();
    log.take();
    const stopped = system.stop(supervisorAt("app/s"));
    await clock.advance(0);
    await stopped;
    expect(log.take()).toEqual(["stop c#1", "stop b#1"]);
    // s is not permanent-restarted: its parent stopped it, it did not stop itself.
    await expect(app.ask("children")).resolves.toEqual(["/user/app/a"]);
  });
});

describe("a supervisor's default strategy", () => {
  it("escalates past the limit: all children stopped in reverse order, the supervisor restarted by its parent", async () => {
    const events = recordEvents(system);
    const app = system.start(supervisor({ name: "app" }, [leaf("a"), leaf("w"), leaf("z")]));
    await app.ask("children");
    await flush();
    log.take();
    const w = nodeAt(system, "app/w");
    for (let i = 1; i <= 6; i++) w.tell("fail", `failure ${i}`);
    await flush();

    const entries = log.take();
    // 5 restarts of w (the default limit: 5 within 10 s), then the 6th failure escalates.
    expect(entries.slice(0, 10)).toEqual([
      "stop w#1",
      "start w#2",
      "stop w#2",
      "start w#3",
      "stop w#3",
      "start w#4",
      "stop w#4",
      "start w#5",
      "stop w#5",
      "start w#6",
    ]);
    expect(entries.slice(10)).toEqual([
      "stop z#1",
      "stop w#6",
      "stop a#1",
      "start a#2",
      "start w#7",
      "start z#2",
    ]);
    expect(events.escalated).toHaveLength(1);
    expect(events.escalated[0]).toMatchObject({ path: "/user/app", child: "/user/app/w" });
    const exceeded = events.escalated[0]?.error;
    expect(exceeded).toBeInstanceOf(MaxRestartsExceededError);
    expect(exceeded).toMatchObject({ maxRestarts: 5, withinMs: 10_000 });
    expect(events.restarted.filter((e) => e.path === "/user/app")).toHaveLength(1);
    expect(app.alive).toBe(true);
    await expect(app.ask("children")).resolves.toEqual([
      "/user/app/a",
      "/user/app/w",
      "/user/app/z",
    ]);
    expect(w.alive).toBe(false);
  });

  it('stops only the child when the strategy says whenExceeded: "stop-child"', async () => {
    const events = recordEvents(system);
    const app = system.start(
      supervisor(
        { name: "app", strategy: oneForOne({ maxRestarts: 1, whenExceeded: "stop-child" }) },
        [leaf("a"), leaf("w")],
      ),
    );
    await app.ask("children");
    await flush();
    const w = nodeAt(system, "app/w");
    w.tell("fail");
    w.tell("fail");
    await flush();
    expect(w.alive).toBe(false);
    expect(failureOf(events.stopped[0])).toBeInstanceOf(MaxRestartsExceededError);
    expect(events.escalated).toEqual([]);
    await expect(app.ask("children")).resolves.toEqual(["/user/app/a"]);
  });

  it("gives a strategy without an explicit whenExceeded OTP's escalation", async () => {
    const events = recordEvents(system);
    const app = system.start(
      supervisor({ name: "app", strategy: oneForOne({ maxRestarts: 1 }) }, [leaf("w")]),
    );
    await app.ask("children");
    await flush();
    const w = nodeAt(system, "app/w");
    w.tell("fail");
    w.tell("fail");
    await flush();
    expect(events.escalated.map((e) => e.path)).toEqual(["/user/app"]);
    await expect(nodeAt(system, "app/w").ask("id")).resolves.toBe("w#3");
  });
});

describe("a child that cannot be created", () => {
  it("fails the supervisor's start with an ActorStartError naming the child's path", async () => {
    const events = recordEvents(system);
    const app = system.start(
      supervisor({ name: "app" }, [
        leaf("a"),
        child(
          () => {
            throw new Error("no database");
          },
          { name: "db" },
        ),
        leaf("z"),
      ]),
    );
    const children = track(app.ask("children"));
    await flush();
    await clock.advance(0);

    const startFailures = events.failed.filter((e) => e.path === "/user/app");
    expect(startFailures.length).toBeGreaterThan(0);
    for (const failure of startFailures) {
      expect(failure.phase).toBe("onStart");
      expect(failure.error).toBeInstanceOf(ActorStartError);
      expect(failure.error).toMatchObject({ code: "ERR_ACTOR_START", actorPath: "/user/app/db" });
      expect(failure.error.message).toContain("/user/app/db");
      expect((failure.error.cause as Error).message).toBe("no database");
    }
    // The guardian's default strategy retries the start 5 times, then stops the supervisor.
    expect(startFailures).toHaveLength(6);
    expect(app.alive).toBe(false);
    expect(children.error).toBeInstanceOf(ActorStoppedError);
    // The child started before the failing one is stopped every time: no orphans.
    const entries = log.take();
    expect(entries.filter((e) => e.startsWith("start a#"))).toHaveLength(6);
    expect(entries.filter((e) => e.startsWith("stop a#"))).toHaveLength(6);
    expect(entries.some((e) => e.includes("z#"))).toBe(false);
    expect(system.inspect().actors).toEqual([]);
  });
});

describe("invalid specs", () => {
  it("refuses a strategy that is not one", () => {
    const error = thrownBy(
      () => supervisor({ strategy: "one-for-all" as unknown as SupervisorStrategy }, []),
      InvalidOptionError,
    );
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option: "strategy" });
    expect(error.message).toContain("a strategy made by oneForOne, oneForAll or restForOne");
  });

  it("refuses a child that is not a spec, naming its index", () => {
    const error = thrownBy(
      () => supervisor({}, [leaf("a"), 42 as unknown as TreeSpec]),
      InvalidOptionError,
    );
    expect(error).toMatchObject({ option: "children[1]", received: 42 });
    thrownBy(() => supervisor({}, "abc" as unknown as TreeSpec[]), InvalidOptionError);
  });

  it("refuses an actor that is neither a class nor a factory", () => {
    const error = thrownBy(() => child(42 as unknown as () => Node), InvalidOptionError);
    expect(error).toMatchObject({ option: "actor", received: 42 });
  });

  it("refuses to start something that is not a supervisor spec", () => {
    const error = thrownBy(() => system.start({} as unknown as SupervisorSpec), InvalidOptionError);
    expect(error).toMatchObject({ option: "tree" });
    thrownBy(() => system.start(leaf("a") as unknown as SupervisorSpec), InvalidOptionError);
  });

  it("refuses unknown supervisor options", () => {
    const error = thrownBy(
      () => supervisor({ stratgy: oneForOne() } as unknown as Parameters<typeof supervisor>[0], []),
      InvalidOptionError,
    );
    expect(error.message).toContain("stratgy");
  });

  it.each<[string, () => unknown, abstract new (...args: never[]) => Error]>([
    [
      "child(..., { restart: bogus })",
      () => child(() => new Node(log), { restart: "sometimes" as RestartType }),
      InvalidOptionError,
    ],
    [
      "child(..., { name: bad })",
      () => child(() => new Node(log), { name: "no spaces" }),
      InvalidNameError,
    ],
    [
      "child(..., { unknown key })",
      () => child(() => new Node(log), { restrat: "transient" } as unknown as { name: string }),
      InvalidOptionError,
    ],
    [
      "supervisor({ restart: bogus })",
      () => supervisor({ restart: "sometimes" as RestartType }, []),
      InvalidOptionError,
    ],
    [
      "supervisor({ shutdownTimeout: -1 })",
      () => supervisor({ shutdownTimeout: -1 }, []),
      InvalidOptionError,
    ],
    ["supervisor({ name: bad })", () => supervisor({ name: "a.b" }, []), InvalidNameError],
  ])("validates %s when the spec is made, not when the supervisor starts", (_, make, type) => {
    thrownBy(make, type);
  });
});
