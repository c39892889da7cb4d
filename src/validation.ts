/**
 * Option checks shared by every public entry point. Each throws InvalidOptionError naming
 * the option, the contract and the value received, and enforces exactly what it says.
 */
import { InvalidOptionError } from "./errors.js";

export function checkObject(option: string, value: unknown): void {
  if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value)))
    throw new InvalidOptionError(option, "an options object", value);
}

/** An integer ≥ `min` (and ≤ `max`). */
export function checkInteger(option: string, value: unknown, min: number, max = Infinity): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `between ${min} and ${max}`;
    throw new InvalidOptionError(option, `an integer ${range}`, value);
  }
}

/** A duration in milliseconds: a finite number > 0, or Infinity when `allowInfinity`. */
export function checkDuration(option: string, value: unknown, allowInfinity = false): void {
  if (value === undefined) return;
  const ok =
    typeof value === "number" &&
    value > 0 &&
    (Number.isFinite(value) || (allowInfinity && value === Infinity));
  if (!ok) {
    throw new InvalidOptionError(
      option,
      `a number of milliseconds > 0${allowInfinity ? " (or Infinity for none)" : ""}`,
      value,
    );
  }
}

/** A duration in milliseconds that may be 0. */
export function checkNonNegativeDuration(option: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    throw new InvalidOptionError(option, "a finite number of milliseconds ≥ 0", value);
}

export function checkOneOf<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
): asserts value is T | undefined {
  if (value === undefined) return;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value))
    throw new InvalidOptionError(
      option,
      `one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
      value,
    );
}

export function checkFunction(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function")
    throw new InvalidOptionError(option, "a function", value);
}

export function checkSignal(option: string, value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal))
    throw new InvalidOptionError(option, "an AbortSignal", value);
}

/** Rejects keys the options type does not have (a typo would otherwise be ignored silently). */
export function checkKnownKeys(option: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      throw new InvalidOptionError(
        `${option}.${key}`,
        `one of the known options (${known.join(", ")})`,
        (value as Record<string, unknown>)[key],
      );
  }
}

/** A Clock: an object with now(), setTimer() and clearTimer() (see time/clock.ts). */
export function checkClock(option: string, value: unknown): void {
  if (value === undefined) return;
  const methods =
    typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  if (
    typeof methods["now"] !== "function" ||
    typeof methods["setTimer"] !== "function" ||
    typeof methods["clearTimer"] !== "function"
  )
    throw new InvalidOptionError(
      option,
      "an object with now(), setTimer() and clearTimer()",
      value,
    );
}
