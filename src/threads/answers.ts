/**
 * What a caller gets for each way a task can end: the runner's outcome kinds (wire.ts), and
 * the ways Piscina gives a task back without one (its thread died, its arguments could not be
 * cloned, the queue was full). One place maps them all to a value or a troupe error.
 */
import { deserialize } from "node:v8";
import {
  TaskAbortedError,
  TaskDataCloneError,
  TaskNonErrorThrownError,
  TaskNotFoundError,
  TaskQueueFullError,
  ThreadPoolClosedError,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
} from "../errors.js";
import { reviveError } from "./error-data.js";
import type { ResolvedPoolOptions } from "./pool-options.js";
import type { TaskHandle } from "./task-module.js";
import {
  BROADCAST_FAILED,
  NOT_FOUND,
  OK,
  OK_BYTES,
  RESULT_UNCLONEABLE,
  SKIPPED,
  THREW,
  THREW_VALUE,
  type ErrorData,
} from "./wire.js";

/** [ok, value or error] for an outcome the runner sent back. */
export function answerOf(handle: TaskHandle, kind: number, value: unknown): [boolean, unknown] {
  switch (kind) {
    case OK:
      return [true, value];
    case OK_BYTES:
      return [true, deserialize(value as Uint8Array)];
    case THREW:
    case BROADCAST_FAILED:
      return [false, reviveError(value as ErrorData)];
    case THREW_VALUE:
      return [
        false,
        new TaskNonErrorThrownError(
          handle.label,
          value instanceof Uint8Array ? deserialize(value) : value,
        ),
      ];
    case SKIPPED:
      return [false, new TaskAbortedError(handle.label, "queued", undefined)];
    case NOT_FOUND:
      return [false, new TaskNotFoundError(handle.url, handle.name)];
    case RESULT_UNCLONEABLE:
      return [false, new TaskDataCloneError(handle.label, "result", new Error(String(value)))];
    default:
      throw new RangeError(`unknown task outcome kind ${kind}`); // runner and pool disagree
  }
}

/** Why Piscina gave a task back without an outcome, as the pool acts on it. */
export type Loss =
  | { readonly retry: "alone" } // a batch that could not be cloned: resend each task alone
  | { readonly retry: "again" } // never started on a thread that died: resubmit
  | { readonly retry: false; readonly error: Error };

/** Classifies Piscina's rejection of a task that was `started` (or not) on its thread. */
export function lossOf(
  handle: TaskHandle,
  error: unknown,
  started: boolean,
  batched: boolean,
  closed: boolean,
  options: ResolvedPoolOptions,
): Loss {
  const label = handle.label;
  if (error instanceof Error && error.name === "DataCloneError")
    return batched
      ? { retry: "alone" }
      : { retry: false, error: new TaskDataCloneError(label, "arguments", error) };
  const message = error instanceof Error ? error.message : "";
  if (/queue is at limit|No task queue available/.test(message))
    return { retry: false, error: new TaskQueueFullError(label, options.maxQueue) };
  if (closed) return { retry: false, error: new ThreadPoolClosedError(label) };
  if (!started) return { retry: "again" }; // a crash, a forced abort or recycling, not its fault
  if ((error as { code?: unknown } | null)?.code === "ERR_WORKER_OUT_OF_MEMORY")
    return {
      retry: false,
      error: new WorkerOutOfMemoryError(label, options.resourceLimits, error),
    };
  return { retry: false, error: new WorkerCrashedError(label, error) };
}
