/**
 * The engine behind `TaskQueue` (task-queue.ts): the queue actor, which owns every job's
 * state, and its worker children, which run one job at a time each. Only the queue actor
 * changes job state, and all its handlers are synchronous, so the state needs no locks and
 * a handler never leaves the queue parked.
 *
 * Replies never throw for expected outcomes (a full queue, an unknown id): a handler's error
 * would also fail the queue actor and let its supervisor restart it, losing every job. They
 * return a `Reply` instead, which the `TaskQueue` client turns into a rejection.
 */
import {
  Actor,
  OperationAbortedError,
  TimeoutError,
  timeout,
  type ActorRef,
} from "../src/index.js";
import { JobQueueFullError, UnknownJobError } from "./task-queue-errors.js";
import type {
  JobInfo,
  JobState,
  JobStatus,
  Percentiles,
  ResolvedTaskQueueOptions,
  SubmitOptions,
  TaskQueueOptions,
  TaskQueueStats,
} from "./task-queue.js";

/** A reply that carries an expected failure as a value (see the module comment). */
export type Reply<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error };

/** How a job ended, as `result` delivers it; `result` rejects on anything but `completed`. */
export type Settled<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: Error };

/** What one attempt on a worker came to. */
export type Attempt<R> =
  | { readonly kind: "completed"; readonly value: R }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "timed-out"; readonly deadline: number }
  | { readonly kind: "cancelled" };

const OPERATION = "taskQueue.job";

/** Runs one job at a time; never throws, so a job's failure never fails the worker. */
export class TaskWorker<J, R> extends Actor {
  readonly #handle: TaskQueueOptions<J, R>["handle"];

  constructor(handle: TaskQueueOptions<J, R>["handle"]) {
    super();
    this.#handle = handle;
  }

  async run(job: J, timeoutMs: number, signal: AbortSignal, info: JobInfo): Promise<Attempt<R>> {
    const clock = this.context.system.clock;
    try {
      const value = await timeout((s) => this.#handle(job, s, info), timeoutMs, {
        clock,
        signal,
      });
      return { kind: "completed", value };
    } catch (error) {
      if (error instanceof TimeoutError) return { kind: "timed-out", deadline: error.deadline };
      if (signal.aborted) return { kind: "cancelled" };
      return { kind: "failed", error };
    }
  }
}

interface Job<J, R> {
  readonly id: string;
  readonly seq: number;
  readonly job: J;
  readonly priority: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly submittedAt: number;
  state: JobState;
  attempts: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  error: Error | undefined;
  value: R | undefined;
  /** Which worker runs it, and the attempt's controller; set while running. */
  worker: number | undefined;
  controller: AbortController | undefined;
  /** Made by the first `result` call before the job finished; resolved when it does. */
  waiter: { promise: Promise<Settled<R>>; resolve: (s: Settled<R>) => void } | undefined;
}

interface Ordered {
  readonly priority: number;
  readonly seq: number;
}

/** Higher priority first; within a priority, submission order (`seq`). */
function before(a: Ordered, b: Ordered): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}

/** Nearest-rank percentiles of `values`; zeros when there are none. */
function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0 };
  values.sort((a, b) => a - b);
  const at = (p: number): number =>
    values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? 0;
  return { p50: at(50), p95: at(95), p99: at(99) };
}

export class TaskQueueActor<J, R> extends Actor {
  readonly #options: ResolvedTaskQueueOptions<J, R>;
  readonly #jobs = new Map<string, Job<J, R>>();
  /** Pending jobs, the next to start last (see #push). */
  readonly #pending: Job<J, R>[] = [];
  /** Finished jobs in the order they finished, for retention and percentiles. */
  readonly #finished = new Map<string, Job<J, R>>();
  readonly #workers: ActorRef<TaskWorker<J, R>>[] = [];
  readonly #idle: number[] = [];
  readonly #totals = { completed: 0, failed: 0, cancelled: 0, timedOut: 0 };
  #seq = 0;
  #running = 0;

  constructor(options: ResolvedTaskQueueOptions<J, R>) {
    super();
    this.#options = options;
  }

  protected override onStart(): void {
    const handle = this.#options.handle;
    for (let i = 0; i < this.#options.workers; i++) {
      this.#workers.push(this.context.spawn(() => new TaskWorker(handle), { name: `worker-${i}` }));
      this.#idle.push(i);
    }
    this.signal.addEventListener("abort", () => this.#abandonAll(), { once: true });
  }

  /**
   * Every unfinished job ends as cancelled, so no `result` waits forever. Done when the
   * incarnation's signal aborts, which is before the workers are stopped: a stop waits for
   * their in-flight jobs, so the running ones must be aborted first.
   */
  #abandonAll(): void {
    const reason = new Error(`task queue ${this.context.path} stopped`);
    for (const job of this.#jobs.values())
      if (job.state === "pending" || job.state === "running") this.#cancel(job, reason);
  }

  submit(job: J, options: SubmitOptions = {}): Reply<string> {
    if (this.#pending.length >= this.#options.capacity)
      return {
        ok: false,
        error: new JobQueueFullError(this.context.path, this.#options.capacity, this.#running),
      };
    const seq = ++this.#seq;
    const entry: Job<J, R> = {
      id: `job-${seq}`,
      seq,
      job,
      priority: options.priority ?? 0,
      timeoutMs: options.timeout ?? this.#options.timeout,
      retries: options.retries ?? this.#options.retries,
      submittedAt: this.context.system.clock.now(),
      state: "pending",
      attempts: 0,
      startedAt: undefined,
      finishedAt: undefined,
      error: undefined,
      value: undefined,
      worker: undefined,
      controller: undefined,
      waiter: undefined,
    };
    this.#jobs.set(entry.id, entry);
    this.#push(entry);
    this.#dispatch();
    return { ok: true, value: entry.id };
  }

  status(id: string): Reply<JobStatus> {
    const job = this.#jobs.get(id);
    if (job === undefined) return { ok: false, error: this.#unknown(id) };
    const { startedAt, finishedAt } = job;
    return {
      ok: true,
      value: {
        id,
        state: job.state,
        priority: job.priority,
        attempts: job.attempts,
        submittedAt: job.submittedAt,
        startedAt,
        finishedAt,
        waitMs: startedAt === undefined ? undefined : startedAt - job.submittedAt,
        runMs:
          startedAt === undefined || finishedAt === undefined ? undefined : finishedAt - startedAt,
        durationMs: finishedAt === undefined ? undefined : finishedAt - job.submittedAt,
        error: job.error,
      },
    };
  }

  /**
   * A promise of the job's outcome, boxed so that this handler stays synchronous: returning
   * the promise itself would park the queue until the job finished.
   */
  result(id: string): Reply<{ readonly settled: Promise<Settled<R>> }> {
    const job = this.#jobs.get(id);
    if (job === undefined) return { ok: false, error: this.#unknown(id) };
    const outcome = this.#outcome(job);
    if (outcome !== undefined) return { ok: true, value: { settled: Promise.resolve(outcome) } };
    if (job.waiter === undefined) {
      let resolve!: (s: Settled<R>) => void;
      const promise = new Promise<Settled<R>>((res) => (resolve = res));
      job.waiter = { promise, resolve };
    }
    return { ok: true, value: { settled: job.waiter.promise } };
  }

  /** True if the job was pending or running and is now cancelled; false if it had finished. */
  cancel(id: string, reason?: unknown): Reply<boolean> {
    const job = this.#jobs.get(id);
    if (job === undefined) return { ok: false, error: this.#unknown(id) };
    if (job.state !== "pending" && job.state !== "running") return { ok: true, value: false };
    this.#cancel(job, reason ?? new Error(`job ${id} was cancelled`));
    this.#dispatch();
    return { ok: true, value: true };
  }

  stats(): TaskQueueStats {
    const waits: number[] = [];
    const runs: number[] = [];
    for (const job of this.#finished.values()) {
      if (job.startedAt === undefined || job.finishedAt === undefined) continue;
      waits.push(job.startedAt - job.submittedAt);
      runs.push(job.finishedAt - job.startedAt);
    }
    return {
      pending: this.#pending.length,
      running: this.#running,
      ...this.#totals,
      depth: this.#pending.length,
      capacity: this.#options.capacity,
      workers: this.#workers.length,
      activeWorkers: this.#workers.length - this.#idle.length,
      retained: this.#finished.size,
      waitMs: percentiles(waits),
      runMs: percentiles(runs),
    };
  }

  /**
   * Internal: a worker's report on an attempt, delivered by `pipeToSelf`. A report whose
   * controller is no longer the job's (the job was cancelled meanwhile) is stale and ignored.
   */
  attemptSettled(id: string, controller: AbortController, attempt: Attempt<R>): void {
    const job = this.#jobs.get(id);
    if (job === undefined || job.controller !== controller || job.state !== "running") return;
    switch (attempt.kind) {
      case "completed":
        job.value = attempt.value;
        this.#finish(job, "completed", undefined);
        break;
      case "failed":
        this.#failedAttempt(job, attempt.error);
        return;
      case "timed-out":
        this.#finish(
          job,
          "timed-out",
          new TimeoutError(OPERATION, job.timeoutMs, attempt.deadline),
        );
        break;
      case "cancelled": // the controller was aborted only by #cancel, which already finished it
        break;
      default:
        attempt satisfies never;
    }
    this.#dispatch();
  }

  /** Internal: the worker failed outside the job (it crashed); counts as a failed attempt. */
  workerCrashed(id: string, controller: AbortController, error: Error): void {
    const job = this.#jobs.get(id);
    if (job === undefined || job.controller !== controller || job.state !== "running") return;
    this.#failedAttempt(job, error);
  }

  #failedAttempt(job: Job<J, R>, error: unknown): void {
    const worker = job.worker;
    if (job.attempts <= job.retries && worker !== undefined) {
      this.#start(job, worker); // retried at once, on the same worker
      return;
    }
    this.#finish(job, "failed", error instanceof Error ? error : new Error(String(error)));
    this.#dispatch();
  }

  #cancel(job: Job<J, R>, reason: unknown): void {
    const error = new OperationAbortedError(OPERATION, reason);
    if (job.state === "pending") this.#remove(job);
    job.controller?.abort(error);
    this.#finish(job, "cancelled", error);
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#pending.length > 0) {
      const job = this.#pending.pop();
      const worker = this.#idle.pop();
      if (job === undefined || worker === undefined) return;
      this.#running++;
      job.startedAt = this.context.system.clock.now();
      this.#start(job, worker);
    }
  }

  #start(job: Job<J, R>, worker: number): void {
    const ref = this.#workers[worker];
    if (ref === undefined) return;
    const controller = new AbortController();
    job.state = "running";
    job.attempts++;
    job.worker = worker;
    job.controller = controller;
    const { id } = job;
    const info: JobInfo = { id, attempt: job.attempts };
    this.pipeToSelf(
      ref.with({ timeout: Infinity }).ask("run", job.job, job.timeoutMs, controller.signal, info),
      (self, attempt) => self.attemptSettled(id, controller, attempt),
      (self, error) => self.workerCrashed(id, controller, error),
    );
  }

  #finish(job: Job<J, R>, state: Exclude<JobState, "pending" | "running">, error?: Error): void {
    if (job.worker !== undefined) {
      this.#idle.push(job.worker);
      this.#running--;
    }
    job.state = state;
    job.error = error;
    job.worker = undefined;
    job.controller = undefined;
    job.finishedAt = this.context.system.clock.now();
    switch (state) {
      case "completed":
        this.#totals.completed++;
        break;
      case "failed":
        this.#totals.failed++;
        break;
      case "cancelled":
        this.#totals.cancelled++;
        break;
      case "timed-out":
        this.#totals.timedOut++;
        break;
      default:
        state satisfies never;
    }
    const outcome = this.#outcome(job);
    if (outcome !== undefined) job.waiter?.resolve(outcome);
    job.waiter = undefined;
    this.#finished.set(job.id, job);
    for (const oldest of this.#finished.keys()) {
      if (this.#finished.size <= this.#options.retention) break;
      this.#finished.delete(oldest);
      this.#jobs.delete(oldest);
    }
  }

  #outcome(job: Job<J, R>): Settled<R> | undefined {
    switch (job.state) {
      case "pending":
      case "running":
        return undefined;
      case "completed":
        return { ok: true, value: job.value as R };
      case "failed":
      case "cancelled":
      case "timed-out":
        return { ok: false, error: job.error ?? new Error(`job ${job.id} ${job.state}`) };
      default:
        return job.state satisfies never;
    }
  }

  #unknown(id: string): UnknownJobError {
    return new UnknownJobError(id, this.context.path, this.#options.retention);
  }

  // ------------------------------------------------------------- the pending list

  /**
   * Keeps `#pending` sorted with the next job to start at the end, so taking it is a pop.
   * Insertion is a binary search and a splice: O(capacity) moves at worst, which for a
   * bounded queue (1000 by default) costs less than a heap's bookkeeping would save.
   */
  #push(job: Job<J, R>): void {
    const pending = this.#pending;
    let lo = 0;
    let hi = pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = pending[mid];
      if (other !== undefined && before(job, other)) lo = mid + 1;
      else hi = mid;
    }
    pending.splice(lo, 0, job);
  }

  #remove(job: Job<J, R>): void {
    const i = this.#pending.indexOf(job);
    if (i >= 0) this.#pending.splice(i, 1);
  }
}
