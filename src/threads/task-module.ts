/**
 * Typed handles to the functions of a task module. A task module is a plain module of
 * exported functions that runs inside worker threads; the main thread never imports it, it
 * only names it by URL. `taskModule<typeof import("./tasks.js")>(url)` gives one handle per
 * exported function, and `run`/`offload`/`map` infer argument and result types from it.
 *
 * ```ts
 * // tasks.ts
 * export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 * // actor.ts
 * const tasks = taskModule<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
 * const n: number = await system.threads.run(tasks.fib, [30]);
 * ```
 *
 * A task function may read `this.signal` (declare `this: TaskContext`) to stop early when its
 * task is aborted: the signal is a real AbortSignal whose `aborted` is current even inside a
 * synchronous loop.
 */
import { InvalidOptionError } from "../errors.js";

/** What a task function sees as `this`. */
export interface TaskContext {
  /** Aborted when the task is aborted (its signal, its actor stopping, runTimeout). */
  readonly signal: AbortSignal;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function's shape
type AnyFn = (...args: any[]) => unknown;
type TaskArgs<F> = F extends (...args: infer A) => unknown ? A : never;
type TaskResult<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

declare const types: unique symbol;

/** One exported function of a task module: where it lives, and (for the compiler) its types. */
export class TaskHandle<A extends readonly unknown[] = readonly unknown[], R = unknown> {
  declare readonly [types]: { readonly args: A; readonly result: R };
  /** `module-file#export`, for messages. */
  readonly label: string;

  constructor(
    /** The module's URL (`file:` URL string). */
    readonly url: string,
    /** The exported function's name. */
    readonly name: string,
  ) {
    this.label = `${name} (${url.slice(url.lastIndexOf("/") + 1)})`;
  }

  /** @internal Average run time of this function in µs (moving average; -1: not seen yet). */
  runMicros = -1;
  /** @internal Runs observed (capped). */
  samples = 0;

  /** @internal Records one run's time, as the pool learns which functions are tiny. */
  observe(micros: number): void {
    if (micros < 0) return;
    this.runMicros = this.samples === 0 ? micros : this.runMicros * 0.8 + micros * 0.2;
    if (this.samples < 1_000) this.samples++;
  }
}

/** A task module's handles: one per exported function. */
export type TaskModule<M> = {
  readonly [K in keyof M as M[K] extends AnyFn ? K : never]: TaskHandle<
    TaskArgs<M[K]>,
    TaskResult<M[K]>
  >;
};

/** The argument list of a handle. */
export type TaskArgsOf<T> = T extends TaskHandle<infer A, unknown> ? A : never;
/** The (awaited) result of a handle. */
export type TaskResultOf<T> = T extends TaskHandle<readonly unknown[], infer R> ? R : never;

/**
 * Handles to the exported functions of the module at `url` (a `URL`, or a `file:` URL
 * string such as `new URL("./tasks.js", import.meta.url).href`). Pass the module's type:
 * `taskModule<typeof import("./tasks.js")>(url)`. Nothing is loaded here; a missing export
 * fails the task with TaskNotFoundError.
 */
export function taskModule<M>(url: URL | string): TaskModule<M> {
  const href = moduleHref(url);
  const handles = new Map<string, TaskHandle>();
  return new Proxy({} as TaskModule<M>, {
    get(_target, name) {
      if (typeof name !== "string" || name === "then") return undefined; // not a thenable
      let handle = handles.get(name);
      if (handle === undefined) handles.set(name, (handle = new TaskHandle(href, name)));
      return handle;
    },
  });
}

function moduleHref(url: URL | string): string {
  let parsed: URL;
  try {
    parsed = url instanceof URL ? url : new URL(url);
  } catch {
    throw new InvalidOptionError(
      "url",
      'a URL of a task module (new URL("./tasks.js", import.meta.url))',
      url,
    );
  }
  if (parsed.protocol !== "file:" && parsed.protocol !== "data:")
    throw new InvalidOptionError("url", "a file: (or data:) URL of a task module", url);
  return parsed.href;
}
