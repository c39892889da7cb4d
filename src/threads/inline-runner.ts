/**
 * The inline pool (`threads: { inline: true }`), for tests: tasks run on the event loop, in
 * submission order, with no thread at all, so a test of an actor that offloads is fast and
 * deterministic, and `runTimeout` follows the system's clock (a VirtualClock in tests).
 * Everything else behaves as on threads: arguments and results are copied (structured
 * clone), `this.signal` aborts, and each failure has the same error class. What cannot
 * happen without threads does not: no crash, no out-of-memory, no queue.
 */
import {
  TaskAbortedError,
  TaskDataCloneError,
  TaskNonErrorThrownError,
  TaskNotFoundError,
  TaskRunTimeoutError,
  ThreadPoolClosedError,
} from "../errors.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import type { RunOptions } from "./run-options.js";
import type { TaskContext, TaskHandle } from "./task-module.js";

type Fn = (this: TaskContext, ...args: unknown[]) => unknown;

export class InlineRunner {
  readonly #clock: Clock;
  readonly #modules = new Map<string, Promise<Record<string, unknown>>>();
  #inFlight = 0;
  #completed = 0;
  #closed = false;
  #idle: Array<() => void> = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get completed(): number {
    return this.#completed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  drained(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Runs `task` once with `args` (a broadcast: there is one "thread", this one). */
  async broadcast(task: TaskHandle, args: readonly unknown[]): Promise<void> {
    await this.submit(task, args, undefined, false);
  }

  submit(
    task: TaskHandle,
    args: readonly unknown[],
    options: RunOptions | undefined,
    map: boolean,
  ): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ThreadPoolClosedError(task.label));
    const signal = options?.signal;
    if (signal?.aborted === true)
      return Promise.reject(new TaskAbortedError(task.label, "queued", signal.reason));
    let copied: unknown[];
    try {
      copied = structuredClone([...args], { transfer: [...(options?.transfer ?? [])] });
    } catch (error) {
      return Promise.reject(new TaskDataCloneError(task.label, "arguments", error));
    }
    this.#inFlight++;
    return new Promise<unknown>((resolve, reject) => {
      const controller = new AbortController();
      let started = false;
      let settled = false;
      let timer: TimerHandle | null = null;
      const settle = (ok: boolean, value: unknown): void => {
        if (settled) return;
        settled = true;
        if (timer !== null) this.#clock.clearTimer(timer);
        signal?.removeEventListener("abort", onAbort);
        if (ok) resolve(value);
        else reject(value instanceof Error ? value : new Error(String(value)));
      };
      const onAbort = (): void => {
        settle(
          false,
          new TaskAbortedError(task.label, started ? "running" : "queued", signal?.reason),
        );
        controller.abort(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const runTimeout = options?.runTimeout ?? Infinity;
      let finished = false;
      const done = (): void => {
        if (finished) return;
        finished = true;
        this.#inFlight--;
        this.#completed++;
        if (this.#inFlight === 0) for (const wake of this.#idle.splice(0)) wake();
      };
      this.#load(task.url)
        .then(async (namespace) => {
          if (settled) return;
          const fn = namespace[task.name];
          if (typeof fn !== "function") {
            settle(false, new TaskNotFoundError(task.url, task.name));
            return;
          }
          started = true;
          if (runTimeout !== Infinity)
            timer = this.#clock.setTimer(() => {
              settle(false, new TaskRunTimeoutError(task.label, runTimeout));
              controller.abort(new Error("runTimeout"));
            }, runTimeout);
          const context: TaskContext = { signal: controller.signal };
          let result: unknown;
          if (map) {
            const results: unknown[] = [];
            for (const item of copied) {
              if (controller.signal.aborted) return;
              results.push(await (fn as Fn).call(context, item));
            }
            result = results;
          } else result = await (fn as Fn).apply(context, copied);
          done(); // counted out before the caller hears of it, as on threads
          try {
            settle(true, structuredClone(result));
          } catch (error) {
            settle(false, new TaskDataCloneError(task.label, "result", error));
          }
        })
        .catch((thrown: unknown) => {
          done();
          settle(
            false,
            thrown instanceof Error ? thrown : new TaskNonErrorThrownError(task.label, thrown),
          );
        })
        .finally(done);
    });
  }

  #load(url: string): Promise<Record<string, unknown>> {
    let loaded = this.#modules.get(url);
    if (loaded === undefined) {
      loaded = import(url) as Promise<Record<string, unknown>>;
      loaded.catch(() => this.#modules.delete(url));
      this.#modules.set(url, loaded);
    }
    return loaded;
  }
}
