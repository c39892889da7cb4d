/**
 * The per-task options of `run`, `offload` and `map`, and the checks at those entries: a bad
 * option or a value that is not a task handle throws InvalidOptionError naming it.
 */
import type { TransferListItem } from "node:worker_threads";
import { InvalidOptionError } from "../errors.js";
import {
  checkDuration,
  checkInteger,
  checkKnownKeys,
  checkObject,
  checkSignal,
} from "../validation.js";
import { TaskHandle } from "./task-module.js";

/** Per-task options of `run` and `offload`. */
export interface RunOptions {
  /** Aborts the task: dropped if queued; `this.signal` in the task if running. */
  readonly signal?: AbortSignal;
  /** Objects moved (not copied) to the thread: ArrayBuffers, MessagePorts. */
  readonly transfer?: readonly TransferListItem[];
  /** Longest wait (ms) for a free thread; TaskQueueTimeoutError after. @default Infinity */
  readonly queueTimeout?: number;
  /** Longest run (ms) once started; TaskRunTimeoutError after. @default Infinity */
  readonly runTimeout?: number;
}

/** Options of `map`. */
export interface MapOptions extends Omit<RunOptions, "transfer"> {
  /** Items per task. @default enough for about 8 tasks per thread, at least 1 item each */
  readonly chunkSize?: number;
}

export const RUN_KEYS = ["signal", "transfer", "queueTimeout", "runTimeout"] as const;
export const MAP_KEYS = ["signal", "queueTimeout", "runTimeout", "chunkSize"] as const;

/** Validates `run`/`offload` options (and `map`'s, with its keys). */
export function checkRunOptions(options: unknown, keys: readonly string[] = RUN_KEYS): void {
  checkObject("options", options);
  if (options === undefined) return;
  checkKnownKeys("options", options as object, keys);
  const o = options as RunOptions & MapOptions;
  checkSignal("options.signal", o.signal);
  checkDuration("options.queueTimeout", o.queueTimeout, true);
  checkDuration("options.runTimeout", o.runTimeout, true);
  checkInteger("options.chunkSize", o.chunkSize, 1);
  if (o.transfer !== undefined && !Array.isArray(o.transfer))
    throw new InvalidOptionError(
      "options.transfer",
      "an array of transferable objects",
      o.transfer,
    );
}

export function checkHandle(task: unknown): asserts task is TaskHandle {
  if (!(task instanceof TaskHandle))
    throw new InvalidOptionError(
      "task",
      "a task handle from taskModule(url) (e.g. tasks.fib)",
      task,
    );
}
