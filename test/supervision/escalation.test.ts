/**
 * Escalation up the tree: a failure escalated from a grandchild through two supervisors
 * reaches a top-level actor, whose supervisor (the system's `supervision` strategy) has no
 * one left to ask. Then the fatal policy applies: one `fatal` event, one `onFatal(error,
 * path)` call, the failed top-level tree stopped cleanly bottom-up, other top-level actors
 * untouched, the system still running, and no unhandled rejection on the way.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  MaxRestartsExceededError,
  child,
  oneForOne,
  supervisor,
  type ActorSystem,
  type ActorSystemOptions,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import {
  LifecycleLog,
  Node,
  failureOf,
  nodeAt,
  recordEvents,
  spawnNode,
  type NodeSpec,
} from "./nodes.js";

let clock: VirtualClock;
let system: ActorSystem;
let log: LifecycleLog;
let fatalCalls: [Error, string][];
let unhandled: unknown[];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

function startSystem(options: Omit<ActorSystemOptions, "clock" | "onFatal"> = {}): void {
  ({ clock, system } = startVirtualSystem({
    ...options,
    onFatal: (error, path) => fatalCalls.push([error, path]),
  }));
}

beforeEach(() => {
  log = new LifecycleLog();
  fatalCalls = [];
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});

afterEach(async () => {
  await stopVirtualSystem(system, clock);
  await flush();
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

const ESCALATE = (): ReturnType<typeof oneForOne> => oneForOne({ decide: () => "escalate" });

/** top → mid → leaf, each supervisor escalating whatever fails below it. */
const CHAIN: NodeSpec = {
  name: "top",
  supervision: ESCALATE(),
  children: [{ name: "mid", supervision: ESCALATE(), children: [{ name: "leaf" }] }],
};

async function startTree(spec: NodeSpec): Promise<void> {
  const ref = spawnNode(system, log, spec);
  await ref.ask("children");
  await flush();
}

describe("escalating to the top", () => {
  it("applies the fatal policy once: fatal event, onFatal(error, path), the failed tree stopped bottom-up", async () => {
    startSystem({ supervision: ESCALATE() });
    const events = recordEvents(system);
    await startTree(CHAIN);
    await startTree({ name: "other", children: [{ name: "x" }] });
    log.take();
    const top = nodeAt(system, "top");
    const mid = nodeAt(system, "top/mid");
    const leaf = nodeAt(system, "top/mid/leaf");

    const reply = leaf.ask("fail", "leaf broke");
    await expect(reply).rejects.toThrow("leaf broke");
    await flush();
    await clock.advance(10_000);

    expect(events.fatal).toHaveLength(1);
    const error = events.fatal[0]?.error;
    expect(error?.message).toBe("leaf broke");
    expect(events.fatal[0]?.path).toBe("/user/top");
    expect(fatalCalls).toEqual([[error, "/user/top"]]);

    expect(events.escalated.map((e) => [e.path, e.child, e.error])).toEqual([
      ["/user/top/mid", "/user/top/mid/leaf", error],
      ["/user/top", "/user/top/mid", error],
    ]);
    expect(events.failed.map((e) => [e.path, e.phase])).toEqual([
      ["/user/top/mid/leaf", "handler"],
      ["/user/top/mid", "escalated"],
      ["/user/top", "escalated"],
    ]);
    expect(events.restarted).toEqual([]);

    // The failed tree is stopped cleanly, children first, each with the failure as reason.
    expect(log.take()).toEqual(["stop leaf#1", "stop mid#1", "stop top#1"]);
    expect(events.stopped.map((e) => e.path)).toEqual([
      "/user/top/mid/leaf",
      "/user/top/mid",
      "/user/top",
    ]);
    for (const e of events.stopped) expect(failureOf(e)).toBe(error);
    for (const ref of [top, mid, leaf]) expect(ref.alive).toBe(false);
    expect(system.lookup("top")).toBeUndefined();

    // Everything else is untouched, and the system runs on.
    await expect(nodeAt(system, "other").ask("id")).resolves.toBe("other#1");
    await expect(nodeAt(system, "other/x").ask("id")).resolves.toBe("x#1");
    expect(system.status).toBe("running");
    const fresh = spawnNode(system, log, { name: "top" });
    await expect(fresh.ask("id")).resolves.toBe("top#2");
  });

  it("stops at the first supervisor that handles it: only that subtree restarts", async () => {
    startSystem({ supervision: ESCALATE() });
    const events = recordEvents(system);
    await startTree({
      name: "top",
      supervision: oneForOne(), // restarts mid
      children: [{ name: "mid", supervision: ESCALATE(), children: [{ name: "leaf" }] }],
    });
    log.take();
    nodeAt(system, "top/mid/leaf").tell("fail");
    await flush();

    expect(log.take()).toEqual(["stop leaf#1", "stop mid#1", "start mid#2", "start leaf#2"]);
    expect(events.fatal).toEqual([]);
    expect(fatalCalls).toEqual([]);
    expect(events.restarted.map((e) => e.path)).toEqual(["/user/top/mid"]);
    await expect(nodeAt(system, "top").ask("id")).resolves.toBe("top#1");
  });

  it("escalates OTP-style when every level exceeds its restart intensity, up to a fatal", async () => {
    startSystem({ supervision: oneForOne({ maxRestarts: 0, whenExceeded: "escalate" }) });
    const events = recordEvents(system);
    const app = system.start(
      supervisor({ name: "app", strategy: oneForOne({ maxRestarts: 1 }) }, [
        child(() => new Node(log), { name: "db" }),
        supervisor({ name: "workers", strategy: oneForOne({ maxRestarts: 1 }) }, [
          child(() => new Node(log), { name: "leaf" }),
        ]),
      ]),
    );
    await app.ask("children");
    await flush();
    log.take();

    for (let i = 1; i <= 4; i++) {
      nodeAt(system, "app/workers/leaf").tell("fail", `failure ${i}`);
      await flush();
    }
    await clock.advance(10);

    expect(log.take()).toEqual([
      "stop leaf#1",
      "start leaf#2",
      // 2nd failure: workers exceeds its limit, stops its children, fails; app restarts it
      "stop leaf#2",
      "start leaf#3",
      "stop leaf#3",
      "start leaf#4",
      // 4th: workers fails again, app exceeds its limit for it and fails; the top has none left
      "stop leaf#4",
      "stop db#1",
    ]);
    expect(events.fatal).toHaveLength(1);
    expect(fatalCalls).toHaveLength(1);
    const [error, path] = fatalCalls[0] ?? [];
    expect(path).toBe("/user/app");
    expect(error).toBe(events.fatal[0]?.error);
    expect(error).toBeInstanceOf(MaxRestartsExceededError);
    expect(error).toMatchObject({ actorPath: "/user/app", maxRestarts: 0 });
    // The cause chain leads back down to the leaf's last failure.
    const workersExceeded = error?.cause;
    expect(workersExceeded).toMatchObject({ actorPath: "/user/app/workers" });
    const leafExceeded = (workersExceeded as Error).cause;
    expect(leafExceeded).toMatchObject({ actorPath: "/user/app/workers/leaf" });
    expect(((leafExceeded as Error).cause as Error).message).toBe("failure 4");

    expect(app.alive).toBe(false);
    expect(system.inspect().actors).toEqual([]);
    expect(events.escalated.map((e) => e.path)).toEqual([
      "/user/app/workers",
      "/user/app/workers",
      "/user/app",
    ]);
  });

  it("emits the fatal event without an onFatal hook, and the system runs on", async () => {
    ({ clock, system } = startVirtualSystem({ supervision: ESCALATE() }));
    const events = recordEvents(system);
    const lone = spawnNode(system, log, { name: "lone" });
    await lone.ask("id");
    lone.tell("fail", "lone broke");
    await flush();
    expect(events.fatal.map((e) => [e.path, e.error.message])).toEqual([
      ["/user/lone", "lone broke"],
    ]);
    expect(lone.alive).toBe(false);
    expect(system.status).toBe("running");
  });
});
