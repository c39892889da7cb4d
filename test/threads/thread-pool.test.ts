/**
 * The system's thread pool (`system.threads`): results and errors across threads, crashes
 * and memory limits, aborts in both phases (cooperative and forced), clone failures, timeouts,
 * `map`, `broadcast`, recycling, the queue limit and option validation. Every test runs real
 * worker threads (at most two) and coordinates with them through Atomics on shared memory,
 * never through time.
 */
import { getPriority } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import {
  ActorSystem,
  InvalidOptionError,
  TaskAbortedError,
  TaskDataCloneError,
  TaskHandle,
  TaskNonErrorThrownError,
  TaskNotFoundError,
  TaskQueueFullError,
  TaskQueueTimeoutError,
  TaskRunTimeoutError,
  ThreadPoolClosedError,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
  WorkerUncaughtError,
  taskModule,
  type ThreadPool,
  type ThreadPoolOptions,
} from "../../src/index.js";
import {
  flags,
  holdFlag,
  release,
  releaseHeld,
  started,
  tasks,
  tasksUrl,
} from "../support/threads.js";
import { thrownBy } from "../support/thrown-by.js";

let system: ActorSystem | null = null;

afterEach(async () => {
  releaseHeld();
  await system?.shutdown();
  system = null;
});

/** A fresh system whose pool has `options`. */
function pool(options: ThreadPoolOptions): ThreadPool {
  system = new ActorSystem({ threads: options });
  return system.threads;
}

/** The rejection of `promise`, checked to be a `type`. */
async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a rejection with ${type.name}, but the promise resolved`);
}

describe("results", () => {
  it("runs a task on a thread and resolves with its result", async () => {
    const threads = pool({ maxThreads: 1 });
    await expect(threads.run(tasks.add, [1, 2])).resolves.toBe(3);
    const stats = threads.stats;
    expect(stats.started).toBe(true);
    expect(stats.completed).toBe(1);
    expect(stats.inFlight).toBe(0);
  });

  it("counts busy time and utilization from the threads' own measure of each task", async () => {
    // Regression: Piscina 5's `utilization` reads about a thousandth of the real share, so
    // the dashboard's pool chart stayed at 0 %. The pool now sums its runners' measures.
    const threads = pool({ maxThreads: 1 });
    expect(threads.stats.busyMs).toBe(0);
    const measured = await threads.run(tasks.busyFor, [30]);
    const stats = threads.stats;
    expect(stats.maxThreads).toBe(1);
    expect(stats.busyMs).toBeGreaterThanOrEqual(measured);
    expect(stats.utilization).toBeGreaterThan(0);
    expect(stats.utilization).toBeLessThanOrEqual(1);
  });

  it("copies objects, Maps and typed arrays back", async () => {
    const threads = pool({ maxThreads: 1 });
    const value = {
      nested: { list: [1, "two", null], when: new Date(0) },
      map: new Map<string, number[]>([["a", [1, 2]]]),
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([0.5, -1]),
    };
    const back = await threads.run(tasks.echo, [value]);
    expect(back).toEqual(value);
    expect(back).not.toBe(value);
    const copy = back as typeof value;
    expect(copy.map).toBeInstanceOf(Map);
    expect(copy.map.get("a")).toEqual([1, 2]);
    expect(copy.bytes).toBeInstanceOf(Uint8Array);
    expect([...copy.bytes]).toEqual([1, 2, 255]);
    expect(copy.floats).toBeInstanceOf(Float64Array);
  });

  it("awaits an async task", async () => {
    const threads = pool({ maxThreads: 1 });
    await expect(threads.run(tasks.later, ["done"])).resolves.toBe("done");
  });
});

describe("task errors", () => {
  it("rejects with the original class of a built-in error", async () => {
    const threads = pool({ maxThreads: 1 });
    const error = await rejection(threads.run(tasks.throwType, []), TypeError);
    expect(error.message).toBe("not a number");
  });

  it("keeps the class name and fields of a custom error", async () => {
    const threads = pool({ maxThreads: 1 });
    const error = await rejection(threads.run(tasks.throwCustom, ["bad input"]), Error);
    expect(error.name).toBe("ValidationError");
    expect(error.message).toBe("bad input");
    expect((error as Error & { code?: unknown }).code).toBe("E_VALIDATION");
  });

  it("wraps a thrown non-Error in TaskNonErrorThrownError with a copy of the value", async () => {
    const threads = pool({ maxThreads: 1 });
    const error = await rejection(
      threads.run(tasks.throwValue, [{ reason: "nope", n: 7 }]),
      TaskNonErrorThrownError,
    );
    expect(error.code).toBe("ERR_TASK_NON_ERROR_THROWN");
    expect(error.value).toEqual({ reason: "nope", n: 7 });
    expect(error.task).toBe(tasks.throwValue.label);
    const text = await rejection(threads.run(tasks.throwValue, ["text"]), TaskNonErrorThrownError);
    expect(text.value).toBe("text");
  });

  it("rejects a missing export with TaskNotFoundError", async () => {
    const threads = pool({ maxThreads: 1 });
    const missing = new TaskHandle(tasksUrl.href, "noSuchTask");
    const error = await rejection(threads.run(missing, []), TaskNotFoundError);
    expect(error.code).toBe("ERR_TASK_NOT_FOUND");
    expect(error.moduleUrl).toBe(tasksUrl.href);
    expect(error.exportName).toBe("noSuchTask");
    await expect(threads.run(tasks.add, [2, 2])).resolves.toBe(4);
  });
});

describe("thread failures", () => {
  it("rejects with WorkerCrashedError when the thread exits, and replaces it", async () => {
    const threads = pool({ maxThreads: 1 });
    const before = await threads.run(tasks.whoAmI, []);
    const error = await rejection(threads.run(tasks.exit, [3]), WorkerCrashedError);
    expect(error.code).toBe("ERR_WORKER_CRASHED");
    expect(error.task).toBe(tasks.exit.label);
    expect(error.cause).toBeInstanceOf(Error);
    const after = await threads.run(tasks.whoAmI, []);
    expect(after.thread).not.toBe(before.thread);
    await expect(threads.run(tasks.add, [1, 1])).resolves.toBe(2);
    expect(threads.stats.replaced).toBeGreaterThanOrEqual(1);
  });

  it("rejects with WorkerOutOfMemoryError past resourceLimits, and keeps working", async () => {
    const limits = { maxOldGenerationSizeMb: 16 };
    const threads = pool({ maxThreads: 1, resourceLimits: limits });
    const error = await rejection(threads.run(tasks.allocate, [256]), WorkerOutOfMemoryError);
    expect(error.code).toBe("ERR_WORKER_OUT_OF_MEMORY");
    expect(error.task).toBe(tasks.allocate.label);
    expect(error.resourceLimits).toEqual(limits);
    await expect(threads.run(tasks.add, [1, 2])).resolves.toBe(3);
    expect(threads.stats.replaced).toBeGreaterThanOrEqual(1);
  });

  it("reports a late uncaught error as a threadError event; no task fails", async () => {
    system = new ActorSystem({ threads: { maxThreads: 1 } });
    const threads = system.threads;
    const reported = new Promise<WorkerUncaughtError>((resolve) =>
      system?.events.once("threadError", resolve),
    );
    await expect(threads.run(tasks.lateThrow, [])).resolves.toBe("returned");
    const error = await reported;
    expect(error).toBeInstanceOf(WorkerUncaughtError);
    expect(error.code).toBe("ERR_WORKER_UNCAUGHT");
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe("late");
    await expect(threads.run(tasks.add, [5, 5])).resolves.toBe(10);
  });
});

describe("aborts", () => {
  it("drops a queued task at once: TaskAbortedError phase queued, and it never runs", async () => {
    const threads = pool({ maxThreads: 1 });
    const flag = flags();
    const first = new AbortController();
    const spinning = threads.run(tasks.spin, [flag, false], { signal: first.signal });
    await started(flag);
    const counter = flags(1);
    const second = new AbortController();
    const queued = threads.run(tasks.bump, [counter], { signal: second.signal });
    const reason = new Error("not needed");
    second.abort(reason);
    const error = await rejection(queued, TaskAbortedError);
    expect(error.code).toBe("ERR_TASK_ABORTED");
    expect(error.phase).toBe("queued");
    expect(error.task).toBe(tasks.bump.label);
    expect(error.cause).toBe(reason);
    first.abort();
    await expect(spinning).rejects.toBeInstanceOf(TaskAbortedError);
    // The next bump is the first one that ever ran: the aborted one was skipped.
    await expect(threads.run(tasks.bump, [counter])).resolves.toBe(1);
    expect(Atomics.load(counter, 0)).toBe(1);
  });

  it("rejects at once with phase queued when the signal is already aborted", async () => {
    const threads = pool({ maxThreads: 1 });
    const counter = flags(1);
    const error = await rejection(
      threads.run(tasks.bump, [counter], { signal: AbortSignal.abort() }),
      TaskAbortedError,
    );
    expect(error.phase).toBe("queued");
    await expect(threads.run(tasks.bump, [counter])).resolves.toBe(1);
  });

  it("aborts a running task through this.signal; a cooperative task keeps its thread", async () => {
    // A long grace: were the task not to stop on its own, its thread would only go after it.
    const threads = pool({ maxThreads: 1, abortGrace: 60_000 });
    const before = await threads.run(tasks.whoAmI, []);
    const flag = flags();
    const controller = new AbortController();
    const running = threads.run(tasks.spin, [flag, false], { signal: controller.signal });
    await started(flag);
    const reason = new Error("user cancelled");
    controller.abort(reason);
    const error = await rejection(running, TaskAbortedError);
    expect(error.phase).toBe("running");
    expect(error.task).toBe(tasks.spin.label);
    expect(error.cause).toBe(reason);
    await threads.drained();
    expect(threads.stats.replaced).toBe(0);
    const after = await threads.run(tasks.whoAmI, []);
    expect(after.thread).toBe(before.thread);
    expect(threads.stats.replaced).toBe(0);
  });

  it("wakes an async task waiting on its signal's abort event", async () => {
    const threads = pool({ maxThreads: 1, abortGrace: 60_000 });
    const flag = flags();
    const controller = new AbortController();
    const running = threads.run(tasks.listenForAbort, [flag], { signal: controller.signal });
    await started(flag);
    controller.abort();
    expect((await rejection(running, TaskAbortedError)).phase).toBe("running");
    await threads.drained();
    expect(threads.stats.replaced).toBe(0);
  });

  it("replaces the thread of a task that ignores the abort; a queued task still runs", async () => {
    const threads = pool({ maxThreads: 1, abortGrace: 50 });
    const flag = flags();
    const controller = new AbortController();
    const stubborn = threads.run(tasks.spinOn, [flag, true], { signal: controller.signal });
    await started(flag);
    const stubbornThread = Atomics.load(flag, 1);
    const counter = flags(1);
    const queued = threads.run(tasks.bump, [counter]);
    controller.abort();
    expect((await rejection(stubborn, TaskAbortedError)).phase).toBe("running");
    await expect(queued).resolves.toBe(1);
    const after = await threads.run(tasks.whoAmI, []);
    expect(after.thread).not.toBe(stubbornThread);
    expect(threads.stats.replaced).toBe(1);
  });

  it("replaces only the stubborn task's thread; a task on the other thread succeeds", async () => {
    const threads = pool({ maxThreads: 2, abortGrace: 50 });
    const flag = flags();
    const controller = new AbortController();
    const stubborn = threads.run(tasks.spinOn, [flag, true], { signal: controller.signal });
    await started(flag);
    const stubbornThread = Atomics.load(flag, 1);
    const neighbourFlag = holdFlag();
    const neighbour = threads.run(tasks.hold, [neighbourFlag]);
    await started(neighbourFlag);
    controller.abort();
    expect((await rejection(stubborn, TaskAbortedError)).phase).toBe("running");
    // The neighbour finishes although the thread next to it is terminated.
    release(neighbourFlag);
    await expect(neighbour).resolves.toBe("held");
    const next = await threads.run(tasks.whoAmI, []);
    expect(next.thread).not.toBe(stubbornThread);
    await threads.drained(); // the stubborn task is given back once its thread is gone
    expect(threads.stats.replaced).toBe(1);
  });
});

describe("data that cannot be cloned", () => {
  it("rejects uncloneable arguments with TaskDataCloneError what arguments", async () => {
    const threads = pool({ maxThreads: 1 });
    const error = await rejection(threads.run(tasks.echo, [() => 1]), TaskDataCloneError);
    expect(error.code).toBe("ERR_TASK_DATA_CLONE");
    expect(error.what).toBe("arguments");
    expect(error.task).toBe(tasks.echo.label);
    await expect(threads.run(tasks.add, [1, 2])).resolves.toBe(3);
  });

  it("rejects an uncloneable result with what result; the thread survives", async () => {
    const threads = pool({ maxThreads: 1 });
    const before = await threads.run(tasks.whoAmI, []);
    const error = await rejection(threads.run(tasks.uncloneableResult, []), TaskDataCloneError);
    expect(error.what).toBe("result");
    expect(error.task).toBe(tasks.uncloneableResult.label);
    const after = await threads.run(tasks.whoAmI, []);
    expect(after.thread).toBe(before.thread);
    expect(threads.stats.replaced).toBe(0);
  });
});

describe("timeouts", () => {
  it("rejects with TaskQueueTimeoutError a task that waits too long; it never runs", async () => {
    const threads = pool({ maxThreads: 1 });
    const flag = flags();
    const controller = new AbortController();
    const spinning = threads.run(tasks.spin, [flag, false], { signal: controller.signal });
    await started(flag);
    const counter = flags(1);
    const error = await rejection(
      threads.run(tasks.bump, [counter], { queueTimeout: 20 }),
      TaskQueueTimeoutError,
    );
    expect(error.code).toBe("ERR_TASK_QUEUE_TIMEOUT");
    expect(error.task).toBe(tasks.bump.label);
    expect(error.timeoutMs).toBe(20);
    controller.abort();
    await expect(spinning).rejects.toBeInstanceOf(TaskAbortedError);
    await expect(threads.run(tasks.bump, [counter])).resolves.toBe(1);
  });

  it("rejects with TaskRunTimeoutError a task that runs too long", async () => {
    const threads = pool({ maxThreads: 1, abortGrace: 60_000 });
    const flag = flags();
    const error = await rejection(
      threads.run(tasks.spin, [flag, false], { runTimeout: 20 }),
      TaskRunTimeoutError,
    );
    expect(error.code).toBe("ERR_TASK_RUN_TIMEOUT");
    expect(error.task).toBe(tasks.spin.label);
    expect(error.timeoutMs).toBe(20);
    expect(Atomics.load(flag, 0)).toBe(1);
    await threads.drained();
    expect(threads.stats.replaced).toBe(0); // it stopped on its signal
  });
});

describe("map", () => {
  it("resolves with the results in input order", async () => {
    const threads = pool({ maxThreads: 2 });
    const items = Array.from({ length: 25 }, (_, i) => i);
    await expect(threads.map(tasks.double, items)).resolves.toEqual(items.map((x) => x * 2));
    await expect(threads.map(tasks.double, [])).resolves.toEqual([]);
    await expect(threads.map(tasks.double, new Set([3, 4]))).resolves.toEqual([6, 8]);
  });

  it("puts chunkSize items in each task", async () => {
    const threads = pool({ maxThreads: 2 });
    const tagged = await threads.map(tasks.tagChunk, [1, 2, 3, 4, 5, 6, 7], { chunkSize: 3 });
    expect(tagged.map(([, item]) => item)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const sizes = new Map<string, number[]>();
    for (const [chunk, item] of tagged) sizes.set(chunk, [...(sizes.get(chunk) ?? []), item]);
    expect([...sizes.values()]).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("rejects when an item fails", async () => {
    const threads = pool({ maxThreads: 2 });
    const error = await rejection(
      threads.map(tasks.positive, [1, 2, -3, 4, 5], { chunkSize: 1 }),
      RangeError,
    );
    expect(error.message).toBe("negative: -3");
    await expect(threads.map(tasks.positive, [1, 2])).resolves.toEqual([1, 2]);
  });
});

describe("broadcast", () => {
  it("is applied by every thread, before and after they started", async () => {
    const threads = pool({ maxThreads: 2 });
    await threads.broadcast(tasks.configure, "first"); // no thread yet: applied on start
    const meet = flags(1);
    const one = await Promise.all([
      threads.run(tasks.rendezvous, [meet, 2]),
      threads.run(tasks.rendezvous, [meet, 2]),
    ]);
    expect(one[0].thread).not.toBe(one[1].thread);
    expect(one.map((r) => r.config)).toEqual(["first", "first"]);

    await threads.broadcast(tasks.configure, "second");
    const again = flags(1);
    const two = await Promise.all([
      threads.run(tasks.rendezvous, [again, 2]),
      threads.run(tasks.rendezvous, [again, 2]),
    ]);
    expect(new Set(two.map((r) => r.thread))).toEqual(new Set(one.map((r) => r.thread)));
    expect(two.map((r) => r.config)).toEqual(["second", "second"]);
  });

  it("is applied by a thread started after it", async () => {
    const threads = pool({ maxThreads: 1, recycleAfterTasks: 1 });
    const first = await threads.run(tasks.whoAmI, []);
    expect(first.config).toBe("none");
    await threads.broadcast(tasks.configure, "late");
    const next = await threads.run(tasks.whoAmI, []);
    expect(next.thread).not.toBe(first.thread);
    expect(next.config).toBe("late");
    expect(threads.stats.replaced).toBeGreaterThanOrEqual(1);
  });

  it("fails fast after shutdown", async () => {
    const threads = pool({ maxThreads: 1 });
    await system?.shutdown();
    await expect(threads.broadcast(tasks.configure, "x")).rejects.toBeInstanceOf(
      ThreadPoolClosedError,
    );
  });
});

describe("recycling and limits", () => {
  it("replaces a thread after recycleAfterTasks without failing a task", async () => {
    const threads = pool({ maxThreads: 1, recycleAfterTasks: 2 });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push((await threads.run(tasks.whoAmI, [])).thread);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[1]);
    expect(seen[3]).toBe(seen[2]);
    expect(seen[4]).not.toBe(seen[3]);
    expect(new Set(seen).size).toBe(3);
    expect(threads.stats.replaced).toBeGreaterThanOrEqual(2);
  });

  it("replaces a thread whose heap passed recycleAboveHeapBytes, after the task that did it", async () => {
    // Every thread's heap is far above 1 byte: each one is replaced after its first task.
    const threads = pool({ maxThreads: 1, recycleAboveHeapBytes: 1 });
    const first = await threads.run(tasks.whoAmI, []);
    const second = await threads.run(tasks.whoAmI, []);
    expect(second.thread).not.toBe(first.thread);
    await threads.drained();
    expect(threads.stats.replaced).toBeGreaterThanOrEqual(1);
  });

  it("rejects a run past maxQueue with TaskQueueFullError", async () => {
    const threads = pool({ maxThreads: 1, maxQueue: 1 });
    const flag = holdFlag();
    const running = threads.run(tasks.hold, [flag]);
    await started(flag);
    const counter = flags(1);
    const queued = threads.run(tasks.bump, [counter]);
    expect(threads.saturated).toBe(true);
    const error = await rejection(threads.run(tasks.bump, [counter]), TaskQueueFullError);
    expect(error.code).toBe("ERR_TASK_QUEUE_FULL");
    expect(error.maxQueue).toBe(1);
    expect(error.task).toBe(tasks.bump.label);
    release(flag);
    await expect(running).resolves.toBe("held");
    await expect(queued).resolves.toBe(1);
    expect(Atomics.load(counter, 0)).toBe(1);
    expect(threads.saturated).toBe(false);
  });

  it("whenRoom resolves once the queue has room again", async () => {
    const threads = pool({ maxThreads: 1, maxQueue: 1 });
    const flag = holdFlag();
    const running = threads.run(tasks.hold, [flag]);
    await started(flag);
    const queued = threads.run(tasks.add, [1, 1]);
    let room = false;
    const waiting = threads.whenRoom().then(() => (room = true));
    await Promise.resolve();
    expect(room).toBe(false);
    release(flag);
    await waiting;
    expect(room).toBe(true);
    await expect(running).resolves.toBe("held");
    await expect(queued).resolves.toBe(2);
    await threads.drained();
    expect(threads.stats.inFlight).toBe(0);
  });
});

describe("shutdown", () => {
  it("fails fast with ThreadPoolClosedError after the system shut down", async () => {
    const threads = pool({ maxThreads: 1 });
    await expect(threads.run(tasks.add, [1, 2])).resolves.toBe(3);
    await system?.shutdown();
    expect(threads.stats.closed).toBe(true);
    const error = await rejection(threads.run(tasks.add, [1, 2]), ThreadPoolClosedError);
    expect(error.code).toBe("ERR_THREAD_POOL_CLOSED");
    expect(error.task).toBe(tasks.add.label);
  });

  it("never starts threads for a pool first used after shutdown", async () => {
    system = new ActorSystem({ threads: { maxThreads: 1 } });
    await system.shutdown();
    const threads = system.threads;
    await expect(threads.run(tasks.add, [1, 2])).rejects.toBeInstanceOf(ThreadPoolClosedError);
    expect(threads.stats.started).toBe(false);
  });
});

describe("option validation", () => {
  it.each([
    [{ maxThreads: 0 }, "threads.maxThreads"],
    [{ maxThreads: 1.5 }, "threads.maxThreads"],
    [{ minThreads: 3, maxThreads: 2 }, "threads.minThreads"],
    [{ maxQueue: -1 }, "threads.maxQueue"],
    [{ abortGrace: -5 }, "threads.abortGrace"],
    [{ recycleAfterTasks: 0 }, "threads.recycleAfterTasks"],
    [
      { resourceLimits: { maxOldGenerationSizeMb: 0 } },
      "threads.resourceLimits.maxOldGenerationSizeMb",
    ],
    [{ resourceLimits: { heapMb: 1 } }, "threads.resourceLimits.heapMb"],
    [{ typescript: "yes" }, "threads.typescript"],
    [{ maxThread: 2 }, "threads.maxThread"],
  ])("rejects threads option %o naming %s", (threads, option) => {
    const error = thrownBy(
      () => new ActorSystem({ threads: threads as ThreadPoolOptions }),
      InvalidOptionError,
    );
    expect(error.code).toBe("ERR_INVALID_OPTION");
    expect(error.option).toBe(option);
  });

  it("rejects bad run options, arguments and task handles synchronously", () => {
    const threads = pool({ maxThreads: 1 });
    const bad: Array<[() => unknown, string]> = [
      [() => threads.run(tasks.add, [1, 2], { queueTimeout: -1 }), "options.queueTimeout"],
      [() => threads.run(tasks.add, [1, 2], { runTimeout: Number.NaN }), "options.runTimeout"],
      [() => threads.run(tasks.add, [1, 2], { signal: {} as AbortSignal }), "options.signal"],
      [() => threads.run(tasks.add, [1, 2], { transfer: {} as unknown as [] }), "options.transfer"],
      [
        () => threads.run(tasks.add, [1, 2], { retries: 2 } as unknown as { signal?: AbortSignal }),
        "options.retries",
      ],
      [() => threads.run(tasks.add, 1 as unknown as [number, number]), "args"],
      [
        () =>
          threads.run({ url: tasksUrl.href, name: "add" } as unknown as typeof tasks.add, [1, 2]),
        "task",
      ],
    ];
    for (const [call, option] of bad) {
      const error = thrownBy(call, InvalidOptionError);
      expect(error.option).toBe(option);
    }
    expect(threads.stats.started).toBe(false);
  });

  it("rejects bad map options", async () => {
    const threads = pool({ maxThreads: 1 });
    await expect(threads.map(tasks.double, [1], { chunkSize: 0 })).rejects.toMatchObject({
      constructor: InvalidOptionError,
      option: "options.chunkSize",
    });
    await expect(
      threads.map(tasks.double, [1], { transfer: [] } as unknown as { chunkSize: number }),
    ).rejects.toMatchObject({ constructor: InvalidOptionError, option: "options.transfer" });
    await expect(threads.map(tasks.double, 5 as unknown as number[])).rejects.toMatchObject({
      constructor: InvalidOptionError,
      option: "items",
    });
  });

  it("rejects a task module URL that is not a file: URL", () => {
    const error = thrownBy(() => taskModule("https://example.com/tasks.js"), InvalidOptionError);
    expect(error.option).toBe("url");
    expect(thrownBy(() => taskModule("not a url"), InvalidOptionError).option).toBe("url");
  });
});

describe("thread priority", () => {
  it.runIf(process.platform === "linux")(
    "lowers the threads' priority by niceIncrement, and leaves it alone by default",
    async () => {
      const base = getPriority();
      const low = pool({ maxThreads: 1, niceIncrement: 10 });
      expect(await low.run(tasks.niceness, [])).toBe(Math.min(19, base + 10));
      await system?.shutdown();
      const normal = pool({ maxThreads: 1 });
      expect(await normal.run(tasks.niceness, [])).toBe(base);
    },
  );

  it("rejects a niceIncrement outside 0-19", () => {
    expect(() => new ActorSystem({ threads: { niceIncrement: 20 } })).toThrow(InvalidOptionError);
    expect(() => new ActorSystem({ threads: { niceIncrement: -1 } })).toThrow(
      /threads.niceIncrement/,
    );
  });
});
