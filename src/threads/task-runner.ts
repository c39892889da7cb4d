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
  type Outcome,
  type RunnerData,
  type TaskMessage,
} from "./wire.js";

const data = (workerData as { troupe: RunnerData }).troupe;
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
      const poll = (): boolean => {
        if (!this.#aborted && Atomics.load(this.states, this.at) === ABORTING) this.#abort();
        return this.#aborted;
      };
      // A synchronous loop never yields to this thread's event loop: reading `aborted` (or
      // calling throwIfAborted) checks the shared slot itself.
      Object.defineProperty(signal, "aborted", { get: poll });
      Object.defineProperty(signal, "throwIfAborted", {
        value() {
          if (poll()) throw signal.reason;
        },
      });
      if (!this.#done) this.#watch();
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

function checkRetire(ranMs: number): void {
  tasksRun++;
  if (retiring === 1) return;
  if (data.retireAfterTasks > 0 && tasksRun >= data.retireAfterTasks) retiring = 1;
  else if (data.retireAboveHeapBytes > 0 && (ranMs > 1 || tasksRun % 16 === 0))
    if (getHeapStatistics().used_heap_size > data.retireAboveHeapBytes) retiring = 1;
}

function succeed(result: unknown): Outcome {
  if (result === null || (typeof result !== "object" && typeof result !== "function"))
    return [OK, result, retiring];
  try {
    return [OK_BYTES, serialize(result), retiring];
  } catch (error) {
    return [RESULT_UNCLONEABLE, error instanceof Error ? error.message : String(error), retiring];
  }
}

function fail(thrown: unknown): Outcome {
  if (thrown instanceof Error) return [THREW, toErrorData(thrown), retiring];
  try {
    return [THREW_VALUE, serialize(thrown), retiring];
  } catch {
    return [THREW_VALUE, String(thrown), retiring];
  }
}

async function applyBroadcasts(): Promise<Outcome | null> {
  for (const entry of board.pending()) {
    try {
      const namespace = await loadModule(entry.url);
      const fn = namespace[entry.name];
      if (typeof fn !== "function") return [NOT_FOUND, `${entry.url}#${entry.name}`, retiring];
      const context = new Context(broadcastState, 0);
      try {
        await (fn as Fn).apply(context, entry.args as unknown[]);
      } finally {
        context.finish();
      }
      board.applied(entry.seq);
    } catch (error) {
      board.applied(entry.seq); // reported to this task's caller once, not on every task
      return [
        BROADCAST_FAILED,
        toErrorData(error instanceof Error ? error : new Error(String(error))),
        retiring,
      ];
    }
  }
  return null;
}

export default async function runTask(task: TaskMessage): Promise<Outcome> {
  const states = task.p ?? data.slots;
  const at = task.p === null ? task.i * 2 : 0;
  if (Atomics.compareExchange(states, at, QUEUED, RUNNING) !== QUEUED)
    return [SKIPPED, undefined, retiring];
  Atomics.store(states, at + 1, threadId);
  if (task.w === 1) Atomics.notify(states, at);
  const started = performance.now();
  const context = new Context(states, at);
  try {
    const broadcastFailure = await applyBroadcasts();
    if (broadcastFailure !== null) return broadcastFailure;
    if (task.n === "") return [OK, undefined, retiring]; // a broadcast catch-up: nothing else
    let namespace = loadModule(task.u);
    if (isThenable(namespace)) namespace = await namespace;
    const fn = namespace[task.n];
    if (typeof fn !== "function") return [NOT_FOUND, `${task.u}#${task.n}`, retiring];
    if (task.m === 0) {
      let result = (fn as Fn).apply(context, task.a as unknown[]);
      if (isThenable(result)) result = await result;
      return succeed(result);
    }
    const results: unknown[] = new Array(task.a.length);
    for (let k = 0; k < task.a.length; k++) {
      if (Atomics.load(states, at) === ABORTING)
        throw new DOMException("The task was aborted.", "AbortError");
      let result = (fn as Fn).call(context, task.a[k]);
      if (isThenable(result)) result = await result;
      results[k] = result;
    }
    return succeed(results);
  } catch (error) {
    return fail(error);
  } finally {
    context.finish();
    checkRetire(performance.now() - started);
  }
}
