/**
 * TaskQueue: a bounded job queue served by N worker actors, with priorities, per-job timeouts
 * and retries, cancellation, result waiting without polling, statistics, and a bounded record
 * of finished jobs.
 *
 * It comes in two parts, built only on troupe's public API:
 * - `taskQueue(options)` returns the factory of the queue actor, to spawn wherever an actor
 *   goes (`system.spawn`, `this.context.spawn`, a supervision tree). In `onStart` the actor
 *   spawns `workers` children named `worker-0`, `worker-1`, …, which it supervises.
 * - `new TaskQueue(ref)` is the client: it turns the actor's replies into promises that reject
 *   with typed errors. The actor's handlers never throw for expected outcomes (a full queue,
 *   an unknown id, a failed job), because a handler's error would also fail the queue and let
 *   its supervisor restart it, losing every job; they reply with a value the client unpacks.
 *
 * Guarantees:
 * - Order: a higher `priority` starts first; within a priority, jobs start in submission
 *   order. A retried job keeps its worker and runs again at once.
 * - Job states: `pending` → `running` → `completed` | `failed` | `timed-out`; `pending` or
 *   `running` → `cancelled`. Times (`submittedAt`, `startedAt`, `finishedAt`) are read from the
 *   system's clock, so a `VirtualClock` drives them in tests.
 * - A job's `timeout` limits each attempt from the moment it leaves the queue; when it passes
 *   the job's signal is aborted and the job is `timed-out` (a timeout is not retried). A job
 *   that throws or rejects is retried up to `retries` times, then `failed`.
 * - `cancel` removes a pending job, or aborts a running job's signal; either way the job is
 *   `cancelled` at once and its worker takes the next job. A job that ignores its signal runs
 *   on unobserved and its outcome is dropped.
 * - Backpressure: `submit` rejects with `JobQueueFullError` when `capacity` jobs are pending
 *   (running jobs do not count).
 * - Retention: the last `retention` finished jobs are kept; `status`/`result` of an older one
 *   reject with `UnknownJobError`. `stats()` percentiles cover the retained jobs, its totals
 *   every job since the queue started.
 * - When the queue actor stops, every pending or running job is cancelled, so no `result`
 *   waits forever. A restart of the queue (by its supervisor) starts it empty.
 *
 * @example
 * ```ts
 * import { ActorSystem } from "troupe";
 * import { TaskQueue, taskQueue } from "./actors/task-queue.js";
 *
 * const system = new ActorSystem();
 * const pages = new TaskQueue(
 *   system.spawn(
 *     taskQueue({
 *       workers: 4,
 *       capacity: 1000,
 *       handle: async (url: string, signal) => (await fetch(url, { signal })).text(),
 *     }),
 *     { name: "pages" },
 *   ),
 * );
 * const id = await pages.submit("https://example.org", { priority: 1, timeout: 5000, retries: 2 });
 * console.log((await pages.result(id)).length, await pages.status(id), await pages.stats());
 * await system.shutdown();
 * ```
 */
import { InvalidOptionError, type ActorRef } from "../src/index.js";
import { TaskQueueActor, type Reply } from "./task-queue-actor.js";

export { JobQueueFullError, UnknownJobError } from "./task-queue-errors.js";
export type { TaskQueueActor } from "./task-queue-actor.js";

/** Which job a `handle` call runs, and which attempt of it this is. */
export interface JobInfo {
  /** The id `submit` answered. */
  readonly id: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
}

export interface TaskQueueOptions<J, R> {
  /** Runs one job; abort your work when `signal` aborts (timeout or cancel). */
  readonly handle: (job: J, signal: AbortSignal, info: JobInfo) => Promise<R> | R;
  /**
   * Worker actors, so jobs running at once.
   * @default 1
   */
  readonly workers?: number;
  /**
   * Most jobs pending (not yet running) before `submit` rejects with JobQueueFullError.
   * @default 1000
   */
  readonly capacity?: number;
  /**
   * Finished jobs kept for `status`, `result` and the percentiles of `stats`.
   * @default 1000
   */
  readonly retention?: number;
  /**
   * Default per-attempt time limit in ms, or Infinity.
   * @default Infinity
   */
  readonly timeout?: number;
  /**
   * Default number of retries after a failed attempt.
   * @default 0
   */
  readonly retries?: number;
}

/** The options with every default filled in, as the queue actor holds them. */
export type ResolvedTaskQueueOptions<J, R> = Required<TaskQueueOptions<J, R>>;

export interface SubmitOptions {
  /**
   * Higher starts first; equal priorities start in submission order. Any finite number.
   * @default 0
   */
  readonly priority?: number;
  /** This job's per-attempt time limit in ms, or Infinity. @default the queue's `timeout` */
  readonly timeout?: number;
  /** This job's retries after a failed attempt. @default the queue's `retries` */
  readonly retries?: number;
}

export type JobState = "pending" | "running" | "completed" | "failed" | "cancelled" | "timed-out";

export interface JobStatus {
  readonly id: string;
  readonly state: JobState;
  readonly priority: number;
  /** Attempts started so far (1 + retries used). */
  readonly attempts: number;
  readonly submittedAt: number;
  /** When the first attempt started; undefined while pending (and if cancelled pending). */
  readonly startedAt: number | undefined;
  readonly finishedAt: number | undefined;
  /** `startedAt - submittedAt`. */
  readonly waitMs: number | undefined;
  /** `finishedAt - startedAt`, all attempts included. */
  readonly runMs: number | undefined;
  /** `finishedAt - submittedAt`. */
  readonly durationMs: number | undefined;
  /** Why it failed, timed out or was cancelled. */
  readonly error: Error | undefined;
}

/** Nearest-rank percentiles in ms; 0 when no retained job has the measure. */
export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export interface TaskQueueStats {
  /** Jobs in each state now (`pending`, `running`) and in total since start (the others). */
  readonly pending: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly timedOut: number;
  /** Jobs waiting for a worker (equals `pending`), against `capacity`. */
  readonly depth: number;
  readonly capacity: number;
  readonly workers: number;
  readonly activeWorkers: number;
  /** Finished jobs retained, over which `waitMs` and `runMs` are computed. */
  readonly retained: number;
  readonly waitMs: Percentiles;
  readonly runMs: Percentiles;
}

function checkCount(option: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min)
    throw new InvalidOptionError(option, `an integer ≥ ${min}`, value);
}

function checkTimeout(option: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value > 0) || Number.isNaN(value))
    throw new InvalidOptionError(option, "a number of ms > 0, or Infinity", value);
}

function checkKeys(option: string, value: unknown, known: readonly string[]): void {
  if (typeof value !== "object" || value === null)
    throw new InvalidOptionError(option, "an object", value);
  for (const key of Object.keys(value))
    if (!known.includes(key))
      throw new InvalidOptionError(`${option}.${key}`, `one of ${known.join(", ")}`, key);
}

/**
 * The factory of a queue actor, for `system.spawn` or `this.context.spawn`. Options are
 * checked here, at once: a bad one throws InvalidOptionError naming it.
 */
export function taskQueue<J, R>(options: TaskQueueOptions<J, R>): () => TaskQueueActor<J, R> {
  checkKeys("options", options, [
    "handle",
    "workers",
    "capacity",
    "retention",
    "timeout",
    "retries",
  ]);
  if (typeof options.handle !== "function")
    throw new InvalidOptionError(
      "handle",
      "a function (job, signal, { id, attempt }) => result",
      options.handle,
    );
  checkCount("workers", options.workers, 1);
  checkCount("capacity", options.capacity, 1);
  checkCount("retention", options.retention, 0);
  checkTimeout("timeout", options.timeout);
  checkCount("retries", options.retries, 0);
  const resolved: ResolvedTaskQueueOptions<J, R> = Object.freeze({
    handle: options.handle,
    workers: options.workers ?? 1,
    capacity: options.capacity ?? 1000,
    retention: options.retention ?? 1000,
    timeout: options.timeout ?? Infinity,
    retries: options.retries ?? 0,
  });
  return () => new TaskQueueActor(resolved);
}

function unpack<T>(reply: Reply<T>): T {
  if (reply.ok) return reply.value;
  throw reply.error;
}

/**
 * The client of a queue actor. Every method is one ask; `result` then waits for the job's
 * outcome without asking again. Ask deadlines are the ref's (`ref.with({ timeout })`).
 */
export class TaskQueue<J, R> {
  readonly #ref: ActorRef<TaskQueueActor<J, R>>;

  constructor(ref: ActorRef<TaskQueueActor<J, R>>) {
    this.#ref = ref;
  }

  get ref(): ActorRef<TaskQueueActor<J, R>> {
    return this.#ref;
  }

  /** Queues `job`; resolves with its id ("job-1", "job-2", …). Rejects: JobQueueFullError. */
  async submit(job: J, options: SubmitOptions = {}): Promise<string> {
    checkKeys("submit options", options, ["priority", "timeout", "retries"]);
    if (
      options.priority !== undefined &&
      (typeof options.priority !== "number" || !Number.isFinite(options.priority))
    )
      throw new InvalidOptionError("priority", "a finite number", options.priority);
    checkTimeout("timeout", options.timeout);
    checkCount("retries", options.retries, 0);
    return unpack(await this.#ref.ask("submit", job, options));
  }

  /** The job's state and times. Rejects: UnknownJobError. */
  async status(id: string): Promise<JobStatus> {
    return unpack(await this.#ref.ask("status", id));
  }

  /**
   * Resolves with the job's result once it completes; rejects with the job's error if it
   * failed, OperationAbortedError if cancelled, TimeoutError if timed out, UnknownJobError
   * if there is no such job (or it was evicted).
   */
  async result(id: string): Promise<R> {
    const settled = await unpack(await this.#ref.ask("result", id)).settled;
    return unpack(settled);
  }

  /** Cancels a pending or running job: true if it did, false if the job had finished. */
  async cancel(id: string, reason?: unknown): Promise<boolean> {
    return unpack(await this.#ref.ask("cancel", id, reason));
  }

  async stats(): Promise<TaskQueueStats> {
    return this.#ref.ask("stats");
  }
}
