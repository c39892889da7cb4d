/**
 * The worker side of the thread pool: Piscina runs this module in every worker and calls its
 * default export once per task. It claims the task's slot (a task cancelled while queued is
 * skipped), applies pending broadcasts, imports the task module (cached), calls the function
 * with `this.signal`, and returns an Outcome: results and errors are serialized here, so that
 * a result that cannot be cloned is reported as such instead of crashing the worker, and a
 * custom error keeps its class name and fields.
 */
import { threadId, workerData } from "node:worker_threads";
import { getHeapStatistics, serialize } from "node:v8";
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { BroadcastReader } from "./broadcast-board.js";
import { toErrorData } from "./error-data.js";
import { ABORTING, QUEUED, RUNNING } from "./task-slots.js";
import type { TaskContext } from "./task-module.js";
import {
  BROADCAST_FAILED,
  NOT_FOUND,
  OK,
  OK_BYTES,
  RESULT_UNCLONEABLE,
  SKIPPED,
  THREW,
  THREW_VALUE,
  type BatchMessage,
  type ErrorData,
  type Outcome,
  type RunnerData,
  type TaskMessage,
} from "./wire.js";

const data = (workerData as { troupe: RunnerData }).troupe;
if (data.niceIncrement > 0) lowerPriority(data.niceIncrement);

/**
 * Lowers this thread's scheduling priority, so that the event loop's thread wins the CPU
 * when both want it. Linux only: a thread's kernel id comes from /proc/thread-self, and
 * setpriority() on it changes that one thread. Elsewhere the pool runs at normal priority.
 */
function lowerPriority(increment: number): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    setPriority(tid, Math.min(19, getPriority(tid) + increment));
  } catch {
    // No /proc (macOS, Windows) or not permitted: normal priority, as documented.
  }
}
const board = new BroadcastReader(data.board);
const modules = new Map<string, Record<string, unknown> | Promise<Record<string, unknown>>>();
let tasksRun = 0;
/** A broadcast runs outside any task: its signal never aborts. */
const broadcastState = new Int32Array(new SharedArrayBuffer(8));
Atomics.store(broadcastState, 0, RUNNING);
let retiring: 0 | 1 = 0;

type Fn = (this: TaskContext, ...args: unknown[]) => unknown;

function loadModule(url: string): Record<string, unknown> | Promise<Record<string, unknown>> {
  let loaded = modules.get(url);
  if (loaded === undefined) {
    const pending = (import(url) as Promise<Record<string, unknown>>).then((namespace) => {
      modules.set(url, namespace);
      return namespace;
    });
    pending.catch(() => modules.delete(url)); // a failed import is retried by the next task
    modules.set(url, (loaded = pending));
  }
  return loaded;
}

/** The `this` of a task: its signal is made on first use, and reads the slot on every check. */
/** How many reads of `signal.aborted` share one read of the shared slot (the first reads it). */
const POLL_EVERY = 16;

class Context implements TaskContext {
  #controller: AbortController | null = null;
  #aborted = false;
  #done = false;

  constructor(
    readonly states: Int32Array,
    readonly at: number,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller === null) {
      const controller = (this.#controller = new AbortController());
      const signal = controller.signal;
      let skip = 0;
      const poll = (): boolean => {
        if (this.#aborted) return true;
        if (--skip > 0) return false;
        skip = POLL_EVERY;
        if (Atomics.load(this.states, this.at) === ABORTING) this.#abort();
        return this.#aborted;
      };
      // A synchronous loop never yields to this thread's event loop: reading `aborted` (or
      // calling throwIfAborted) checks the shared slot itself, every POLL_EVERY-th time: an
      // atomic read costs about 10 ns, too much for a check in a hot inner loop.
      Object.defineProperty(signal, "aborted", { get: poll });
      Object.defineProperty(signal, "throwIfAborted", {
        value() {
          if (poll()) throw signal.reason;
        },
      });
      if (!this.#done) this.#watch();
      // Later reads find the signal as a plain property, not through this getter.
      Object.defineProperty(this, "signal", { value: signal });
    }
    return this.#controller.signal;
  }

  /** An async task: wake when the pool requests the abort (or when the task ends). */
  #watch(): void {
    const wait = Atomics.waitAsync(this.states, this.at, RUNNING);
    const wake = (): void => {
      if (!this.#done && !this.#aborted && Atomics.load(this.states, this.at) === ABORTING)
        this.#abort();
    };
    if (wait.async) void wait.value.then(wake);
    else wake();
  }

  #abort(): void {
    this.#aborted = true;
    this.#controller?.abort(new DOMException("The task was aborted.", "AbortError"));
  }

  /** The task has ended: release the async waiter, if any. */
  finish(): void {
    this.#done = true;
    if (this.#controller !== null) Atomics.notify(this.states, this.at);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function checkRetire(): void {
  tasksRun++;
  if (retiring === 1) return;
  if (data.retireAfterTasks > 0 && tasksRun >= data.retireAfterTasks) retiring = 1;
  // Reading the heap costs about 0.3 µs: after every task, once the option is set.
  else if (
    data.retireAboveHeapBytes > 0 &&
    getHeapStatistics().used_heap_size > data.retireAboveHeapBytes
  )
    retiring = 1;
}

/** Ends a task: its outcome, with the run time in µs that the pool averages per function. */
function outcome(kind: number, value: unknown, context: Context | null, started: number): Outcome {
  context?.finish();
  const ranMs = performance.now() - started;
  checkRetire();
  return [kind, value, retiring, ranMs * 1000];
}

function succeed(result: unknown, context: Context, started: number): Outcome {
  if (result === null || (typeof result !== "object" && typeof result !== "function"))
    return outcome(OK, result, context, started);
  try {
    return outcome(OK_BYTES, serialize(result), context, started);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return outcome(RESULT_UNCLONEABLE, message, context, started);
  }
}

function fail(thrown: unknown, context: Context | null, started: number): Outcome {
  if (thrown instanceof Error) return outcome(THREW, toErrorData(thrown), context, started);
  try {
    return outcome(THREW_VALUE, serialize(thrown), context, started);
  } catch {
    return outcome(THREW_VALUE, String(thrown), context, started);
  }
}

async function applyBroadcasts(): Promise<ErrorData | string | null> {
  for (const entry of board.pending()) {
    try {
      const namespace = await loadModule(entry.url);
      const fn = namespace[entry.name];
      if (typeof fn !== "function") return `${entry.url}#${entry.name}`;
      const context = new Context(broadcastState, 0);
      try {
        await (fn as Fn).apply(context, entry.args as unknown[]);
      } finally {
        context.finish();
      }
      board.applied(entry.seq);
    } catch (error) {
      board.applied(entry.seq); // reported to this task's caller once, not on every task
      return toErrorData(error instanceof Error ? error : new Error(String(error)));
    }
  }
  return null;
}

/** The slow path: broadcasts to apply, a module to import, or a map chunk. */
async function runSlow(
  task: TaskMessage,
  states: Int32Array,
  at: number,
  startedAt: number,
): Promise<Outcome> {
  let started = startedAt;
  let notified = false;
  const context = new Context(states, at);
  try {
    const broadcastFailure = await applyBroadcasts();
    if (typeof broadcastFailure === "string")
      return outcome(NOT_FOUND, broadcastFailure, context, started);
    if (broadcastFailure !== null)
      return outcome(BROADCAST_FAILED, broadcastFailure, context, started);
    if (task.n === "") return outcome(OK, undefined, context, started); // a broadcast catch-up
    const namespace = await loadModule(task.u);
    const fn = namespace[task.n];
    if (typeof fn !== "function")
      return outcome(NOT_FOUND, `${task.u}#${task.n}`, context, started);
    started = performance.now(); // the function's own time: loading it is not its cost
    // runTimeout counts from here: importing the module (tsx can take tens of ms) and
    // applying broadcasts are not the task's run.
    notified = true;
    if (task.w === 1) Atomics.notify(states, at);
    if (task.m === 0) {
      let result = (fn as Fn).apply(context, task.a as unknown[]);
      if (isThenable(result)) result = await result;
      return succeed(result, context, started);
    }
    const results: unknown[] = new Array(task.a.length);
    for (let k = 0; k < task.a.length; k++) {
      if (Atomics.load(states, at) === ABORTING)
        throw new DOMException("The task was aborted.", "AbortError");
      let result = (fn as Fn).call(context, task.a[k]);
      if (isThenable(result)) result = await result;
      results[k] = result;
    }
    return succeed(results, context, started);
  } catch (error) {
    return fail(error, context, started);
  } finally {
    // Ended before its function ran (a missing export, a failed import or broadcast): wake
    // the pool's runTimeout watch anyway, so it does not wait for the slot's next task.
    if (!notified && task.w === 1) Atomics.notify(states, at);
  }
}

/**
 * One task. The common case (no broadcast pending, module loaded, a plain call) stays
 * synchronous: no promise unless the task function returns one.
 */
function runOne(task: TaskMessage): Outcome | Promise<Outcome> {
  const states = task.p ?? data.slots;
  const at = task.p === null ? task.i * 2 : 0;
  if (Atomics.compareExchange(states, at, QUEUED, RUNNING) !== QUEUED)
    return [SKIPPED, undefined, retiring, -1];
  Atomics.store(states, at + 1, threadId);
  const started = performance.now();
  const namespace = modules.get(task.u);
  if (task.m === 1 || board.behind() || namespace === undefined || isThenable(namespace))
    return runSlow(task, states, at, started);
  const fn = namespace[task.n];
  if (typeof fn !== "function") return runSlow(task, states, at, started);
  if (task.w === 1) Atomics.notify(states, at); // runTimeout counts from here
  const context = new Context(states, at);
  let result: unknown;
  try {
    result = (fn as Fn).apply(context, task.a as unknown[]);
  } catch (error) {
    return fail(error, context, started);
  }
  if (!isThenable(result)) return succeed(result, context, started);
  return Promise.resolve(result).then(
    (value) => succeed(value, context, started),
    (error: unknown) => fail(error, context, started),
  );
}

/** A batch of tiny tasks (see ThreadPool): run one after another, outcomes in order. */
async function runBatch(tasks: readonly TaskMessage[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const task of tasks) {
    const result = runOne(task);
    outcomes.push(isThenable(result) ? await result : result);
  }
  return outcomes;
}

export default function runTask(
  message: TaskMessage | BatchMessage,
): Outcome | Promise<Outcome | Outcome[]> {
  return "b" in message ? runBatch(message.b) : runOne(message);
}
