/**
 * Errors across threads. Structured clone keeps only the built-in error classes and drops
 * custom fields, so a worker sends ErrorData (class name, message, stack, own fields, cause)
 * and the pool rebuilds it: a built-in class comes back as that class; any other class comes
 * back as an Error whose `name` is the original class name, with its fields (`code`, …).
 */
import { describeValue } from "../errors.js";
import type { ErrorData } from "./wire.js";

const BUILT_IN: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Worker side: an Error as data (depth-limited through `cause`). */
export function toErrorData(error: Error, depth = 0): ErrorData {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === "cause") continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (cloneable(value)) fields[key] = value;
  }
  const cause: unknown = error.cause;
  return {
    name:
      error.constructor?.name && error.constructor.name !== "Error"
        ? error.constructor.name
        : error.name,
    message: error.message,
    stack: error.stack,
    fields,
    cause:
      cause === undefined || depth >= 4
        ? undefined
        : cause instanceof Error
          ? toErrorData(cause, depth + 1)
          : { value: cloneable(cause) ? cause : describeValue(cause) },
  };
}

/** Pool side: the Error that `data` describes. */
export function reviveError(data: ErrorData): Error {
  const Class = BUILT_IN[data.name] ?? Error;
  const cause =
    data.cause === undefined
      ? undefined
      : "message" in data.cause
        ? reviveError(data.cause)
        : data.cause.value;
  const error = cause === undefined ? new Class(data.message) : new Class(data.message, { cause });
  if (!(data.name in BUILT_IN)) error.name = data.name;
  Object.assign(error, data.fields);
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
