/**
 * Offloading from actors: `this.offload` answers an ask, tasks belong to the actor's
 * incarnation (a stop or restart aborts them), `pipeToSelf` delivers results as messages and
 * turns an unhandled rejection into a failure, the spawn option `offload` ("drain" or
 * "pause"), and backpressure when the pool is saturated. Real threads, coordinated through
 * Atomics on shared memory.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  Actor,
  ActorStoppedError,
  ActorSystem,
  TaskAbortedError,
  type ActorFailedEvent,
  type ActorRestartedEvent,
} from "../../src/index.js";
import { flags, holdFlag, release, releaseHeld, started, tasks } from "../support/threads.js";

let system: ActorSystem | null = null;

afterEach(async () => {
  releaseHeld();
  await system?.shutdown();
  system = null;
});

/** Resolves when `value` is pushed to `list` (at once if it is there already). */
function pushed(list: string[], value?: string): Promise<void> {
  return new Promise((resolve) => {
    if (value !== undefined && list.includes(value)) return resolve();
    const push = list.push.bind(list);
    list.push = (...items: string[]) => {
      const n = push(...items);
      if (value === undefined || items.includes(value)) {
        delete (list as { push?: unknown }).push;
        resolve();
      }
      return n;
    };
  });
}

function start(threads: { maxThreads: number; maxQueue?: number; abortGrace?: number }) {
  const created = new ActorSystem({ threads: { abortGrace: 60_000, ...threads } });
  system = created;
  return created;
}

/** Keeps the promises of the tasks it offloads without awaiting them. */
class Offloader extends Actor {
  readonly pending: Array<Promise<unknown>>;
  constructor(pending: Array<Promise<unknown>>) {
    super();
    this.pending = pending;
  }
  add(a: number, b: number): Promise<number> {
    return this.offload(tasks.add, a, b);
  }
  listen(flag: Int32Array): void {
    this.pending.push(this.offload(tasks.listenForAbort, flag));
  }
  fail(): void {
    throw new Error("boom");
  }
}

describe("offload", () => {
  it("runs a task from a handler and answers the ask with its result", async () => {
    const sys = start({ maxThreads: 1 });
    const ref = sys.spawn(() => new Offloader([]));
    await expect(ref.ask("add", 1, 2)).resolves.toBe(3);
  });

  it("aborts the actor's running tasks when it stops", async () => {
    const sys = start({ maxThreads: 1 });
    const pending: Array<Promise<unknown>> = [];
    const ref = sys.spawn(() => new Offloader(pending));
    const flag = flags();
    await ref.ask("listen", flag);
    await started(flag);
    await sys.stop(ref);
    const error = await pending[0]?.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).phase).toBe("running");
    expect((error as TaskAbortedError).cause).toBeInstanceOf(ActorStoppedError);
    await sys.threads.drained();
    expect(sys.threads.stats.replaced).toBe(0); // the task stopped on its signal
  });

  it("aborts the actor's running tasks when it restarts", async () => {
    const sys = start({ maxThreads: 1 });
    const pending: Array<Promise<unknown>> = [];
    const ref = sys.spawn(() => new Offloader(pending));
    const restarted = new Promise<ActorRestartedEvent>((resolve) =>
      sys.events.once("restarted", resolve),
    );
    const flag = flags();
    await ref.ask("listen", flag);
    await started(flag);
    ref.tell("fail");
    await restarted;
    const error = await pending[0]?.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).cause).toBeInstanceOf(ActorStoppedError);
    await expect(ref.ask("add", 2, 2)).resolves.toBe(4);
  });
});

describe("pipeToSelf", () => {
  class Piper extends Actor {
    readonly results: string[];
    constructor(results: string[]) {
      super();
      this.results = results;
    }
    double(x: number): void {
      this.pipeToSelf(this.offload(tasks.double, x), (self, r) => self.got(`${r}`));
    }
    broken(): void {
      this.pipeToSelf(this.offload(tasks.throwType), (self) => self.got("never"));
    }
    hold(flag: Int32Array): void {
      this.pipeToSelf(this.offload(tasks.hold, flag), (self, r) => self.got(r));
    }
    got(value: string): void {
      this.results.push(value);
    }
    note(value: string): void {
      this.results.push(value);
    }
    read(): string[] {
      return [...this.results];
    }
  }

  it("delivers the result as a message", async () => {
    const sys = start({ maxThreads: 1 });
    const results: string[] = [];
    const ref = sys.spawn(() => new Piper(results));
    const delivered = pushed(results);
    ref.tell("double", 21);
    await delivered;
    expect(results).toEqual(["42"]);
  });

  it("fails the actor (phase offload) on a rejection without onError", async () => {
    const sys = start({ maxThreads: 1 });
    const ref = sys.spawn(() => new Piper([]));
    const failed = new Promise<ActorFailedEvent>((resolve) =>
      sys.events.on("failed", (event) => {
        if (event.phase === "offload") resolve(event);
      }),
    );
    const restarted = new Promise<ActorRestartedEvent>((resolve) =>
      sys.events.once("restarted", resolve),
    );
    ref.tell("broken");
    const event = await failed;
    expect(event.path).toBe(ref.path);
    expect(event.error).toBeInstanceOf(TypeError);
    expect((await restarted).error).toBe(event.error);
  });

  it('with offload "pause", takes no message until the piped task ends', async () => {
    const sys = start({ maxThreads: 1 });
    const results: string[] = [];
    const ref = sys.spawn(() => new Piper(results), { offload: "pause" });
    const flag = holdFlag();
    ref.tell("hold", flag);
    await started(flag);
    const noted = ref.ask("note", "second");
    let answered = false;
    void noted.then(() => (answered = true));
    // A round trip through another actor: this one had every chance to take the message.
    await sys.spawn(() => new Piper([])).ask("read");
    expect(answered).toBe(false);
    expect(results).toEqual([]);
    const held = pushed(results, "held");
    release(flag);
    await noted;
    await held;
    expect(results).toHaveLength(2);
    expect(results).toContain("second");
  });

  it('with offload "drain", takes messages while the piped task runs', async () => {
    const sys = start({ maxThreads: 1 });
    const results: string[] = [];
    const ref = sys.spawn(() => new Piper(results), { offload: "drain" });
    const flag = holdFlag();
    ref.tell("hold", flag);
    await started(flag);
    await ref.ask("note", "second");
    expect(results).toEqual(["second"]);
    const delivered = pushed(results);
    release(flag);
    await delivered;
    await expect(ref.ask("read")).resolves.toEqual(["second", "held"]);
  });
});

describe("backpressure", () => {
  it("waits for room in a saturated pool instead of failing with TaskQueueFullError", async () => {
    const sys = start({ maxThreads: 1, maxQueue: 1 });
    const flag = holdFlag();
    const running = sys.threads.run(tasks.hold, [flag]);
    await started(flag);
    const queued = sys.threads.run(tasks.add, [0, 0]);
    expect(sys.threads.saturated).toBe(true);
    const ref = sys.spawn(() => new Offloader([]));
    const answer = ref.ask("add", 2, 3);
    release(flag);
    await expect(running).resolves.toBe("held");
    await expect(queued).resolves.toBe(0);
    await expect(answer).resolves.toBe(5);
  });
});
