/**
 * Tiny tasks travel in batches (several tasks in one message to a thread) once the pool has
 * seen that their function runs in well under 50 µs. A batch must behave exactly like the
 * same tasks sent one by one: results and errors per task, in order; an abort or an
 * uncloneable argument fails only its own task. Plus regressions found in review.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  Actor,
  ActorSystem,
  TaskAbortedError,
  TaskDataCloneError,
  type ThreadPool,
  type ThreadPoolOptions,
} from "../../src/index.js";
import { holdFlag, releaseHeld, started, tasks } from "../support/threads.js";

let system: ActorSystem | null = null;

afterEach(async () => {
  releaseHeld();
  await system?.shutdown();
  system = null;
});

function pool(options: ThreadPoolOptions): ThreadPool {
  system = new ActorSystem({ threads: options });
  return system.threads;
}

/**
 * Runs `check` alone until the pool counts it as tiny (8 samples averaging under 50 µs). A
 * sample can be long when the OS deschedules the thread mid-call, so it tries a bounded
 * number of times rather than exactly 8.
 */
async function warm(threads: ThreadPool): Promise<void> {
  for (let i = 0; i < 200 && (tasks.check.samples < 8 || tasks.check.runMicros >= 50); i++)
    await threads.run(tasks.check, [i]);
  expect(tasks.check.samples).toBeGreaterThanOrEqual(8);
  expect(tasks.check.runMicros).toBeLessThan(50);
}

describe("batches of tiny tasks", () => {
  it("answers every task of a burst with its own result, in order", async () => {
    const threads = pool({ maxThreads: 2 });
    await warm(threads);
    const inputs = Array.from({ length: 2_000 }, (_, i) => i);
    const results = await Promise.all(inputs.map((i) => threads.run(tasks.check, [i])));
    expect(results).toEqual(inputs);
    expect(threads.stats.completed).toBeLessThan(2_000); // fewer messages than tasks: batched
  });

  it("fails only the task that throws; its batch-mates succeed", async () => {
    const threads = pool({ maxThreads: 1 });
    await warm(threads);
    const outcomes = await Promise.allSettled(
      [1, 2, -3, 4].map((x) => threads.run(tasks.check, [x])),
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    const failure = outcomes[2] as PromiseRejectedResult;
    expect(failure.reason).toBeInstanceOf(RangeError);
    expect((failure.reason as Error).message).toBe("negative: -3");
  });

  it("fails only the task whose argument cannot be cloned (the batch is resent task by task)", async () => {
    const threads = pool({ maxThreads: 1 });
    await warm(threads);
    const runs = [
      threads.run(tasks.check, [1]),
      threads.run(tasks.check, [(() => 2) as unknown as number]),
      threads.run(tasks.check, [3]),
    ];
    const outcomes = await Promise.allSettled(runs);
    expect((outcomes[0] as PromiseFulfilledResult<number>).value).toBe(1);
    expect((outcomes[2] as PromiseFulfilledResult<number>).value).toBe(3);
    const error = (outcomes[1] as PromiseRejectedResult).reason as TaskDataCloneError;
    expect(error).toBeInstanceOf(TaskDataCloneError);
    expect(error.what).toBe("arguments");
  });

  it("drops a batched task aborted before its turn; the others run", async () => {
    const threads = pool({ maxThreads: 1 });
    await warm(threads);
    const flag = holdFlag();
    const blocker = threads.run(tasks.hold, [flag]);
    await started(flag);
    const controller = new AbortController();
    const first = threads.run(tasks.check, [1]);
    const aborted = threads.run(tasks.check, [2], { signal: controller.signal });
    const last = threads.run(tasks.check, [3]);
    controller.abort();
    const error = await aborted.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).phase).toBe("queued");
    Atomics.store(flag, 1, 1);
    Atomics.notify(flag, 1);
    await expect(blocker).resolves.toBe("held");
    await expect(first).resolves.toBe(1);
    await expect(last).resolves.toBe(3);
  });

  it("gives tasks beyond the 65,536 shared state slots a slot of their own, and runs them all", async () => {
    const threads = pool({ maxThreads: 2 });
    await warm(threads);
    const inputs = Array.from({ length: 70_000 }, (_, i) => i);
    const results = await Promise.all(inputs.map((i) => threads.run(tasks.check, [i])));
    expect(results).toEqual(inputs);
    expect(threads.stats.inFlight).toBe(0);
  });

  it("batches an actor's offloads too", async () => {
    const threads = pool({ maxThreads: 2 });
    await warm(threads);
    class Checker extends Actor {
      async many(n: number): Promise<number[]> {
        const all: Array<Promise<number>> = [];
        for (let i = 0; i < n; i++) all.push(this.offload(tasks.check, i));
        return await Promise.all(all);
      }
    }
    const checker = (system as ActorSystem).spawn(Checker);
    const results = await checker.ask("many", 500);
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});

describe("pool regressions", () => {
  it("starts a thread for queued work when a retired thread is gone and the other one is busy (it used to wait for the busy one)", async () => {
    const threads = pool({ maxThreads: 2, abortGrace: 20 });
    const spinning = new Int32Array(new SharedArrayBuffer(8));
    const controller = new AbortController();
    const stubborn = threads.run(tasks.spinOn, [spinning, true], { signal: controller.signal });
    await started(spinning);
    const neighbour = holdFlag();
    const busy = threads.run(tasks.hold, [neighbour]);
    await started(neighbour);
    controller.abort();
    await expect(stubborn).rejects.toBeInstanceOf(TaskAbortedError);
    // The neighbour stays blocked until this resolves: only a replacement thread can run it.
    const next = await threads.run(tasks.whoAmI, []);
    expect(next.thread).not.toBe(Atomics.load(spinning, 1));
    expect(threads.stats.replaced).toBe(1);
    Atomics.store(neighbour, 1, 1);
    Atomics.notify(neighbour, 1);
    await expect(busy).resolves.toBe("held");
  });

  it("lets offloads through with maxQueue 0 (they used to wait for room forever)", async () => {
    system = new ActorSystem({ threads: { maxThreads: 1, maxQueue: 0 } });
    class Adder extends Actor {
      async add(a: number, b: number): Promise<number> {
        return await this.offload(tasks.add, a, b);
      }
    }
    const adder = system.spawn(Adder);
    expect(await adder.ask("add", 1, 2)).toBe(3);
    expect(await adder.ask("add", 3, 4)).toBe(7);
  });

  it("does not warn about listeners for a map of many chunks or many offloads of one actor", async () => {
    const threads = pool({ maxThreads: 2 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on("warning", onWarning);
    try {
      const items = Array.from({ length: 100 }, (_, i) => i);
      expect(await threads.map(tasks.double, items, { chunkSize: 2 })).toEqual(
        items.map((i) => i * 2),
      );
      class Many extends Actor {
        async run(n: number): Promise<number> {
          const all: Array<Promise<number>> = [];
          for (let i = 0; i < n; i++) all.push(this.offload(tasks.add, i, 0));
          return (await Promise.all(all)).length;
        }
      }
      expect(await (system as ActorSystem).spawn(Many).ask("run", 40)).toBe(40);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a tick
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });
});
