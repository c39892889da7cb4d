/**
 * Restart backoff wired into supervision, in virtual time: a failed child is torn down at
 * once and re-created only after the policy's delay (100, 200, 400… ms with
 * `backoff({ min: 100, max: 3000, jitter: 0 })`); messages sent meanwhile stay in its
 * mailbox and are handled after the restart; the `restarted` event carries the attempt and
 * the delay; `resetAfter` of quiet running starts the delays over; stopping a child that
 * waits out its delay does not bring it back.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ActorStoppedError,
  ActorSystem,
  backoff,
  oneForAll,
  oneForOne,
  restForOne,
  type ActorRestartedEvent,
  type SupervisorStrategy,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { track } from "../support/track.js";
import { LifecycleLog, leaves, nodeAt, spawnNode } from "./nodes.js";

let clock: VirtualClock;
let system: ActorSystem;
let log: LifecycleLog;
let restarts: (ActorRestartedEvent & { at: number })[];

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
  log = new LifecycleLog();
  restarts = [];
  system.events.on("restarted", (e) => restarts.push({ ...e, at: clock.now() }));
});

afterEach(() => stopVirtualSystem(system, clock));

const POLICY = backoff({ min: 100, max: 3000, jitter: 0 });
/** A limit the tests never reach, so only the backoff shapes the timing. */
const ROOMY = { maxRestarts: 20, within: 600_000 } as const;

async function startBoss(supervision: SupervisorStrategy, names = "ab"): Promise<void> {
  const boss = spawnNode(system, log, {
    name: "boss",
    supervision,
    children: leaves(names, "permanent"),
  });
  await boss.ask("children");
  await flush();
  log.take();
}

describe("restart backoff", () => {
  it("waits 100, 200, 400 ms of virtual time before the 1st, 2nd and 3rd restart", async () => {
    await startBoss(oneForOne({ ...ROOMY, backoff: POLICY }));
    const b = nodeAt(system, "boss/b");
    const expectedDelays = [100, 200, 400];
    for (const [i, delay] of expectedDelays.entries()) {
      const failedAt = clock.now();
      b.tell("fail");
      await clock.advance(delay - 1);
      expect(restarts).toHaveLength(i);
      expect(log.take()).toEqual([`stop b#${i + 1}`]); // torn down at once, not yet re-created
      await clock.advance(1);
      expect(restarts).toHaveLength(i + 1);
      expect(restarts[i]).toMatchObject({
        path: "/user/boss/b",
        attempt: i + 1,
        delayMs: delay,
        at: failedAt + delay,
      });
      expect(log.take()).toEqual([`start b#${i + 2}`]);
    }
    await expect(b.ask("id")).resolves.toBe("b#4");
  });

  it("keeps the messages sent during the delay and handles them, in order, after the restart", async () => {
    await startBoss(oneForOne({ ...ROOMY, backoff: POLICY }));
    const b = nodeAt(system, "boss/b");
    b.tell("fail");
    await clock.advance(50);
    b.tell("note", "x");
    const asked = track(b.ask("id"));
    b.tell("note", "y");
    await clock.advance(49);
    expect(asked.settled).toBe(false);
    expect(log.take()).toEqual(["stop b#1"]);
    expect(system.inspect().actors[0]?.children[1]).toMatchObject({
      name: "b",
      status: "restarting",
      mailbox: 3,
    });

    await clock.advance(1);
    expect(log.take()).toEqual(["start b#2", "b#2 x", "b#2 y"]);
    expect(asked.value).toBe("b#2");
    expect(system.deadLetters.count).toBe(0);
  });

  it("does not delay the siblings' work (one-for-one)", async () => {
    await startBoss(oneForOne({ ...ROOMY, backoff: POLICY }));
    nodeAt(system, "boss/b").tell("fail");
    await flush();
    await expect(nodeAt(system, "boss/a").ask("note", "meanwhile")).resolves.toBe("meanwhile");
    expect(clock.now()).toBe(0);
    expect(restarts).toEqual([]);
  });

  it("holds the whole group for one-for-all: all torn down at once, all started after the delay", async () => {
    await startBoss(oneForAll({ ...ROOMY, backoff: POLICY }), "abc");
    nodeAt(system, "boss/a").tell("fail");
    await clock.advance(99);
    expect(log.take()).toEqual(["stop c#1", "stop b#1", "stop a#1"]);
    await clock.advance(1);
    expect(log.take()).toEqual(["start a#2", "start b#2", "start c#2"]);
    expect(restarts.map((e) => [e.path, e.attempt, e.delayMs, e.at])).toEqual([
      ["/user/boss/a", 1, 100, 100],
      ["/user/boss/b", 1, 100, 100],
      ["/user/boss/c", 1, 100, 100],
    ]);
  });

  it("rest-for-one: a later child waiting out its delay is not started before an earlier one restarted after it", async () => {
    const constant = backoff({ min: 1000, max: 1000, jitter: 0 });
    await startBoss(restForOne({ ...ROOMY, backoff: constant }), "abc");
    nodeAt(system, "boss/c").tell("fail"); // c waits until t=1000
    await clock.advance(500);
    nodeAt(system, "boss/a").tell("fail"); // a, b (and c again) wait until t=1500
    await clock.advance(1);
    expect(log.take()).toEqual(["stop c#1", "stop b#1", "stop a#1"]);

    await clock.advance(499); // t=1000: c must not start without a and b, which it depends on
    expect(log.take()).toEqual([]);
    await clock.advance(500); // t=1500: all three, in start order
    expect(log.take()).toEqual(["start a#2", "start b#2", "start c#2"]);
  });

  it("caps the delay at max", async () => {
    await startBoss(oneForOne({ ...ROOMY, backoff: backoff({ min: 100, max: 300, jitter: 0 }) }));
    const b = nodeAt(system, "boss/b");
    for (let i = 0; i < 4; i++) {
      b.tell("fail");
      await clock.advance(300);
    }
    expect(restarts.map((e) => e.delayMs)).toEqual([100, 200, 300, 300]);
  });

  it("applies to top-level actors through the system's supervision option", async () => {
    await system.shutdown();
    system = new ActorSystem({
      clock,
      supervision: oneForOne({ ...ROOMY, backoff: POLICY }),
    });
    system.events.on("restarted", (e) => restarts.push({ ...e, at: clock.now() }));
    const top = spawnNode(system, log, { name: "top" });
    await top.ask("id");
    top.tell("fail");
    await clock.advance(99);
    expect(restarts).toEqual([]);
    await clock.advance(1);
    expect(restarts.map((e) => [e.path, e.delayMs, e.at])).toEqual([["/user/top", 100, 100]]);
  });

  it("keeps the jittered delay within [min × (1 − jitter), min × (1 + jitter)]", async () => {
    await startBoss(oneForOne({ ...ROOMY, backoff: backoff({ min: 100, max: 3000 }) }));
    nodeAt(system, "boss/b").tell("fail");
    await clock.advance(79);
    expect(restarts).toEqual([]);
    await clock.advance(41);
    expect(restarts).toHaveLength(1);
    const delay = restarts[0]?.delayMs ?? NaN;
    expect(delay).toBeGreaterThanOrEqual(80);
    expect(delay).toBeLessThanOrEqual(120);
    expect(restarts[0]?.at).toBe(delay);
  });

  it("starts again from min after the child ran resetAfter ms (default: max) without failing", async () => {
    await startBoss(oneForOne({ ...ROOMY, backoff: POLICY }));
    const b = nodeAt(system, "boss/b");
    b.tell("fail");
    await clock.advance(100);
    b.tell("fail");
    await clock.advance(200);
    expect(restarts.map((e) => e.delayMs)).toEqual([100, 200]);
    // Restarted at 300; runs quietly for 3000 ms (= resetAfter, which defaults to max).
    await clock.advance(3_000);
    b.tell("fail");
    await clock.advance(3_000); // long enough for any delay: the assertion shows which one
    expect(restarts.map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 100],
      [2, 200],
      [1, 100],
    ]);
  });
});

describe("backoff for a permanent child that stops itself", () => {
  it("waits 100, 200, 400 ms before bringing it back, as for failures", async () => {
    await startBoss(oneForOne({ ...ROOMY, backoff: POLICY }));
    for (const [i, delay] of [100, 200, 400].entries()) {
      const stoppedAt = clock.now();
      nodeAt(system, "boss/b").tell("stopSelf");
      await clock.advance(delay - 1);
      expect(system.lookup("boss/b")).toBeUndefined(); // not back yet
      expect(log.take()).toEqual([`stop b#${i + 1}`]);
      await clock.advance(1);
      expect(log.take()).toEqual([`start b#${i + 2}`]);
      expect(restarts[i]).toMatchObject({
        path: "/user/boss/b",
        delayMs: delay,
        at: stoppedAt + delay,
      });
    }
    await expect(nodeAt(system, "boss/b").ask("id")).resolves.toBe("b#4");
  });

  it("lets the supervisor restart meanwhile: its new instance starts every child again, once", async () => {
    const failed: string[] = [];
    system.events.on("failed", (e) => failed.push(`${e.path} ${e.phase} ${e.error.name}`));
    await startBoss(oneForOne({ ...ROOMY, backoff: backoff({ min: 3000, max: 3000, jitter: 0 }) }));
    const boss = nodeAt(system, "boss");
    nodeAt(system, "boss/b").tell("stopSelf");
    await clock.advance(10); // b waits 3000 ms to be replaced
    boss.tell("fail"); // the guardian restarts boss: its onStart spawns a and b again
    await clock.advance(10);
    expect(failed).toEqual(["/user/boss handler Error"]);
    await expect(boss.ask("children")).resolves.toEqual(["a", "b"]);
    await expect(nodeAt(system, "boss/b").ask("id")).resolves.toBe("b#2");

    await clock.advance(5_000); // the old replacement's delay passes
    expect(failed).toEqual(["/user/boss handler Error"]);
    await expect(boss.ask("children")).resolves.toEqual(["a", "b"]);
    await expect(nodeAt(system, "boss/b").ask("id")).resolves.toBe("b#2");
  });
});

describe("stopping during a backoff delay", () => {
  it("stops a child that waits out its delay without waiting for the delay, and it never comes back", async () => {
    await startBoss(oneForOne({ ...ROOMY, backoff: backoff({ min: 3000, max: 3000, jitter: 0 }) }));
    const boss = nodeAt(system, "boss");
    const b = nodeAt(system, "boss/b");
    b.tell("fail");
    await clock.advance(10);
    const queued = track(b.ask("id"));
    const stopped = track(system.stop(boss));
    await clock.advance(0);

    expect(stopped.settled).toBe(true);
    expect(b.alive).toBe(false);
    expect(queued.error).toBeInstanceOf(ActorStoppedError);
    expect(log.take()).toEqual(["stop b#1", "stop a#1", "stop boss#1"]);

    await clock.advance(5_000); // the delay's timer passes: nothing is re-created
    expect(log.take()).toEqual([]);
    expect(restarts).toEqual([]);
    expect(b.alive).toBe(false);
  });

  it.each<["fails" | "stops itself", "fail" | "stopSelf"]>([
    ["fails", "fail"],
    ["stops itself", "stopSelf"],
  ])(
    "leaves no backoff timer behind when the supervisor stops while a child that %s waits",
    async (_, message) => {
      await startBoss(
        oneForOne({ ...ROOMY, backoff: backoff({ min: 3000, max: 3000, jitter: 0 }) }),
      );
      const baseline = clock.pending;
      nodeAt(system, "boss/b").tell(message);
      await clock.advance(10);
      expect(clock.pending).toBe(baseline + 1);
      const stopped = system.stop(nodeAt(system, "boss"));
      await clock.advance(0);
      await stopped;
      expect(clock.pending).toBe(baseline);
    },
  );

  it("does not hold up system shutdown until the delay ends", async () => {
    await startBoss(oneForOne({ ...ROOMY, backoff: backoff({ min: 3000, max: 3000, jitter: 0 }) }));
    nodeAt(system, "boss/b").tell("fail");
    await clock.advance(10);
    const done = track(system.shutdown());
    await clock.advance(0);
    expect(done.settled).toBe(true);
    expect(system.status).toBe("terminated");
    expect(restarts).toEqual([]);
  });
});
