/**
 * Strategies × restart types × how a child ends, as OTP's supervisor suite checks them:
 * which children are restarted, which are stopped, and in what order (one shared lifecycle
 * log), for one-for-one, one-for-all and rest-for-one, with permanent, transient and
 * temporary children that fail or stop themselves. A restart after a failure keeps the
 * child's cell (same ref, mailbox kept); a permanent child that stops itself comes back as
 * a new actor at the same path (new ref, the old one dead).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ActorStoppedError,
  oneForAll,
  oneForOne,
  restForOne,
  type ActorRef,
  type ActorSystem,
  type RestartType,
  type StrategyKind,
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
  type Node,
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

const STRATEGIES: Record<StrategyKind, () => SupervisorStrategy> = {
  "one-for-one": () => oneForOne(),
  "one-for-all": () => oneForAll(),
  "rest-for-one": () => restForOne(),
};
const KINDS = Object.keys(STRATEGIES) as StrategyKind[];

/** Spawns /user/boss supervising `children` with `kind`; returns once all have started. */
async function startBoss(
  kind: StrategyKind,
  children: readonly NodeSpec[],
): Promise<ActorRef<Node>> {
  const boss = spawnNode(system, log, { name: "boss", supervision: STRATEGIES[kind](), children });
  await boss.ask("children");
  await flush();
  expect(log.take()).toEqual(["start boss#1", ...children.map((c) => `start ${c.name}#1`)]);
  return boss;
}

function refsOf(names: string): Map<string, ActorRef<Node>> {
  return new Map([...names].map((name) => [name, nodeAt(system, `boss/${name}`)]));
}

/** The log of a failure of b among a, b, c (all permanent or all transient). */
const RESTART_ON_FAILURE: Record<StrategyKind, { log: string[]; restarted: string }> = {
  "one-for-one": { log: ["stop b#1", "start b#2"], restarted: "b" },
  "one-for-all": {
    log: ["stop c#1", "stop b#1", "stop a#1", "start a#2", "start b#2", "start c#2"],
    restarted: "abc",
  },
  "rest-for-one": { log: ["stop c#1", "stop b#1", "start b#2", "start c#2"], restarted: "bc" },
};

/** OTP: a permanent child's normal exit is restarted like a failure, strategy included. */
const RESTART_ON_PERMANENT_EXIT: Record<StrategyKind, string[]> = {
  "one-for-one": ["stop b#1", "start b#2"],
  "one-for-all": ["stop b#1", "stop c#1", "stop a#1", "start a#2", "start b#2", "start c#2"],
  "rest-for-one": ["stop b#1", "stop c#1", "start b#2", "start c#2"],
};

describe.each(KINDS)("%s", (kind) => {
  it.each<RestartType>(["permanent", "transient"])(
    "restarts the group of a failed %s child: torn down in reverse start order, started in start order, same refs",
    async (restart) => {
      const events = recordEvents(system);
      const boss = await startBoss(kind, leaves("abc", restart));
      const before = refsOf("abc");
      (before.get("b") as ActorRef<Node>).tell("fail", "b broke");
      await flush();

      const expected = RESTART_ON_FAILURE[kind];
      expect(log.take()).toEqual(expected.log);
      expect(events.restarted.map((e) => [e.path, e.error.message, e.restarts])).toEqual(
        [...expected.restarted].map((name) => [`/user/boss/${name}`, "b broke", 1]),
      );
      expect(events.stopped).toEqual([]);
      // The cells survive a restart after a failure: same refs, all alive, new instances.
      for (const [name, ref] of before) {
        expect(nodeAt(system, `boss/${name}`)).toBe(ref);
        expect(ref.alive).toBe(true);
        const instance = expected.restarted.includes(name) ? 2 : 1;
        await expect(ref.ask("id")).resolves.toBe(`${name}#${instance}`);
      }
      await expect(boss.ask("children")).resolves.toEqual(["a", "b", "c"]);
    },
  );

  it("stops a failed temporary child and restarts nobody", async () => {
    const events = recordEvents(system);
    const boss = await startBoss(kind, leaves("abc", "temporary"));
    const before = refsOf("abc");
    const b = before.get("b") as ActorRef<Node>;
    b.tell("fail", "b broke");
    await flush();

    expect(log.take()).toEqual(["stop b#1"]);
    expect(events.restarted).toEqual([]);
    expect(events.stopped.map((e) => e.path)).toEqual(["/user/boss/b"]);
    expect(failureOf(events.stopped[0])?.message).toBe("b broke");
    expect(b.alive).toBe(false);
    expect(system.lookup("boss/b")).toBeUndefined();
    await expect(boss.ask("children")).resolves.toEqual(["a", "c"]);
    await expect((before.get("a") as ActorRef<Node>).ask("id")).resolves.toBe("a#1");
    await expect((before.get("c") as ActorRef<Node>).ask("id")).resolves.toBe("c#1");
  });

  it.each<RestartType>(["transient", "temporary"])(
    "leaves a %s child that stops itself stopped, and restarts nobody",
    async (restart) => {
      const events = recordEvents(system);
      const boss = await startBoss(kind, leaves("abc", restart));
      const b = nodeAt(system, "boss/b");
      b.tell("stopSelf");
      await flush();
      await clock.advance(60_000); // nothing comes back later either

      expect(log.take()).toEqual(["stop b#1"]);
      expect(events.restarted).toEqual([]);
      expect(events.stopped.map((e) => [e.path, e.reason.kind])).toEqual([
        ["/user/boss/b", "stopped"],
      ]);
      expect(b.alive).toBe(false);
      await expect(boss.ask("children")).resolves.toEqual(["a", "c"]);
    },
  );

  it("brings a permanent child that stops itself back as a new actor at the same path", async () => {
    const events = recordEvents(system);
    await startBoss(kind, leaves("abc", "permanent"));
    const old = nodeAt(system, "boss/b");
    old.tell("stopSelf");
    await flush();

    expect(old.alive).toBe(false);
    await expect(old.ask("id")).rejects.toBeInstanceOf(ActorStoppedError);
    const fresh = nodeAt(system, "boss/b");
    expect(fresh).not.toBe(old);
    expect(fresh.equals(old)).toBe(false);
    expect(fresh.path).toBe("/user/boss/b");
    expect(fresh.alive).toBe(true);
    await expect(fresh.ask("id")).resolves.toBe("b#2");
    expect(events.stopped.map((e) => [e.path, e.reason.kind])).toContainEqual([
      "/user/boss/b",
      "stopped",
    ]);
    expect(events.restarted.map((e) => e.path)).toContain("/user/boss/b");
  });

  it("restarts the strategy's group when a permanent child stops itself, as OTP does", async () => {
    await startBoss(kind, leaves("abc", "permanent"));
    nodeAt(system, "boss/b").tell("stopSelf");
    await flush();
    expect(log.take()).toEqual(RESTART_ON_PERMANENT_EXIT[kind]);
  });
});

describe("mixed restart types in a group restart (OTP's bystanders)", () => {
  it("one-for-all: a temporary sibling is stopped, not restarted; a transient one is restarted", async () => {
    const events = recordEvents(system);
    const boss = await startBoss("one-for-all", [
      { name: "a", restart: "transient" },
      { name: "b", restart: "permanent" },
      { name: "c", restart: "temporary" },
    ]);
    const c = nodeAt(system, "boss/c");
    nodeAt(system, "boss/b").tell("fail", "b broke");
    await flush();

    expect(log.take()).toEqual(["stop c#1", "stop b#1", "stop a#1", "start a#2", "start b#2"]);
    expect(c.alive).toBe(false);
    expect(events.stopped.map((e) => e.path)).toEqual(["/user/boss/c"]);
    expect(events.restarted.map((e) => e.path)).toEqual(["/user/boss/a", "/user/boss/b"]);
    await expect(boss.ask("children")).resolves.toEqual(["a", "b"]);
  });

  it("rest-for-one: only later siblings are in the group, and temporary ones there are stopped", async () => {
    const boss = await startBoss("rest-for-one", [
      { name: "a", restart: "temporary" },
      { name: "b", restart: "transient" },
      { name: "c", restart: "temporary" },
      { name: "d", restart: "permanent" },
    ]);
    nodeAt(system, "boss/b").tell("fail");
    await flush();

    expect(log.take()).toEqual(["stop d#1", "stop c#1", "stop b#1", "start b#2", "start d#2"]);
    await expect(boss.ask("children")).resolves.toEqual(["a", "b", "d"]);
    await expect(nodeAt(system, "boss/a").ask("id")).resolves.toBe("a#1");
  });

  it("rest-for-one: the last child's failure restarts it alone", async () => {
    await startBoss("rest-for-one", leaves("abc", "permanent"));
    nodeAt(system, "boss/c").tell("fail");
    await flush();
    expect(log.take()).toEqual(["stop c#1", "start c#2"]);
  });

  it("rest-for-one: the first child's failure restarts every child", async () => {
    await startBoss("rest-for-one", leaves("abc", "permanent"));
    nodeAt(system, "boss/a").tell("fail");
    await flush();
    expect(log.take()).toEqual(RESTART_ON_FAILURE["one-for-all"].log);
  });
});

describe("what a group restart keeps", () => {
  it("keeps every group member's mailbox: queued messages and asks go to the new instances", async () => {
    await startBoss("one-for-all", leaves("abc", "permanent"));
    const b = nodeAt(system, "boss/b");
    const c = nodeAt(system, "boss/c");
    b.tell("fail");
    b.tell("note", "b-queued");
    const asked = b.ask("id");
    c.tell("note", "c-queued");
    await flush();

    await expect(asked).resolves.toBe("b#2");
    const entries = log.take();
    expect(entries).toContain("b#2 b-queued");
    expect(entries).toContain("c#2 c-queued");
    expect(entries.indexOf("b#2 b-queued")).toBeGreaterThan(entries.indexOf("start b#2"));
    expect(entries.indexOf("c#2 c-queued")).toBeGreaterThan(entries.indexOf("start c#2"));
    expect(entries.filter((e) => e.endsWith("queued"))).toHaveLength(2);
    expect(system.deadLetters.count).toBe(0);
  });

  it("reports one restarted event per group member, each with the failed child's error", async () => {
    const events = recordEvents(system);
    await startBoss("rest-for-one", leaves("abc", "permanent"));
    nodeAt(system, "boss/b").tell("fail", "the cause");
    await flush();
    expect(events.restarted.map((e) => [e.path, e.error.message])).toEqual([
      ["/user/boss/b", "the cause"],
      ["/user/boss/c", "the cause"],
    ]);
    expect(system.inspect().actors[0]?.children.map((c) => [c.name, c.restarts])).toEqual([
      ["a", 0],
      ["b", 1],
      ["c", 1],
    ]);
  });
});

describe("a permanent child that stops itself keeps its place among its siblings", () => {
  it("is listed, and stopped at shutdown, in its original start position", async () => {
    const boss = await startBoss("one-for-one", leaves("abc", "permanent"));
    nodeAt(system, "boss/b").tell("stopSelf");
    await flush();
    expect(log.take()).toEqual(["stop b#1", "start b#2"]);
    await expect(boss.ask("children")).resolves.toEqual(["a", "b", "c"]);

    const stopped = system.stop(boss);
    await clock.advance(0);
    await stopped;
    expect(log.take()).toEqual(["stop c#1", "stop b#2", "stop a#1", "stop boss#1"]);
  });

  it("rest-for-one: a respawned first child is not restarted by a later sibling's failure", async () => {
    await startBoss("rest-for-one", [
      { name: "a", restart: "permanent" },
      { name: "b", restart: "transient" },
      { name: "c", restart: "transient" },
    ]);
    // a stops itself and comes back (only a, whatever the strategy does with its siblings).
    nodeAt(system, "boss/a").tell("stopSelf");
    await flush();
    log.take();
    nodeAt(system, "boss/b").tell("fail");
    await flush();
    const entries = log.take();
    expect(entries.filter((e) => e.includes(" a#"))).toEqual([]);
    expect(entries.filter((e) => e.includes(" b#") || e.includes(" c#"))).toHaveLength(4);
  });
});
