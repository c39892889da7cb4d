/**
 * The messages between the pool and its task runner (the worker side), kept small: a task is
 * one object with short keys, an outcome one array. Shared by both sides so that they agree.
 */

/** A task as posted to a worker. */
export interface TaskMessage {
  /** Module URL. */
  readonly u: string;
  /** Export name. */
  readonly n: string;
  /** Arguments (for a map chunk: the items). */
  readonly a: readonly unknown[];
  /** Slot index in the shared state array, or -1 with `p` set. */
  readonly i: number;
  /** A private state array when the shared one was full. */
  readonly p: Int32Array | null;
  /** 1: call the function once per item of `a` and return the results (a map chunk). */
  readonly m: 0 | 1;
  /** 1: notify the slot when the task starts (the pool waits on it for runTimeout). */
  readonly w: 0 | 1;
}

/** Several tiny tasks in one message (one Piscina task): the runner returns Outcome[]. */
export interface BatchMessage {
  readonly b: readonly TaskMessage[];
}

/** What the worker shares with the pool at start (Piscina's `workerData`). */
export interface RunnerData {
  readonly slots: Int32Array;
  readonly board: SharedArrayBuffer;
  /** Retire after this many tasks (0: never). */
  readonly retireAfterTasks: number;
  /** Retire when the heap in use passes this many bytes (0: never). */
  readonly retireAboveHeapBytes: number;
  /** Added to the thread's nice value at start (0: unchanged). */
  readonly niceIncrement: number;
}

export const OK = 0; // value: the result (a primitive, or undefined)
export const OK_BYTES = 1; // value: the result, v8-serialized
export const THREW = 2; // value: ErrorData
export const THREW_VALUE = 3; // value: the thrown value, v8-serialized (or a description)
export const SKIPPED = 4; // cancelled before it started
export const NOT_FOUND = 5; // no such export
export const RESULT_UNCLONEABLE = 6; // value: the serializer's message
export const BROADCAST_FAILED = 7; // value: ErrorData of the failed broadcast

/** [kind, value, retire (1: the worker asks to be retired), run time in µs (-1: did not run)] */
export type Outcome = readonly [kind: number, value: unknown, retire: 0 | 1, micros: number];

/** An error as it crosses threads: enough to rebuild its class name, message and fields. */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** Own enumerable fields (`code`, …) that could be copied. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly cause: ErrorData | { readonly value: unknown } | undefined;
}
