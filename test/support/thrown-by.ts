/**
 * `thrownBy(fn, Type)` for errors thrown synchronously, when a test checks more than the
 * class: it asserts that `fn` throws an instance of `Type` and returns the error, typed, so
 * the test can go on to its `code`, message and structured fields.
 *
 * ```ts
 * const error = thrownBy(() => system.spawn(Node, { name: "a/b" }), InvalidNameError);
 * expect(error.code).toBe("ERR_INVALID_NAME");
 * ```
 */
import { expect } from "vitest";

/** Runs `fn`, expecting it to throw `type`; returns the error for further checks. */
export function thrownBy<E extends Error>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected ${type.name} to be thrown, but nothing was thrown`);
}
