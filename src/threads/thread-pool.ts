/**
 * The system's thread pool: CPU-bound work leaves the event loop for a Piscina pool of worker
 * threads. The event loop owns actors; the pool owns CPU. Piscina starts, feeds and replaces
 * threads; this class adds what an actor system needs on top:
 *
 * - typed task handles (`run(tasks.fib, [30])`), `map` over many items in chunks, and a
 *   `broadcast` every thread applies (per-thread init, config reload);
 * - cancellation in two steps: a task that has not started is dropped at once; a running one
 *   sees `this.signal` aborted, and if it has not stopped after `abortGrace` its thread is
 *   terminated and replaced. Tasks that shared that thread but had not started are resubmitted,
 *   and the thread is only terminated once no other task runs on it, so an abort never fails
 *   an unrelated task;
 * - `queueTimeout` (longest wait for a thread) and `runTimeout` (longest run), each with its
 *   own error; every failure mode with its own error class (see errors.ts);
 * - recycling (after N tasks or above a heap size), lazily started, closed with the system,
 *   and a closed flag (Piscina alone would start new threads after `destroy`).
 *
 * Which phase a task is in lives in a slot of shared memory (task-slots.ts), so none of this
 * costs a message.
 */
import { setMaxListeners } from "node:events";
import { Piscina } from "piscina";
import {
  InvalidOptionError,
  TaskAbortedError,
  TaskDataCloneError,
  TaskQueueTimeoutError,
  TaskRunTimeoutError,
  ThreadPoolClosedError,
  WorkerUncaughtError,
} from "../errors.js";
import type { Clock } from "../time/clock.js";
import { BroadcastBoard } from "./broadcast-board.js";
import {
  resolvePoolOptions,
  type ResolvedPoolOptions,
  type ThreadPoolOptions,
} from "./pool-options.js";
import { TaskHandle, type TaskArgsOf, type TaskResultOf } from "./task-module.js";
import { TaskRun } from "./task-run.js";
import { answerOf, lossOf } from "./answers.js";
import {
  CANCELLED,
  QUEUED,
  TaskSlots,
  cancelQueued,
  requestAbort,
  stateOf,
  threadOf,
} from "./task-slots.js";
import {
  OK,
  OK_BYTES,
  THREW,
  type BatchMessage,
  type Outcome,
  type RunnerData,
  type TaskMessage,
} from "./wire.js";
import { workerScript } from "./worker-script.js";
import { retiringAwareBalancer, type WorkerView } from "./balancer.js";
import { Retirement } from "./retirement.js";
import { InlineRunner } from "./inline-runner.js";
import {
  MAP_KEYS,
  RUN_KEYS,
  checkHandle,
  checkRunOptions,
  type MapOptions,
  type RunOptions,
} from "./run-options.js";

export type { MapOptions, RunOptions } from "./run-options.js";

/** A snapshot of the pool, for dashboards and tests. */
export interface ThreadPoolStats {
  readonly started: boolean;
  readonly closed: boolean;
  readonly threads: number;
  /** The most threads the pool starts (its `maxThreads` option). */
  readonly maxThreads: number;
  /** Tasks waiting for a free thread. */
  readonly queued: number;
  /** Tasks posted and not yet given back (including queued ones). */
  readonly inFlight: number;
  readonly completed: number;
  /** Threads replaced (crash, forced abort, recycling). */
  readonly replaced: number;
  /** Share of thread capacity (maxThreads × time since start) spent on finished tasks, 0–1. */
  readonly utilization: number;
  /**
   * Thread time spent on finished tasks since start (ms), as the threads measured it around
   * each task function. Two readings give the utilization over the time between them:
   * Δ busyMs ÷ (Δ time × maxThreads).
   */
  readonly busyMs: number;
}

/** Anything the pool reports outside a task (a late uncaught error in a thread). */
export type ThreadErrorListener = (error: WorkerUncaughtError) => void;

/** A function whose runs average less than this (µs) is batched (see #post). */
const TINY_MICROS = 50;
/** Runs observed before a function counts as tiny. */
const MIN_SAMPLES = 8;
/** Work per batch (µs): small enough to keep threads balanced and aborts prompt. */
const BATCH_MICROS = 1_000;
const MAX_BATCH = 256;

export class ThreadPool {
  readonly #options: ResolvedPoolOptions;
  readonly #clock: Clock;
  readonly #onThreadError: ThreadErrorListener;
  readonly #slots = new TaskSlots();
  readonly #board = new BroadcastBoard();
  /** Runs posted to Piscina and not yet given back. */
  readonly #posted = new Set<TaskRun>();
  /** Threads that take no new task, until they can be terminated (recycled, stuck). */
  readonly #retirement = new Retirement(this.#posted);
  /** Threads to replace once nothing else runs on them: recycled, or hosting a doomed task. */
  readonly #workers = new Map<number, WorkerView>();
  /** Offloads waiting for room in the queue, oldest first. */
  #roomWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];
  /** Tiny runs gathered this turn (see #post). */
  #outbox: TaskRun[] = [];
  #piscina: Piscina | null = null;
  /** Set with `inline: true`: tasks run on the event loop, no Piscina (tests). */
  readonly #inline: InlineRunner | null;
  #closed = false;
  /** Thread time of the tasks that finished (µs, as each task's runner measured it). */
  #busyMicros = 0;
  /** performance.now() when the threads started. */
  #startedAt = 0;
  /** Threads already counted as replaced. */

  /** @internal The system creates the pool (`system.threads`). */
  constructor(
    options: ThreadPoolOptions | undefined,
    clock: Clock,
    onThreadError: ThreadErrorListener,
  ) {
    this.#options = resolvePoolOptions(options);
    this.#clock = clock;
    this.#inline = this.#options.inline ? new InlineRunner(clock) : null;
    this.#onThreadError = onThreadError;
  }

  /** The resolved options (defaults filled in). */
  get options(): ResolvedPoolOptions {
    return this.#options;
  }

  /**
   * Runs `task(...args)` on a thread and resolves with its result (copied back). Rejects with
   * the task's own error (its class name, message and fields), or with a troupe error for a
   * pool-level failure: ThreadPoolClosedError, TaskQueueFullError, TaskAbortedError,
   * TaskQueueTimeoutError, TaskRunTimeoutError, WorkerCrashedError, WorkerOutOfMemoryError,
   * TaskDataCloneError, TaskNotFoundError, TaskNonErrorThrownError.
   */
  run<T extends TaskHandle>(
    task: T,
    args: TaskArgsOf<T>,
    options?: RunOptions,
  ): Promise<TaskResultOf<T>> {
    checkHandle(task);
    if (!Array.isArray(args))
      throw new InvalidOptionError("args", "an array of the task's arguments", args);
    checkRunOptions(options, RUN_KEYS);
    return this.submit(task, args, options, false) as Promise<TaskResultOf<T>>;
  }

  /**
   * Calls `task(item)` for every item, in chunks (one task per chunk, so per-task messaging
   * does not eat the gain of many tiny calls), and resolves with the results in input order.
   * A failing item rejects the whole map; the other chunks are aborted.
   */
  async map<T extends TaskHandle<readonly [unknown], unknown>>(
    task: T,
    items: Iterable<TaskArgsOf<T>[0]>,
    options?: MapOptions,
  ): Promise<Array<TaskResultOf<T>>> {
    checkHandle(task);
    if (
      items === null ||
      typeof (items as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== "function"
    )
      throw new InvalidOptionError("items", "an iterable of task arguments", items);
    checkRunOptions(options, MAP_KEYS);
    const all = Array.isArray(items) ? (items as unknown[]) : [...items];
    if (all.length === 0) return [];
    const size =
      options?.chunkSize ?? Math.max(1, Math.ceil(all.length / (this.#options.maxThreads * 8)));
    const controller = new AbortController();
    setMaxListeners(Infinity, controller.signal); // one listener per chunk, all ours
    const outer = options?.signal;
    const forward = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) forward();
    else outer?.addEventListener("abort", forward, { once: true });
    const chunkOptions: RunOptions = {
      signal: controller.signal,
      ...(options?.queueTimeout === undefined ? {} : { queueTimeout: options.queueTimeout }),
      ...(options?.runTimeout === undefined ? {} : { runTimeout: options.runTimeout }),
    };
    try {
      const chunks: Array<Promise<unknown>> = [];
      for (let at = 0; at < all.length; at += size) {
        const chunk = this.submit(task, all.slice(at, at + size), chunkOptions, true);
        chunk.catch(() => controller.abort(new Error("another chunk of this map failed")));
        chunks.push(chunk);
      }
      const results = (await Promise.all(chunks)) as unknown[][];
      return results.flat() as Array<TaskResultOf<T>>;
    } finally {
      outer?.removeEventListener("abort", forward);
    }
  }

  /**
   * Runs `task(...args)` on every thread now, and on every thread started later before its
   * first task (only the latest broadcast of each task function is kept): per-thread init,
   * config reload. Resolves when every current thread has applied it; rejects with the first
   * thread's error. A thread that cannot apply it fails the task that triggered the catch-up.
   */
  async broadcast<T extends TaskHandle>(task: T, ...args: TaskArgsOf<T>): Promise<void> {
    checkHandle(task);
    if (this.#closed) throw new ThreadPoolClosedError(task.label);
    if (this.#inline !== null) return this.#inline.broadcast(task, args);
    try {
      this.#board.publish(task.url, task.name, args);
    } catch (error) {
      throw new TaskDataCloneError(task.label, "arguments", error);
    }
    if (this.#piscina === null) return; // threads not started yet apply it when they start
    const catchUp = new TaskHandle(task.url, ""); // the runner applies broadcasts, then returns
    const pending: Array<Promise<unknown>> = [];
    for (const id of this.#workers.keys())
      if (!this.#retirement.retiring.has(id))
        pending.push(this.submit(catchUp, [], undefined, false, id));
    await Promise.all(pending);
  }

  /**
   * True when every thread is busy and the queue holds `maxQueue` tasks (with the default
   * `Infinity`: as many as the threads can take at once, one more round of work).
   */
  get saturated(): boolean {
    const piscina = this.#piscina;
    if (piscina === null) return false;
    const o = this.#options;
    const capacity = o.maxThreads * o.concurrentTasksPerWorker;
    const limit = o.maxQueue === Infinity ? capacity : o.maxQueue;
    return piscina.queueSize >= limit && this.#posted.size >= capacity + limit;
  }

  /** Resolves when the pool is not saturated (FIFO among waiters); at once if it is not. */
  whenRoom(): Promise<void> {
    if (!this.saturated || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Resolves when no task is in flight. */
  drained(): Promise<void> {
    if (this.#inline !== null) return this.#inline.drained();
    if (this.#posted.size === 0 && this.#outbox.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  get stats(): ThreadPoolStats {
    const inline = this.#inline;
    if (inline !== null)
      return {
        started: true,
        closed: this.#closed,
        threads: 0,
        maxThreads: this.#options.maxThreads,
        queued: 0,
        inFlight: inline.inFlight,
        completed: inline.completed,
        replaced: 0,
        utilization: 0,
        busyMs: 0,
      };
    const piscina = this.#piscina;
    const maxThreads = this.#options.maxThreads;
    const busyMs = this.#busyMicros / 1000;
    const capacity = (performance.now() - this.#startedAt) * maxThreads;
    // Not Piscina's `utilization`: Piscina 5 divides its mean run time by 1000 once too
    // often, so it reads about a thousandth of the real share.
    const utilization = piscina === null || capacity <= 0 ? 0 : Math.min(1, busyMs / capacity);
    return {
      started: piscina !== null,
      closed: this.#closed,
      threads: piscina?.threads.length ?? 0,
      maxThreads,
      queued: piscina?.queueSize ?? 0,
      inFlight: this.#posted.size,
      completed: piscina?.completed ?? 0,
      replaced: this.#retirement.replaced,
      utilization,
      busyMs,
    };
  }

  /**
   * Stops the pool: new tasks fail with ThreadPoolClosedError; tasks in flight get `timeout`
   * ms to finish, then they are rejected and the threads terminated.
   */
  async close(timeout = 5_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#inline?.close();
    for (const wake of this.#roomWaiters.splice(0)) wake();
    const piscina = this.#piscina;
    if (piscina === null) return;
    if (this.#posted.size > 0) {
      let timer: ReturnType<Clock["setTimer"]> | null = null;
      await Promise.race([
        this.drained(),
        ...(timeout === Infinity
          ? []
          : [new Promise<void>((resolve) => (timer = this.#clock.setTimer(resolve, timeout)))]),
      ]);
      if (timer !== null) this.#clock.clearTimer(timer);
    }
    for (const run of this.#posted)
      run.answer(this.#clock, false, new ThreadPoolClosedError(run.handle.label));
    await piscina.destroy();
  }

  // ---------------------------------------------------------------- submission

  /** @internal Validated entry shared by run, map, broadcast and actor offload. */
  submit(
    task: TaskHandle,
    args: readonly unknown[],
    options: RunOptions | undefined,
    map: boolean,
    pin = 0,
  ): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ThreadPoolClosedError(task.label));
    if (this.#inline !== null) return this.#inline.submit(task, args, options, map);
    let resolve!: (value: unknown) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const run = new TaskRun(
      task,
      args,
      options?.transfer,
      map,
      options?.runTimeout ?? Infinity,
      resolve,
      reject,
    );
    const signal = options?.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        run.answer(this.#clock, false, new TaskAbortedError(task.label, "queued", signal.reason));
        return promise;
      }
      const onAbort = (): void =>
        this.#abort(run, new TaskAbortedError(task.label, this.#phase(run), signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
      run.cleanup = () => signal.removeEventListener("abort", onAbort);
    }
    const queueTimeout = options?.queueTimeout ?? Infinity;
    if (queueTimeout !== Infinity) {
      const timer = this.#clock.setTimer(() => {
        const piscina = this.#piscina;
        if (run.slot !== null && cancelQueued(run.slot))
          run.answer(
            this.#clock,
            false,
            new TaskQueueTimeoutError(task.label, queueTimeout, piscina?.queueSize ?? 0),
          );
      }, queueTimeout);
      (run.timers ??= []).push(timer);
    }
    this.#post(run, pin);
    return promise;
  }

  #phase(run: TaskRun): "queued" | "running" {
    return run.slot !== null && stateOf(run.slot) !== QUEUED ? "running" : "queued";
  }

  #start(): Piscina {
    const o = this.#options;
    const script = workerScript(import.meta.url, "task-runner", o.typescript);
    const kick = new TaskHandle(script.url.href, ""); // the runner's no-op (see #refill)
    const data: RunnerData = {
      slots: this.#slots.states,
      board: this.#board.buffer,
      retireAfterTasks: o.recycleAfterTasks === Infinity ? 0 : o.recycleAfterTasks,
      retireAboveHeapBytes: o.recycleAboveHeapBytes === Infinity ? 0 : o.recycleAboveHeapBytes,
      niceIncrement: o.niceIncrement,
    };
    const maximumUsage = o.concurrentTasksPerWorker;
    const piscina = new Piscina({
      filename: script.url.href,
      minThreads: o.minThreads,
      maxThreads: o.maxThreads,
      idleTimeout: o.idleTimeout,
      maxQueue: o.maxQueue,
      concurrentTasksPerWorker: maximumUsage,
      ...(o.resourceLimits === undefined ? {} : { resourceLimits: o.resourceLimits }),
      execArgv: script.execArgv,
      workerData: { troupe: data },
      // An idle thread keeps its event loop running (Piscina's default blocks it in
      // Atomics.wait): timers a task left behind fire, and fail, while no task is there.
      atomics: "async",
      loadBalancer: retiringAwareBalancer(maximumUsage, this.#workers, this.#retirement.retiring),
    });
    // Without a listener, a thread that fails outside a task would crash the process.
    piscina.on("error", (error: unknown) => this.#onThreadError(new WorkerUncaughtError(error)));
    piscina.on("workerCreate", (worker: WorkerView) => this.#workers.set(worker.id, worker));
    // A dead Worker's threadId reads -1: keep the ids of the threads still in the pool.
    piscina.on("workerDestroy", () => {
      const live = new Set(piscina.threads.map((thread) => thread.threadId));
      for (const id of this.#workers.keys()) if (!live.has(id)) this.#workers.delete(id);
      this.#retirement.keepOnly(live);
      queueMicrotask(() => this.#refill(piscina, kick));
    });
    return piscina;
  }

  /**
   * Posts a run. A run of a function known to be tiny (its average run is under TINY_MICROS)
   * waits in the outbox until the end of the current turn, and the runs gathered there go
   * out in batches: one message carries several tasks, so per-message costs do not dwarf
   * the work (Piscina alone manages some tens of thousands of messages per second here).
   * Longer tasks always go alone, so batching never costs parallelism where it matters.
   */
  #post(run: TaskRun, pin = 0): void {
    const handle = run.handle;
    if (
      pin === 0 &&
      !run.solo &&
      !run.map &&
      run.transfer === undefined &&
      handle.samples >= MIN_SAMPLES &&
      handle.runMicros < TINY_MICROS
    ) {
      this.#outbox.push(run);
      if (this.#outbox.length === 1) queueMicrotask(this.#flush);
      return;
    }
    const piscina = this.#ensureStarted(run);
    if (piscina === null) return;
    const message = this.#prepare(run);
    if (pin !== 0)
      (message as unknown as Record<symbol, unknown>)[Piscina.queueOptionsSymbol] = pin;
    let pending: Promise<Outcome>;
    try {
      pending = piscina.run(
        message,
        run.transfer === undefined ? {} : { transferList: run.transfer as never },
      ) as Promise<Outcome>;
    } catch (error) {
      pending = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    pending.then(
      (outcome) => this.#settle(run, outcome),
      (error: unknown) => this.#lost(run, error),
    );
  }

  /** Sends what the outbox gathered this turn: batches spread over the pool's threads. */
  readonly #flush = (): void => {
    const runs = this.#outbox.filter((run) => !run.done); // aborted while waiting: answered
    this.#outbox = [];
    if (runs.length === 0) return;
    const piscina = this.#ensureStarted(runs[0] as TaskRun);
    if (piscina === null) {
      for (const run of runs)
        run.answer(this.#clock, false, new ThreadPoolClosedError(run.handle.label));
      return;
    }
    const o = this.#options;
    // One batch per thread: a thread runs its batch's tasks one after another anyway, so more
    // (smaller) batches per thread would only add messages, even with pipelining.
    const threads = o.maxThreads;
    let slowest = 0;
    for (const run of runs) slowest = Math.max(slowest, run.handle.runMicros);
    const budget = Math.max(
      1,
      Math.min(MAX_BATCH, Math.floor(BATCH_MICROS / Math.max(slowest, 0.1))),
    );
    const size = Math.max(1, Math.min(budget, Math.ceil(runs.length / threads)));
    for (let at = 0; at < runs.length; at += size) {
      const batch = runs.slice(at, at + size);
      if (batch.length === 1) {
        (batch[0] as TaskRun).solo = true;
        this.#post(batch[0] as TaskRun);
        continue;
      }
      const messages = batch.map((run) => {
        run.batched = true;
        return this.#prepare(run);
      });
      const message: BatchMessage = { b: messages };
      let pending: Promise<Outcome[]>;
      try {
        pending = piscina.run(message) as Promise<Outcome[]>;
      } catch (error) {
        pending = Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      pending.then(
        (outcomes) => {
          for (let k = 0; k < batch.length; k++)
            this.#settle(batch[k] as TaskRun, outcomes[k] as Outcome);
        },
        (error: unknown) => {
          for (const run of batch) this.#lost(run, error);
        },
      );
    }
  };

  /**
   * Piscina replaces a dead thread only up to `minThreads`, and starts more only when a task
   * is submitted: with tasks queued and the other threads busy (a retired thread is gone,
   * its neighbour holds a long task), the queue would wait for that neighbour. A no-op
   * submitted while tasks are queued makes Piscina start a thread for them.
   */
  #refill(piscina: Piscina, kick: TaskHandle): void {
    if (this.#closed || piscina.queueSize === 0) return;
    if (piscina.threads.length >= this.#options.maxThreads) return;
    this.submit(kick, [], undefined, false).catch(() => {}); // a no-op: nothing to report
  }

  /** The pool's Piscina, started on first use; null (and the run answered) if it cannot start. */
  #ensureStarted(run: TaskRun): Piscina | null {
    if (this.#piscina !== null) return this.#piscina;
    try {
      this.#piscina = this.#start();
      this.#startedAt = performance.now();
      return this.#piscina;
    } catch (error) {
      // A thread that cannot start (bad flags, tsx missing): this task's error, not a throw.
      run.answer(this.#clock, false, error instanceof Error ? error : new Error(String(error)));
      return null;
    }
  }

  /** Gives the run a slot and its message, and counts it as posted. */
  #prepare(run: TaskRun): TaskMessage {
    const slot = (run.slot = this.#slots.acquire());
    const shared = slot.states === this.#slots.states;
    run.posted = true;
    this.#posted.add(run);
    if (run.runTimeout !== Infinity) this.#armRunTimeout(run);
    return {
      u: run.handle.url,
      n: run.handle.name,
      a: run.args,
      i: shared ? slot.index : -1,
      p: shared ? null : slot.states,
      m: run.map ? 1 : 0,
      w: run.runTimeout === Infinity ? 0 : 1,
    };
  }

  #armRunTimeout(run: TaskRun): void {
    const slot = run.slot;
    if (slot === null) return;
    const arm = (): void => {
      if (run.done || run.slot !== slot || stateOf(slot) === QUEUED) return;
      const timer = this.#clock.setTimer(
        () => this.#abort(run, new TaskRunTimeoutError(run.handle.label, run.runTimeout)),
        run.runTimeout,
      );
      (run.timers ??= []).push(timer);
    };
    const wait = Atomics.waitAsync(slot.states, slot.index * 2, QUEUED);
    if (wait.async) void wait.value.then(arm);
    else arm();
  }

  // ---------------------------------------------------------------- outcomes

  /** Piscina gave the run back with our runner's outcome. */
  #settle(run: TaskRun, outcome: Outcome): void {
    const [kind, value, retire, micros] = outcome;
    if (micros > 0) this.#busyMicros += micros;
    const thread = this.#giveBack(run);
    if ((kind === OK || kind === OK_BYTES || kind === THREW) && !run.map)
      run.handle.observe(micros);
    if (retire === 1 && thread !== 0 && this.#piscina !== null)
      this.#retirement.retire(this.#piscina, thread);
    const [ok, result] = answerOf(run.handle, kind, value);
    run.answer(this.#clock, ok, result);
    this.#afterGiveBack(thread);
  }

  /** Piscina rejected the run: it never reached a thread, or its thread died. */
  #lost(run: TaskRun, error: unknown): void {
    const state = run.slot === null ? QUEUED : stateOf(run.slot);
    const thread = this.#giveBack(run);
    const started = state !== QUEUED && state !== CANCELLED;
    if (!run.done) {
      const loss = lossOf(run.handle, error, started, run.batched, this.#closed, this.#options);
      if (loss.retry === false) run.answer(this.#clock, false, loss.error);
      else {
        // Resent: alone when its batch could not be cloned (so only the culprit fails), or
        // because its thread died before it started (a crash, a forced abort, recycling).
        if (loss.retry === "alone") run.solo = true;
        run.batched = false;
        this.#post(run);
      }
    }
    if (thread !== 0 && started) this.#retirement.died(thread);
    this.#afterGiveBack(thread);
  }

  /** Frees the run's slot; returns the thread it ran on (0 if it never started). */
  #giveBack(run: TaskRun): number {
    run.posted = false;
    this.#posted.delete(run);
    const slot = run.slot;
    if (slot === null) return 0;
    const thread = stateOf(slot) === QUEUED ? 0 : threadOf(slot);
    run.slot = null;
    this.#slots.release(slot);
    return thread;
  }

  #afterGiveBack(thread: number): void {
    if (thread !== 0 && this.#piscina !== null) this.#retirement.check(this.#piscina, thread);
    if (this.#roomWaiters.length > 0 && (!this.saturated || this.#closed)) {
      const wake = this.#roomWaiters.shift() as () => void;
      wake();
    }
    if (this.#posted.size === 0 && this.#outbox.length === 0 && this.#idleWaiters.length > 0)
      for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  // ---------------------------------------------------------------- aborts and retirement

  #abort(run: TaskRun, reason: Error): void {
    if (run.done) return;
    const slot = run.slot;
    if (slot === null || cancelQueued(slot)) {
      run.answer(this.#clock, false, reason); // never started: the runner will skip it
      return;
    }
    run.answer(this.#clock, false, reason);
    if (!requestAbort(slot)) return; // it finished meanwhile
    const grace = this.#options.abortGrace;
    if (grace === Infinity) return;
    const timer = this.#clock.setTimer(() => {
      if (!run.posted || run.slot !== slot) return; // it stopped in time
      run.doomed = true;
      if (this.#piscina !== null) this.#retirement.retire(this.#piscina, threadOf(slot));
    }, grace);
    run.timers = [timer]; // answered runs keep only this timer
  }
}
