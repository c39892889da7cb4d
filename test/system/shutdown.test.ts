/**
 * Stopping: graceful system shutdown (drains, stops bottom-up in reverse start order,
 * waits for in-flight handlers until its deadline), the state after shutdown, and stopping
 * single subtrees through `system.stop` and `context.stop`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  ActorSystem,
  ActorStoppedError,
  InvalidOptionError,
  ShutdownTimeoutError,
  SystemShutDownError,
  type ActorRef,
  type DeadLetter,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { gate } from "../support/gates.js";
import { track } from "../support/track.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem({ name: "shop" }));
});

afterEach(() => stopVirtualSystem(system, clock));

/** Counts what it handles; `hang` never settles, `wait` settles with the gate it is given. */
class Worker extends Actor {
  readonly #done: number[];
  constructor(done: number[]) {
    super();
    this.#done = done;
  }
  work(n: number): number {
    this.#done.push(n);
    return n;
  }
  async wait(until: Promise<void>, n: number): Promise<number> {
    await until;
    this.#done.push(n);
    return n;
  }
  hang(): Promise<never> {
    return new Promise<never>(() => {});
  }
}

interface TreeSpec {
  readonly name: string;
  readonly children?: readonly TreeSpec[];
}

/** Spawns its subtree in onStart and records its path in `stops` from onStop. */
class TreeNode extends Actor {
  readonly #spec: TreeSpec;
  readonly #stops: string[];
  constructor(spec: TreeSpec, stops: string[]) {
    super();
    this.#spec = spec;
    this.#stops = stops;
  }
  protected override onStart(): void {
    for (const child of this.#spec.children ?? []) {
      this.context.spawn(() => new TreeNode(child, this.#stops), { name: child.name });
    }
  }
  protected override onStop(): void {
    this.#stops.push(this.context.path);
  }
  stopChild(name: string): void {
    const child = this.context.child(name);
    if (child !== undefined) this.context.stop(child);
  }
  stopSelf(): void {
    this.context.stop();
  }
  tryStop(ref: ActorRef): unknown {
    try {
      this.context.stop(ref);
      return null;
    } catch (error) {
      return error;
    }
  }
  ping(): string {
    return "pong";
  }
}

function spawnTree(spec: TreeSpec, stops: string[]): ActorRef<TreeNode> {
  return system.spawn(() => new TreeNode(spec, stops), { name: spec.name });
}

describe("system.shutdown", () => {
  it("drains every queued message before stopping", async () => {
    const done: number[] = [];
    const a = system.spawn(() => new Worker(done), { name: "a" });
    const b = system.spawn(() => new Worker(done), { name: "b" });
    for (let i = 0; i < 100; i++) a.tell("work", i);
    const replies = [b.ask("work", 1000), b.ask("work", 1001)];
    await system.shutdown();
    expect(done.filter((n) => n < 1000)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await expect(Promise.all(replies)).resolves.toEqual([1000, 1001]);
    expect(system.deadLetters.count).toBe(0);
  });

  it("stops children before parents and siblings in reverse start order, across three levels", async () => {
    const stops: string[] = [];
    spawnTree(
      {
        name: "r1",
        children: [
          { name: "c1", children: [{ name: "g1" }, { name: "g2" }] },
          { name: "c2", children: [{ name: "g3" }, { name: "g4" }] },
        ],
      },
      stops,
    );
    spawnTree({ name: "r2", children: [{ name: "x" }] }, stops);
    await flush();
    expect(system.lookup("r1/c2/g4")).toBeDefined();
    await system.shutdown();
    expect(stops).toEqual([
      "/user/r2/x",
      "/user/r2",
      "/user/r1/c2/g4",
      "/user/r1/c2/g3",
      "/user/r1/c2",
      "/user/r1/c1/g2",
      "/user/r1/c1/g1",
      "/user/r1/c1",
      "/user/r1",
    ]);
  });

  it("lets in-flight async handlers finish before the actor stops", async () => {
    const done: number[] = [];
    const ref = system.spawn(() => new Worker(done));
    const slow = gate();
    const reply = ref.with({ timeout: Infinity }).ask("wait", slow.wait, 7);
    await flush();
    const shutdown = system.shutdown();
    const state = track(shutdown);
    await flush();
    expect(state.settled).toBe(false);
    expect(system.status).toBe("shutting-down");
    slow.open();
    await expect(reply).resolves.toBe(7);
    await shutdown;
    expect(done).toEqual([7]);
    expect(system.status).toBe("terminated");
  });

  it("rejects a handler that never settles with ShutdownTimeoutError after the timeout, and completes", async () => {
    const letters: DeadLetter[] = [];
    system.events.on("deadLetter", (letter) => letters.push(letter));
    const ref = system.spawn(() => new Worker([]), { name: "stuck" });
    const hung = ref.with({ timeout: Infinity }).ask("hang");
    const queued = ref.with({ timeout: Infinity }).ask("work", 1);
    const outcomes = Promise.all([hung, queued].map((reply) => reply.catch((e: unknown) => e)));
    const hungState = track(hung);
    ref.tell("work", 2);
    await flush();
    const shutdown = system.shutdown({ timeout: 100 });
    const shutdownState = track(shutdown);
    await clock.advance(99);
    expect(hungState.settled).toBe(false);
    expect(shutdownState.settled).toBe(false);
    await clock.advance(1);
    await shutdown;
    for (const error of await outcomes) {
      expect(error).toBeInstanceOf(ShutdownTimeoutError);
      expect(error).toMatchObject({
        code: "ERR_SHUTDOWN_TIMEOUT",
        actorPath: "/user/stuck",
        timeoutMs: 100,
      });
      expect((error as Error).message).toContain(
        "did not finish its work within the shutdown deadline of 100 ms",
      );
    }
    expect(letters.map((l) => [l.method, l.args, l.reason])).toEqual([["work", [2], "shutdown"]]);
    expect(system.status).toBe("terminated");
  });

  it("is idempotent: every call returns the same promise", async () => {
    let stops = 0;
    class Once extends Actor {
      protected override onStop(): void {
        stops++;
      }
    }
    system.spawn(Once);
    const first = system.shutdown();
    const second = system.shutdown();
    expect(second).toBe(first);
    await first;
    await system.shutdown();
    expect(stops).toBe(1);
  });
});

describe("after shutdown", () => {
  it("throws SystemShutDownError from spawn and tell, and rejects ask with it", async () => {
    const ref = system.spawn(() => new Worker([]), { name: "w" });
    await system.shutdown();
    expect(system.status).toBe("terminated");

    const checks: [string, () => unknown][] = [
      ["spawn", () => system.spawn(() => new Worker([]))],
      ['Sending "work" to /user/w', () => ref.tell("work", 1)],
    ];
    for (const [what, call] of checks) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SystemShutDownError);
      expect(thrown).toMatchObject({ code: "ERR_SYSTEM_SHUT_DOWN", systemName: "shop" });
      expect((thrown as Error).message).toContain(
        `${what} failed: actor system "shop" has been shut down`,
      );
      expect((thrown as Error).message).toContain("create a new system");
    }

    const error = await ref.ask("work", 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SystemShutDownError);
    expect(error).toMatchObject({ code: "ERR_SYSTEM_SHUT_DOWN" });
  });

  it("throws SystemShutDownError from spawn while shutting down", async () => {
    const slow = gate();
    const ref = system.spawn(() => new Worker([]));
    ref.tell("wait", slow.wait, 1);
    await flush();
    const shutdown = system.shutdown();
    expect(system.status).toBe("shutting-down");
    expect(() => system.spawn(() => new Worker([]))).toThrow(SystemShutDownError);
    slow.open();
    await shutdown;
  });
});

describe("system.stop", () => {
  it("stops one subtree and leaves the rest running", async () => {
    const stops: string[] = [];
    const a = spawnTree({ name: "a", children: [{ name: "a1" }, { name: "a2" }] }, stops);
    const b = spawnTree({ name: "b" }, stops);
    await flush();
    await system.stop(a);
    expect(stops).toEqual(["/user/a/a2", "/user/a/a1", "/user/a"]);
    expect(a.alive).toBe(false);
    expect(system.lookup("a")).toBeUndefined();
    expect(system.lookup("a/a1")).toBeUndefined();
    expect(b.alive).toBe(true);
    await expect(b.ask("ping")).resolves.toBe("pong");
  });

  it("without drain: rejects queued asks with ActorStoppedError and dead-letters queued tells", async () => {
    const done: number[] = [];
    const letters: DeadLetter[] = [];
    system.events.on("deadLetter", (letter) => letters.push(letter));
    const ref = system.spawn(() => new Worker(done), { name: "w" });
    ref.tell("work", 1);
    ref.tell("work", 2);
    const asked = ref.ask("work", 3);
    await system.stop(ref);
    expect(done).toEqual([]);
    const error = await asked.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorStoppedError);
    expect(error).toMatchObject({
      code: "ERR_ACTOR_STOPPED",
      actorPath: "/user/w",
      method: "work",
    });
    expect(letters.map((l) => [l.recipient, l.args, l.reason])).toEqual([
      ["/user/w", [1], "actor-stopped"],
      ["/user/w", [2], "actor-stopped"],
    ]);
  });

  it("with drain: true processes the queued messages first", async () => {
    const done: number[] = [];
    const ref = system.spawn(() => new Worker(done), { name: "w" });
    ref.tell("work", 1);
    ref.tell("work", 2);
    const asked = ref.ask("work", 3);
    await system.stop(ref, { drain: true });
    expect(done).toEqual([1, 2, 3]);
    await expect(asked).resolves.toBe(3);
    expect(ref.alive).toBe(false);
    expect(system.deadLetters.count).toBe(0);
  });

  it("refuses new messages once stopping: tell becomes a dead letter, ask rejects with ActorStoppedError", async () => {
    const slow = gate();
    const ref = system.spawn(() => new Worker([]), { name: "w" });
    ref.tell("wait", slow.wait, 1);
    await flush();
    const stopping = system.stop(ref);
    ref.tell("work", 2);
    await expect(ref.ask("work", 3)).rejects.toThrow(ActorStoppedError);
    expect(system.deadLetters.recent().map((l) => l.reason)).toEqual(["actor-stopped"]);
    slow.open();
    await stopping;
  });
});

describe("context.stop", () => {
  it("stops a child", async () => {
    const stops: string[] = [];
    const parent = spawnTree({ name: "p", children: [{ name: "c" }, { name: "d" }] }, stops);
    await flush();
    const child = system.lookup("p/c");
    parent.tell("stopChild", "c");
    await flush();
    expect(child?.alive).toBe(false);
    expect(stops).toEqual(["/user/p/c"]);
    expect(system.lookup("p/d")?.alive).toBe(true);
    expect(parent.alive).toBe(true);
  });

  it("stops the actor itself (with its children) after the current handler", async () => {
    const stops: string[] = [];
    const self = spawnTree({ name: "p", children: [{ name: "c" }] }, stops);
    await flush();
    self.tell("stopSelf");
    await flush();
    expect(self.alive).toBe(false);
    expect(stops).toEqual(["/user/p/c", "/user/p"]);
  });

  it("throws InvalidOptionError for an actor that is neither itself nor its child", async () => {
    const stops: string[] = [];
    const a = spawnTree(
      { name: "a", children: [{ name: "child", children: [{ name: "grandchild" }] }] },
      stops,
    );
    const sibling = spawnTree({ name: "sibling" }, stops);
    await flush();
    const grandchild = system.lookup("a/child/grandchild");
    expect(grandchild).toBeDefined();
    for (const target of [sibling, grandchild as ActorRef]) {
      const error = await a.ask("tryStop", target);
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option: "ref" });
      expect((error as Error).message).toContain("/user/a itself or one of its children");
      expect(target.alive).toBe(true);
    }
    expect(stops).toEqual([]);
  });
});

describe("whenTerminated and uptime", () => {
  it("counts uptime on the system's clock", async () => {
    expect(system.uptime).toBe(0);
    await clock.advance(1_500);
    expect(system.uptime).toBe(1_500);
  });

  it("resolves whenTerminated once shutdown has finished, whoever called it", async () => {
    const worker = system.spawn(() => new Worker([]), { name: "w" });
    const release = gate();
    const waiting = worker.ask("wait", release.wait, 1);
    let terminated = false;
    void system.whenTerminated.then(() => (terminated = true));
    const shutdown = system.shutdown();
    await flush();
    expect(system.status).toBe("shutting-down");
    expect(terminated).toBe(false);
    release.open();
    await shutdown;
    await flush();
    expect(terminated).toBe(true);
    await expect(waiting).resolves.toBe(1);
    expect(system.whenTerminated).toBe(system.whenTerminated);
  });
});

describe("inspect() and the thread pool", () => {
  it("shows the pool's stats only once something has used system.threads", () => {
    expect(system.inspect().threads).toBeNull();
    const stats = new ActorSystem({ clock, threads: { inline: true } });
    void stats.threads;
    expect(stats.inspect().threads).toMatchObject({ started: true, completed: 0 });
    return stats.shutdown();
  });
});
