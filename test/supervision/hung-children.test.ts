/**
 * Children whose handlers never settle. A per-child `shutdownTimeout` bounds how long its
 * parent's stop (or restart) waits for it: after that much virtual time its running ask is
 * rejected with ShutdownTimeoutError and it stops anyway, and its siblings still stop. An
 * ask to a hung handler times out (AskTimeoutError) and the actor stays supervised: a later
 * failure still restarts it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AskTimeoutError,
  ShutdownTimeoutError,
  child,
  oneForOne,
  supervisor,
  type ActorSystem,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { track } from "../support/track.js";
import { LifecycleLog, Node, nodeAt, recordEvents, spawnNode, type NodeSpec } from "./nodes.js";

let clock: VirtualClock;
let system: ActorSystem;
let log: LifecycleLog;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
  log = new LifecycleLog();
});

afterEach(() => stopVirtualSystem(system, clock));

async function start(spec: NodeSpec): Promise<void> {
  const ref = spawnNode(system, log, spec);
  await ref.ask("children");
  await flush();
  log.take();
}

const FAMILY: NodeSpec = {
  name: "p",
  children: [{ name: "first" }, { name: "slow", shutdownTimeout: 100 }, { name: "last" }],
};

describe("a per-child shutdownTimeout", () => {
  it("stops a hung child 100 ms into its parent's stop, rejecting its ask with ShutdownTimeoutError; siblings still stop", async () => {
    await start(FAMILY);
    const hung = track(nodeAt(system, "p/slow").with({ timeout: Infinity }).ask("hang"));
    const stopped = track(system.stop(nodeAt(system, "p")));

    await clock.advance(99);
    expect(stopped.settled).toBe(false);
    expect(hung.settled).toBe(false);
    expect(log.take()).toEqual(["stop last#1"]); // reverse start order: last first

    await clock.advance(1);
    expect(hung.error).toBeInstanceOf(ShutdownTimeoutError);
    expect(hung.error).toMatchObject({
      code: "ERR_SHUTDOWN_TIMEOUT",
      actorPath: "/user/p/slow",
      timeoutMs: 100,
    });
    expect(stopped.settled).toBe(true);
    expect(stopped.error).toBeUndefined();
    expect(log.take()).toEqual(["stop slow#1", "stop first#1", "stop p#1"]);
  });

  it("bounds a declarative child the same way during system shutdown", async () => {
    const app = system.start(
      supervisor({ name: "app" }, [
        child(() => new Node(log), { name: "first" }),
        child(() => new Node(log), { name: "slow", shutdownTimeout: 100 }),
        child(() => new Node(log), { name: "last" }),
      ]),
    );
    await app.ask("children");
    await flush();
    log.take();
    const hung = track(nodeAt(system, "app/slow").with({ timeout: Infinity }).ask("hang"));
    const done = track(system.shutdown({ timeout: 10_000 }));

    await clock.advance(99);
    expect(done.settled).toBe(false);
    await clock.advance(1);
    expect(hung.error).toBeInstanceOf(ShutdownTimeoutError);
    expect(done.settled).toBe(true);
    expect(log.take()).toEqual(["stop last#1", "stop slow#1", "stop first#1"]);
  });

  it("bounds the wait for a hung child when its parent restarts", async () => {
    const events = recordEvents(system);
    await start(FAMILY);
    const hung = track(nodeAt(system, "p/slow").with({ timeout: Infinity }).ask("hang"));
    nodeAt(system, "p").tell("fail");

    await clock.advance(99);
    expect(events.restarted).toEqual([]);
    await clock.advance(1);
    expect(hung.error).toBeInstanceOf(ShutdownTimeoutError);
    expect(events.restarted.map((e) => [e.path, e.restarts])).toEqual([["/user/p", 1]]);
    expect(log.take()).toEqual([
      "stop last#1",
      "stop slow#1",
      "stop first#1",
      "stop p#1",
      "start p#2",
      "start first#2",
      "start slow#2",
      "start last#2",
    ]);
  });
});

describe("a handler that never settles", () => {
  it("times its ask out with AskTimeoutError, and a later failure still restarts the actor", async () => {
    const events = recordEvents(system);
    await start({ name: "p", children: [{ name: "h", concurrency: 2 }] });
    const h = nodeAt(system, "p/h");
    const hung = track(h.with({ timeout: 100 }).ask("hang"));
    await clock.advance(99);
    expect(hung.settled).toBe(false);
    await clock.advance(1);
    expect(hung.error).toBeInstanceOf(AskTimeoutError);
    expect(hung.error).toMatchObject({ actorPath: "/user/p/h", method: "hang", started: true });

    await expect(h.ask("fail", "later")).rejects.toThrow("later");
    await flush();
    expect(events.restarted.map((e) => [e.path, e.error.message])).toEqual([
      ["/user/p/h", "later"],
    ]);
    await expect(h.ask("id")).resolves.toBe("h#2");
    expect(log.take()).toEqual(["stop h#1", "start h#2"]);
  });

  it("stays supervised while it blocks its mailbox: an escalated failure restarts it and the queue moves on", async () => {
    const events = recordEvents(system);
    await start({
      name: "p",
      supervision: oneForOne({ decide: () => "escalate" }),
      children: [{ name: "kid" }],
    });
    const p = nodeAt(system, "p");
    const hung = track(p.with({ timeout: 100 }).ask("hang"));
    const queued = track(p.ask("id"));
    await clock.advance(100);
    expect(hung.error).toBeInstanceOf(AskTimeoutError);
    expect(queued.settled).toBe(false); // one message at a time: the hung handler blocks it

    nodeAt(system, "p/kid").tell("fail", "kid broke");
    await flush();
    expect(events.restarted.map((e) => [e.path, e.error.message])).toEqual([
      ["/user/p", "kid broke"],
    ]);
    expect(queued.value).toBe("p#2");
    expect(log.take()).toEqual(["stop kid#1", "stop p#1", "start p#2", "start kid#2"]);
  });
});
