import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  InvalidOptionError,
  OperationAbortedError,
  TimeoutError,
  type ActorSystem,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import {
  JobQueueFullError,
  TaskQueue,
  UnknownJobError,
  taskQueue,
  type TaskQueueOptions,
} from "../../actors/task-queue.js";
import { Gates, openAllGates } from "../support/gates.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

let clock: VirtualClock;
let system: ActorSystem;
let gates: Gates;
/** Job numbers in the order their attempts started, and the signal each got. */
let started: number[];
let signals: Map<number, AbortSignal>;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
  gates = new Gates();
  started = [];
  signals = new Map();
});

afterEach(async () => {
  openAllGates();
  await stopVirtualSystem(system, clock);
});

/** Job n waits for gate n (rejecting if its signal aborts), then returns n * 10. */
function held(n: number, signal: AbortSignal): Promise<number> {
  started.push(n);
  signals.set(n, signal);
  return new Promise<number>((resolve, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
    gates.get(n).wait.then(() => resolve(n * 10), reject);
  });
}

function spawnQueue(
  options: Partial<TaskQueueOptions<number, number>> = {},
): TaskQueue<number, number> {
  return new TaskQueue(system.spawn(taskQueue({ handle: held, ...options }), { name: "jobs" }));
}

describe("TaskQueue", () => {
  it("records every state with its times: pending, running, completed", async () => {
    const queue = spawnQueue({ workers: 1 });
    const a = await queue.submit(1);
    const b = await queue.submit(2);
    expect([a, b]).toEqual(["job-1", "job-2"]);
    await flush();
    expect(await queue.status(a)).toMatchObject({ state: "running", startedAt: 0, waitMs: 0 });
    expect(await queue.status(b)).toMatchObject({
      state: "pending",
      submittedAt: 0,
      startedAt: undefined,
      finishedAt: undefined,
      durationMs: undefined,
    });

    await clock.advance(100);
    gates.open(1);
    expect(await queue.result(a)).toBe(10);
    expect(await queue.status(a)).toEqual({
      id: a,
      state: "completed",
      priority: 0,
      attempts: 1,
      submittedAt: 0,
      startedAt: 0,
      finishedAt: 100,
      waitMs: 0,
      runMs: 100,
      durationMs: 100,
      error: undefined,
    });
    expect(await queue.status(b)).toMatchObject({ state: "running", startedAt: 100, waitMs: 100 });

    await clock.advance(50);
    gates.open(2);
    expect(await queue.result(b)).toBe(20);
    expect(await queue.status(b)).toMatchObject({
      state: "completed",
      finishedAt: 150,
      runMs: 50,
      durationMs: 150,
    });
  });

  it("starts higher priorities first, and equal priorities in submission order", async () => {
    const queue = spawnQueue({ workers: 1 });
    const ids = [await queue.submit(0)];
    await flush();
    for (const [n, priority] of [
      [1, 0],
      [2, 5],
      [3, 0],
      [4, 5],
      [5, -1],
    ] as const)
      ids.push(await queue.submit(n, { priority }));
    for (const n of [0, 1, 2, 3, 4, 5]) gates.open(n);
    await Promise.all(ids.map((id) => queue.result(id)));
    expect(started).toEqual([0, 2, 4, 1, 3, 5]);
  });

  it("cancels a pending job: it never runs, and result rejects with OperationAbortedError", async () => {
    const queue = spawnQueue({ workers: 1 });
    await queue.submit(1);
    const id = await queue.submit(2);
    const waiting = queue.result(id);
    expect(await queue.cancel(id, "not needed")).toBe(true);
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationAbortedError);
    expect(error).toMatchObject({
      code: "ERR_OPERATION_ABORTED",
      operation: "taskQueue.job",
      cause: "not needed",
    });
    expect(await queue.status(id)).toMatchObject({
      state: "cancelled",
      startedAt: undefined,
      finishedAt: 0,
      error,
    });
    gates.open(1);
    await queue.result("job-1");
    expect(started).toEqual([1]);
    expect(await queue.stats()).toMatchObject({ cancelled: 1, completed: 1, depth: 0 });
  });

  it("cancels a running job: aborts its signal and frees its worker for the next job", async () => {
    const queue = spawnQueue({ workers: 1 });
    const a = await queue.submit(1);
    const b = await queue.submit(2);
    await flush();
    await clock.advance(30);
    expect(await queue.cancel(a)).toBe(true);
    expect(signals.get(1)?.aborted).toBe(true);
    await expect(queue.result(a)).rejects.toThrow(OperationAbortedError);
    expect(await queue.status(a)).toMatchObject({ state: "cancelled", startedAt: 0, runMs: 30 });
    await flush();
    expect(await queue.status(b)).toMatchObject({ state: "running", startedAt: 30 });
    gates.open(2);
    expect(await queue.result(b)).toBe(20);
    expect(await queue.cancel(b)).toBe(false); // already finished
    expect(await queue.status(a)).toMatchObject({ state: "cancelled" }); // late outcome ignored
  });

  it("retries a failing job and completes when an attempt succeeds", async () => {
    let calls = 0;
    const queue = spawnQueue({
      handle: (n) => {
        calls++;
        if (calls < 3) throw new Error(`attempt ${calls} failed`);
        return n * 10;
      },
    });
    const id = await queue.submit(7, { retries: 2 });
    expect(await queue.result(id)).toBe(70);
    expect(await queue.status(id)).toMatchObject({ state: "completed", attempts: 3 });
  });

  it("tells the handler which job and which attempt it runs", async () => {
    const seen: string[] = [];
    const queue = spawnQueue({
      handle: (n, _signal, { id, attempt }) => {
        seen.push(`${id}#${attempt}`);
        if (n === 2 && attempt === 1) throw new Error("first attempt fails");
        return n;
      },
    });
    const one = await queue.submit(1);
    const two = await queue.submit(2, { retries: 1 });
    expect(await queue.result(one)).toBe(1);
    expect(await queue.result(two)).toBe(2);
    expect(seen).toEqual([`${one}#1`, `${two}#1`, `${two}#2`]);
  });

  it("fails a job after its retries are used up, with the last error", async () => {
    const errors: Error[] = [];
    const queue = spawnQueue({
      retries: 1,
      handle: (n) => {
        const error = new Error(`boom ${n}`);
        errors.push(error);
        return Promise.reject(error);
      },
    });
    const id = await queue.submit(1);
    const error = await queue.result(id).catch((e: unknown) => e);
    expect(errors).toHaveLength(2);
    expect(error).toBe(errors[1]);
    expect(await queue.status(id)).toMatchObject({ state: "failed", attempts: 2, error });
    expect(await queue.stats()).toMatchObject({ failed: 1, activeWorkers: 0, running: 0 });
  });

  it("counts a crashed worker as a failed attempt; the worker is restarted and retries", async () => {
    const restarted: string[] = [];
    system.events.on("restarted", (event) => restarted.push(event.path));
    let calls = 0;
    const queue = spawnQueue({
      handle: (n) => {
        calls++;
        if (calls > 1) return n * 10;
        // Throws from inside the worker's own `catch` (its instanceof check), not from the job.
        throw new Proxy(new Error("odd"), {
          getPrototypeOf: () => {
            throw new Error("worker bug");
          },
        });
      },
    });
    const id = await queue.submit(4, { retries: 1 });
    expect(await queue.result(id)).toBe(40);
    expect(await queue.status(id)).toMatchObject({ state: "completed", attempts: 2 });
    expect(restarted).toEqual(["/user/jobs/worker-0"]);
  });

  it("times a job out after `timeout` ms of running, aborting its signal", async () => {
    const queue = spawnQueue({ workers: 1, timeout: 1000 });
    await queue.submit(1);
    const id = await queue.submit(2, { retries: 3 });
    await clock.advance(200);
    gates.open(1);
    await queue.result("job-1");
    await clock.advance(999);
    expect(await queue.status(id)).toMatchObject({ state: "running", startedAt: 200 });
    await clock.advance(1);
    const error = await queue.result(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({
      code: "ERR_TIMEOUT",
      operation: "taskQueue.job",
      timeoutMs: 1000,
      deadline: 1200,
    });
    expect(signals.get(2)?.aborted).toBe(true);
    expect(await queue.status(id)).toMatchObject({
      state: "timed-out",
      attempts: 1, // a timeout is not retried
      finishedAt: 1200,
      runMs: 1000,
    });
    expect(await queue.stats()).toMatchObject({ timedOut: 1, completed: 1 });
  });

  it("rejects submit with JobQueueFullError when `capacity` jobs are pending", async () => {
    const queue = spawnQueue({ workers: 1, capacity: 2 });
    await queue.submit(1);
    await flush(); // job 1 is running: it does not count
    await queue.submit(2);
    await queue.submit(3);
    const error = await queue.submit(4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobQueueFullError);
    expect(error).toMatchObject({ code: "ERR_JOB_QUEUE_FULL", capacity: 2, running: 1 });
    expect((error as Error).message).toBe(
      "Cannot submit to /user/jobs: 2 job(s) are already pending (capacity 2) and 1 running. " +
        'Wait for results before submitting more, or raise the queue\'s "capacity".',
    );
    // The refusal did not fail (and restart) the queue: its jobs are all still there.
    expect(await queue.stats()).toMatchObject({ pending: 2, depth: 2, running: 1 });
    gates.open(1);
    await queue.result("job-1");
    expect(await queue.submit(4)).toBe("job-4");
  });

  it("result waits for the job without settling early, for every caller", async () => {
    const queue = spawnQueue();
    const id = await queue.submit(1);
    let settled = false;
    const first = queue.result(id).finally(() => (settled = true));
    const second = queue.result(id);
    await flush(10);
    await clock.advance(10_000);
    expect(settled).toBe(false);
    gates.open(1);
    expect(await Promise.all([first, second])).toEqual([10, 10]);
    expect(await queue.result(id)).toBe(10); // after the fact, at once
  });

  it("keeps the last `retention` finished jobs and reports evicted ids as unknown", async () => {
    const queue = spawnQueue({ workers: 3, retention: 2 });
    const ids = [await queue.submit(1), await queue.submit(2), await queue.submit(3)];
    for (const n of [1, 2, 3]) {
      gates.open(n);
      await queue.result(`job-${n}`);
    }
    const error = await queue.status(ids[0] ?? "").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownJobError);
    expect(error).toMatchObject({ code: "ERR_UNKNOWN_JOB", jobId: "job-1", retention: 2 });
    expect((error as Error).message).toContain("keeps the last 2 finished job(s)");
    await expect(queue.result("job-1")).rejects.toThrow(UnknownJobError);
    await expect(queue.cancel("nope")).rejects.toThrow(UnknownJobError);
    expect(await queue.result("job-3")).toBe(30);
    expect(await queue.stats()).toMatchObject({ retained: 2, completed: 3 });
  });

  it("reports counts, depth, active workers and wait/run percentiles", async () => {
    const queue = spawnQueue({ workers: 2 });
    for (const n of [1, 2, 3]) await queue.submit(n);
    await flush();
    expect(await queue.stats()).toEqual({
      pending: 1,
      running: 2,
      completed: 0,
      failed: 0,
      cancelled: 0,
      timedOut: 0,
      depth: 1,
      capacity: 1000,
      workers: 2,
      activeWorkers: 2,
      retained: 0,
      waitMs: { p50: 0, p95: 0, p99: 0 },
      runMs: { p50: 0, p95: 0, p99: 0 },
    });
    await clock.advance(10);
    gates.open(1); // ran 10; job 3 starts at 10
    await queue.result("job-1");
    await clock.advance(20);
    gates.open(2); // ran 30
    await queue.result("job-2");
    await clock.advance(20);
    gates.open(3); // waited 10, ran 40
    await queue.result("job-3");
    expect(await queue.stats()).toMatchObject({
      pending: 0,
      running: 0,
      completed: 3,
      activeWorkers: 0,
      retained: 3,
      waitMs: { p50: 0, p95: 10, p99: 10 },
      runMs: { p50: 30, p95: 40, p99: 40 },
    });
  });

  it("cancels unfinished jobs when the queue stops, so no result waits forever", async () => {
    const queue = spawnQueue({ workers: 1 });
    const running = queue.result(await queue.submit(1));
    const pending = queue.result(await queue.submit(2));
    await flush();
    const stopped = system.stop(queue.ref);
    await expect(running).rejects.toThrow(OperationAbortedError);
    await expect(pending).rejects.toThrow(OperationAbortedError);
    expect(signals.get(1)?.aborted).toBe(true);
    await stopped;
  });

  it("a job that ignores its signal does not hold its worker after a cancel", async () => {
    let late = false;
    const queue = spawnQueue({
      workers: 1,
      handle: async (n, signal) => {
        if (n !== 9) return held(n, signal);
        await gates.get(9).wait; // never looks at its signal
        late = true;
        return 90;
      },
    });
    const ignoring = await queue.submit(9);
    const next = await queue.submit(2);
    await flush();
    await queue.cancel(ignoring);
    await flush();
    expect(await queue.status(next)).toMatchObject({ state: "running" });
    expect(await queue.stats()).toMatchObject({ running: 1, activeWorkers: 1, cancelled: 1 });
    gates.open(9); // its late outcome is dropped
    await flush();
    expect(late).toBe(true);
    expect(await queue.status(ignoring)).toMatchObject({ state: "cancelled" });
    expect(await queue.stats()).toMatchObject({ running: 1, activeWorkers: 1, completed: 0 });
    gates.open(2);
    expect(await queue.result(next)).toBe(20);
    expect(await queue.stats()).toMatchObject({ running: 0, activeWorkers: 0, completed: 1 });
  });

  it("validates options eagerly, naming the option", async () => {
    expect(() => taskQueue({ handle: held, workers: 0 })).toThrow(InvalidOptionError);
    expect(() => taskQueue({ handle: held, workers: 0 })).toThrow(
      'Option "workers" must be an integer ≥ 1; received 0 (number).',
    );
    expect(() => taskQueue({ handle: held, timeout: -5 })).toThrow(/"timeout" must be a number/);
    const queue = spawnQueue();
    await expect(queue.submit(1, { priority: Number.NaN })).rejects.toThrow(InvalidOptionError);
    await expect(queue.submit(1, { retries: 1.5 })).rejects.toThrow(/"retries" must be/);
  });
});
