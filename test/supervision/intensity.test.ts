/**
 * Restart intensity wired into supervision: past `maxRestarts` within `within`, the
 * strategy's `whenExceeded` decides. "stop-child" stops the child with
 * MaxRestartsExceededError and the supervisor carries on; "escalate" stops all of the
 * supervisor's children in reverse start order and fails the supervisor, whose own parent
 * then decides. The same failures spread wider than the window keep restarting.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  MaxRestartsExceededError,
  oneForAll,
  oneForOne,
  restForOne,
  type ActorSystem,
  type StrategyKind,
  type StrategyOptions,
  type SupervisorStrategy,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import {
  LifecycleLog,
  failureOf,
  leaves,
  nodeAt,
  recordEvents,
  spawnNode,
  type NodeSpec,
} from "./nodes.js";

let clock: VirtualClock;
let system: ActorSystem;
let log: LifecycleLog;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
  log = new LifecycleLog();
});

afterEach(() => stopVirtualSystem(system, clock));

const BUILDERS: Record<StrategyKind, (options: StrategyOptions) => SupervisorStrategy> = {
  "one-for-one": oneForOne,
  "one-for-all": oneForAll,
  "rest-for-one": restForOne,
};

/** Starts `spec` as a top-level Node and waits until its subtree has started. */
async function start(spec: NodeSpec): Promise<void> {
  const ref = spawnNode(system, log, spec);
  await ref.ask("children");
  await flush();
  log.take();
}

const LIMIT = { maxRestarts: 2, within: 1_000 } as const;

describe('whenExceeded: "stop-child"', () => {
  it.each(Object.keys(BUILDERS) as StrategyKind[])(
    "%s: stops only the child with MaxRestartsExceededError; the supervisor and the siblings carry on",
    async (kind) => {
      const events = recordEvents(system);
      await start({
        name: "boss",
        supervision: BUILDERS[kind]({ ...LIMIT, whenExceeded: "stop-child" }),
        children: leaves("abc", "permanent"),
      });
      const b = nodeAt(system, "boss/b");
      for (let i = 0; i < 3; i++) b.tell("fail");
      await flush();

      expect(b.alive).toBe(false);
      expect(events.stopped.map((e) => e.path)).toEqual(["/user/boss/b"]);
      const error = failureOf(events.stopped[0]);
      expect(error).toBeInstanceOf(MaxRestartsExceededError);
      expect(error).toMatchObject({
        code: "ERR_MAX_RESTARTS_EXCEEDED",
        actorPath: "/user/boss/b",
        maxRestarts: 2,
        withinMs: 1_000,
      });
      expect((error?.cause as Error).message).toBe("b#3 failed");
      // b was restarted twice (with its group), then stopped alone.
      expect(events.restarted.filter((e) => e.path === "/user/boss/b")).toHaveLength(2);
      expect(log.take().slice(-1)).toEqual(["stop b#3"]);
      const boss = nodeAt(system, "boss");
      await expect(boss.ask("id")).resolves.toBe("boss#1");
      await expect(boss.ask("children")).resolves.toEqual(["a", "c"]);
      expect(events.escalated).toEqual([]);
      expect(events.failed.filter((e) => e.path === "/user/boss")).toEqual([]);
    },
  );
});

describe('whenExceeded: "escalate"', () => {
  it("stops all children in reverse start order, fails the supervisor, and its parent restarts it with new children", async () => {
    const events = recordEvents(system);
    await start({
      name: "boss",
      supervision: oneForOne({ ...LIMIT, whenExceeded: "escalate" }),
      children: leaves("abc", "permanent"),
    });
    const boss = nodeAt(system, "boss");
    const old = ["a", "b", "c"].map((name) => nodeAt(system, `boss/${name}`));
    const b = old[1];
    for (let i = 0; i < 3; i++) b?.tell("fail");
    await flush();

    expect(log.take()).toEqual([
      "stop b#1",
      "start b#2",
      "stop b#2",
      "start b#3",
      // exceeded: the supervisor stops all its children, newest first, then fails itself
      "stop c#1",
      "stop b#3",
      "stop a#1",
      // the guardian (default strategy) restarts it: its onStart starts the children again
      "stop boss#1",
      "start boss#2",
      "start a#2",
      "start b#4",
      "start c#2",
    ]);
    expect(events.escalated).toHaveLength(1);
    expect(events.escalated[0]).toMatchObject({ path: "/user/boss", child: "/user/boss/b" });
    expect(events.escalated[0]?.error).toBeInstanceOf(MaxRestartsExceededError);
    expect(events.stopped.map((e) => e.path)).toEqual([
      "/user/boss/c",
      "/user/boss/b",
      "/user/boss/a",
    ]);
    for (const e of events.stopped) expect(failureOf(e)).toBeInstanceOf(MaxRestartsExceededError);
    expect(events.failed.filter((e) => e.path === "/user/boss").map((e) => e.phase)).toEqual([
      "escalated",
    ]);
    const bossRestart = events.restarted.filter((e) => e.path === "/user/boss");
    expect(bossRestart).toHaveLength(1);
    expect(bossRestart[0]?.error).toBeInstanceOf(MaxRestartsExceededError);

    // The supervisor's cell survived; its children are new actors at the old paths.
    expect(nodeAt(system, "boss")).toBe(boss);
    for (const ref of old) expect(ref?.alive).toBe(false);
    await expect(boss.ask("children")).resolves.toEqual(["a", "b", "c"]);
    await expect(nodeAt(system, "boss/b").ask("id")).resolves.toBe("b#4");
  });

  it("lets the supervisor's parent decide: a parent that stops it stops the whole subtree", async () => {
    const events = recordEvents(system);
    await start({
      name: "top",
      supervision: oneForOne({ decide: () => "stop" }),
      children: [
        {
          name: "boss",
          supervision: oneForOne({ ...LIMIT, whenExceeded: "escalate" }),
          children: leaves("ab", "permanent"),
        },
      ],
    });
    const boss = nodeAt(system, "top/boss");
    const a = nodeAt(system, "top/boss/a");
    for (let i = 0; i < 3; i++) a.tell("fail");
    await flush();

    expect(log.take().slice(-3)).toEqual(["stop b#1", "stop a#3", "stop boss#1"]);
    expect(boss.alive).toBe(false);
    expect(events.stopped.map((e) => e.path)).toEqual([
      "/user/top/boss/b",
      "/user/top/boss/a",
      "/user/top/boss",
    ]);
    expect(failureOf(events.stopped[2])).toBeInstanceOf(MaxRestartsExceededError);
    const top = nodeAt(system, "top");
    await expect(top.ask("children")).resolves.toEqual([]);
    await expect(top.ask("id")).resolves.toBe("top#1");
  });

  it("keeps restarting when the same failures are spread wider than the window", async () => {
    const events = recordEvents(system);
    await start({
      name: "boss",
      supervision: oneForOne({ ...LIMIT, whenExceeded: "escalate" }),
      children: leaves("ab", "permanent"),
    });
    const b = nodeAt(system, "boss/b");
    // Never more than 2 restarts within any 1000 ms.
    for (let i = 0; i < 6; i++) {
      b.tell("fail");
      await flush();
      await clock.advance(600);
    }
    expect(events.restarted.map((e) => e.path)).toEqual(Array(6).fill("/user/boss/b"));
    expect(events.escalated).toEqual([]);
    expect(events.stopped).toEqual([]);
    await expect(b.ask("id")).resolves.toBe("b#7");
    await expect(nodeAt(system, "boss").ask("id")).resolves.toBe("boss#1");
  });

  it("counts a restart exactly `within` ms old as outside the window", async () => {
    const events = recordEvents(system);
    await start({
      name: "boss",
      supervision: oneForOne({ ...LIMIT, whenExceeded: "escalate" }),
      children: leaves("a", "permanent"),
    });
    const a = nodeAt(system, "boss/a");
    a.tell("fail");
    await clock.advance(999);
    a.tell("fail");
    await clock.advance(1);
    a.tell("fail"); // the first restart (t=0) is now 1000 ms old
    await flush();
    expect(events.escalated).toEqual([]);
    expect(events.restarted).toHaveLength(3);
    a.tell("fail"); // t=1000: the restarts at 999 and 1000 are within the window
    await flush();
    expect(events.escalated).toHaveLength(1);
  });
});

describe("the maxRestartsExceeded event", () => {
  it.each<["fails" | "stops itself", string]>([
    ["fails", "fail"],
    ["stops itself", "stopSelf"],
  ])("is emitted once when a permanent child %s too often", async (_, message) => {
    const exceeded: unknown[] = [];
    system.events.on("maxRestartsExceeded", (e) => exceeded.push(e));
    await start({
      name: "boss",
      supervision: oneForOne({ ...LIMIT, whenExceeded: "stop-child" }),
      children: leaves("ab", "permanent"),
    });
    for (let i = 1; i <= 3; i++) {
      nodeAt(system, "boss/b").tell(message as "fail" | "stopSelf");
      await flush();
    }
    expect(system.lookup("boss/b")).toBeUndefined();
    expect(exceeded).toEqual([
      { path: "/user/boss/b", maxRestarts: 2, withinMs: 1_000, then: "stop-child" },
    ]);
  });
});

describe("a permanent child that keeps stopping itself", () => {
  it('is left stopped past the limit with "stop-child"; the supervisor carries on', async () => {
    const events = recordEvents(system);
    await start({
      name: "boss",
      supervision: oneForOne({ ...LIMIT, whenExceeded: "stop-child" }),
      children: leaves("ab", "permanent"),
    });
    for (let i = 1; i <= 3; i++) {
      nodeAt(system, "boss/b").tell("stopSelf");
      await flush();
    }
    expect(log.take()).toEqual(["stop b#1", "start b#2", "stop b#2", "start b#3", "stop b#3"]);
    expect(system.lookup("boss/b")).toBeUndefined();
    const boss = nodeAt(system, "boss");
    await expect(boss.ask("children")).resolves.toEqual(["a"]);
    await expect(boss.ask("id")).resolves.toBe("boss#1");
    expect(events.escalated).toEqual([]);
    // Nothing failed in the supervisor itself.
    expect(events.failed.filter((e) => e.path === "/user/boss")).toEqual([]);
    expect(system.inspect().actors[0]?.failed).toBe(0);
  });

  it('escalates past the limit with "escalate": the supervisor is restarted with new children', async () => {
    const events = recordEvents(system);
    await start({
      name: "boss",
      supervision: oneForOne({ ...LIMIT, whenExceeded: "escalate" }),
      children: leaves("ab", "permanent"),
    });
    for (let i = 1; i <= 3; i++) {
      nodeAt(system, "boss/b").tell("stopSelf");
      await flush();
    }
    expect(log.take()).toEqual([
      "stop b#1",
      "start b#2",
      "stop b#2",
      "start b#3",
      "stop b#3",
      "stop a#1",
      "stop boss#1",
      "start boss#2",
      "start a#2",
      "start b#4",
    ]);
    expect(events.escalated).toHaveLength(1);
    expect(events.escalated[0]?.error).toBeInstanceOf(MaxRestartsExceededError);
    expect(events.restarted.filter((e) => e.path === "/user/boss")).toHaveLength(1);
    // One failure of the supervisor, as when a failing child exceeds the limit.
    expect(events.failed.filter((e) => e.path === "/user/boss").map((e) => e.phase)).toEqual([
      "escalated",
    ]);
  });
});
