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
import { InvalidOptionError, describeValue } from "../../src/errors.js";

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

/** What `promise` rejects with; fails the test if it fulfils. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/**
 * Runs `fn`, expecting InvalidOptionError with exactly this option, contract and received
 * value, and the message they make; returns the error.
 */
export function invalidOption(
  fn: () => unknown,
  option: string,
  expected: string,
  received: unknown,
): InvalidOptionError {
  const error = thrownBy(fn, InvalidOptionError);
  expect(error.code).toBe("ERR_INVALID_OPTION");
  expect(error.name).toBe("InvalidOptionError");
  expect(error.option).toBe(option);
  expect(error.expected).toBe(expected);
  expect(error.received).toBe(received);
  expect(error.message).toBe(
    `Option "${option}" must be ${expected}; received ${describeValue(received)}.`,
  );
  return error;
}
