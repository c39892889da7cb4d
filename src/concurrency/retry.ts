/**
 * Retrying failed work with backoff. A `RetryPolicy` is an immutable value — how many
 * attempts, how long to wait between them, which errors are worth another try — built once
 * by `retryPolicy(...)` and shared by every call that uses it; `retry(fn, policy)` runs the
 * work under it. The waits reuse the supervisor's `BackoffPolicy` (exponential, capped,
 * jittered) and run on an injected clock, so tests step through them in virtual time.
 *
 * Numbers: the default policy makes 3 attempts and waits `backoff({ min: 100, max: 10_000 })`
 * between them: about 100 ms after the first failure and 200 ms after the second (± 20 %
 * jitter). With `maxAttempts: 8` the waits grow 100, 200, 400, … 6400 ms, and the cap of
 * 10 s bounds every later one.
 *
 * The danger of each option:
 * - `maxAttempts` large (or `Infinity`) → a caller that waits for a dependency which never
 *   comes back; pass a `signal` (or wrap the call in `timeout`) to bound the total time.
 * - `retryIf` missing → every error is retried, bugs included (a `TypeError` fails the
 *   same way every time); retry only what is transient: timeouts, 503s, connection resets.
 * - `backoff` with jitter 0 → callers that failed together retry together and hit the
 *   recovering dependency at the same instant, again and again.
 */
import { InvalidOptionError, OperationAbortedError, RetriesExhaustedError } from "../errors.js";
import { BackoffPolicy, backoff as makeBackoff } from "../supervision/backoff.js";
import { systemClock, type Clock, type TimerHandle } from "../time/clock.js";
import {
  checkFunction,
  checkKnownKeys,
  checkObject,
  checkSignal,
  checkClock,
} from "../validation.js";

export interface RetryPolicyOptions {
  /**
   * How many attempts in all, the first included: an integer ≥ 1, or `Infinity` to retry
   * until the work succeeds, `retryIf` refuses or the signal aborts. 1 means no retry.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * The wait before each retry: after attempt n fails, `backoff.delay(n, random)` ms.
   * @default backoff({ min: 100, max: 10_000 }) — 100, 200, 400, … 10 000 ms, ± 20 %
   */
  readonly backoff?: BackoffPolicy;
  /**
   * Whether the error thrown by attempt `attempt` is worth another try. Not called for the
   * last allowed attempt. Returning false ends the retry at once with `RetriesExhaustedError`.
   * @default every error is retried
   */
  readonly retryIf?: (error: unknown, attempt: number) => boolean;
  /**
   * Called after attempt `attempt` failed with `error` and will be retried, just before the
   * wait of `delayMs`; for logging and metrics.
   */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export interface RetryOptions {
  /** Aborts the current attempt or wait: `retry` rejects with `OperationAbortedError("retry")`. */
  readonly signal?: AbortSignal;
  /** Where the waits are measured; pass a `VirtualClock` in tests. @default systemClock */
  readonly clock?: Clock;
  /** The random source for backoff jitter; must return numbers in [0, 1]. @default Math.random */
  readonly random?: () => number;
}

const POLICY_KEYS = ["maxAttempts", "backoff", "retryIf", "onRetry"] as const;
const OPTION_KEYS = ["signal", "clock", "random"] as const;
const DEFAULT_BACKOFF = makeBackoff({ min: 100, max: 10_000 });

/** An immutable retry policy: validated once, frozen, changed only through `with`. */
export class RetryPolicy {
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  readonly retryIf: ((error: unknown, attempt: number) => boolean) | undefined;
  readonly onRetry: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;

  /** @internal Use `retryPolicy(...)`. */
  constructor(options: RetryPolicyOptions = {}) {
    checkObject("retryPolicy", options);
    checkKnownKeys("retryPolicy", options, POLICY_KEYS);
    const maxAttempts: unknown = options.maxAttempts;
    if (
      maxAttempts !== undefined &&
      maxAttempts !== Infinity &&
      (typeof maxAttempts !== "number" || !Number.isInteger(maxAttempts) || maxAttempts < 1)
    )
      throw new InvalidOptionError(
        "retryPolicy.maxAttempts",
        "an integer ≥ 1 (or Infinity)",
        maxAttempts,
      );
    if (options.backoff !== undefined && !(options.backoff instanceof BackoffPolicy))
      throw new InvalidOptionError(
        "retryPolicy.backoff",
        "a BackoffPolicy made by backoff(...)",
        options.backoff,
      );
    checkFunction("retryPolicy.retryIf", options.retryIf);
    checkFunction("retryPolicy.onRetry", options.onRetry);

    this.maxAttempts = options.maxAttempts ?? 3;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.retryIf = options.retryIf;
    this.onRetry = options.onRetry;
    Object.freeze(this);
  }

  /** A copy with some options changed. */
  with(options: RetryPolicyOptions): RetryPolicy {
    checkObject("retryPolicy", options);
    return new RetryPolicy({
      maxAttempts: this.maxAttempts,
      backoff: this.backoff,
      ...(this.retryIf === undefined ? {} : { retryIf: this.retryIf }),
      ...(this.onRetry === undefined ? {} : { onRetry: this.onRetry }),
      ...options,
    });
  }
}

/**
 * A retry policy for `retry`; every option has a default, so `retryPolicy()` is 3 attempts
 * with 100 ms, then 200 ms (± 20 %) between them.
 *
 * @example
 * const transient = retryPolicy({
 *   maxAttempts: 5,
 *   backoff: backoff({ min: 200, max: 5000 }),
 *   retryIf: (error) => error instanceof TimeoutError,
 * });
 */
export function retryPolicy(options: RetryPolicyOptions = {}): RetryPolicy {
  return new RetryPolicy(options);
}

/**
 * Runs `fn` until it succeeds, as `policy` allows, and returns its result.
 *
 * When to use: for work that fails transiently (a flaky network call, a busy dependency).
 * To bound each attempt, wrap the work in `timeout`, passing the attempt's signal on:
 * `retry((n, signal) => timeout((s) => call(s), 1000, { signal }), policy)`.
 *
 * Details:
 * - Attempts are numbered from 1. `fn(attempt, signal)` gets a fresh signal per attempt.
 * - After attempt n fails (rejects or throws): if it was the last allowed attempt, or
 *   `policy.retryIf(error, n)` returns false, `retry` rejects with
 *   `RetriesExhaustedError(n, error)` — the original error is always its `cause`, whichever
 *   of the two ended it (`attempts < policy.maxAttempts` tells that `retryIf` refused).
 *   Otherwise the delay is `policy.backoff.delay(n, random)`, `policy.onRetry(error, n,
 *   delay)` is called, and attempt n + 1 starts once the delay has passed on the clock.
 * - If `retryIf` or `onRetry` throws, `retry` rejects with what it threw (a bug in the
 *   policy is not a failure of the work to be retried).
 * - When `options.signal` aborts — during an attempt or a wait — `retry` rejects at once
 *   with `OperationAbortedError("retry")` (cause: the signal's reason). During an attempt
 *   the attempt's signal is aborted with that error; during a wait the timer is cleared.
 *   A signal aborted before the call rejects without calling `fn`.
 * - Invalid arguments reject with `InvalidOptionError` before `fn` is called.
 *
 * @example
 * const policy = retryPolicy({ maxAttempts: 4, retryIf: (e) => isTransient(e) });
 * const user = await retry((attempt, signal) => fetchUser(id, { signal }), policy);
 */
export async function retry<T>(
  fn: (attempt: number, signal: AbortSignal) => PromiseLike<T> | T,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  if (typeof fn !== "function")
    throw new InvalidOptionError("fn", "a function (attempt, signal) => value or promise", fn);
  if (!(policy instanceof RetryPolicy))
    throw new InvalidOptionError("policy", "a RetryPolicy made by retryPolicy(...)", policy);
  checkObject("options", options);
  checkKnownKeys("options", options, OPTION_KEYS);
  checkSignal("signal", options.signal);
  checkClock("clock", options.clock);
  checkFunction("random", options.random);

  const signal = options.signal;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    const outcome = await runAttempt(fn, attempt, signal);
    switch (outcome.kind) {
      case "value":
        return outcome.value;
      case "aborted":
        throw outcome.error;
      case "error":
        break;
      default:
        outcome satisfies never;
    }
    const error = outcome.error;
    if (
      attempt >= policy.maxAttempts ||
      (policy.retryIf !== undefined && !policy.retryIf(error, attempt))
    )
      throw new RetriesExhaustedError(attempt, error);
    const delayMs = policy.backoff.delay(attempt, random);
    policy.onRetry?.(error, attempt, delayMs);
    const aborted = await pause(delayMs, clock, signal);
    if (aborted !== undefined) throw aborted;
  }
}

type AttemptOutcome<T> =
  | { readonly kind: "value"; readonly value: T }
  | { readonly kind: "error"; readonly error: unknown }
  | { readonly kind: "aborted"; readonly error: OperationAbortedError };

/** One attempt, raced against the caller's signal; never rejects. */
function runAttempt<T>(
  fn: (attempt: number, signal: AbortSignal) => PromiseLike<T> | T,
  attempt: number,
  outer: AbortSignal | undefined,
): Promise<AttemptOutcome<T>> {
  if (outer?.aborted === true)
    return Promise.resolve({
      kind: "aborted",
      error: new OperationAbortedError("retry", outer.reason),
    });
  return new Promise((resolve) => {
    const controller = new AbortController();
    let settled = false;
    const onAbort = (): void => {
      const error = new OperationAbortedError("retry", (outer as AbortSignal).reason);
      if (!finish()) return;
      controller.abort(error);
      resolve({ kind: "aborted", error });
    };
    function finish(): boolean {
      if (settled) return false;
      settled = true;
      outer?.removeEventListener("abort", onAbort);
      return true;
    }
    outer?.addEventListener("abort", onAbort, { once: true });
    let result: PromiseLike<T> | T;
    try {
      result = fn(attempt, controller.signal);
    } catch (error) {
      if (finish()) resolve({ kind: "error", error });
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        if (finish()) resolve({ kind: "value", value });
      },
      (error: unknown) => {
        if (finish()) resolve({ kind: "error", error });
      },
    );
  });
}

/** Waits `delayMs` on the clock; resolves with the abort error if `outer` aborts first. */
function pause(
  delayMs: number,
  clock: Clock,
  outer: AbortSignal | undefined,
): Promise<OperationAbortedError | undefined> {
  if (outer?.aborted === true)
    return Promise.resolve(new OperationAbortedError("retry", outer.reason));
  return new Promise((resolve) => {
    let timer: TimerHandle | undefined;
    const onAbort = (): void => {
      if (timer !== undefined) clock.clearTimer(timer);
      resolve(new OperationAbortedError("retry", (outer as AbortSignal).reason));
    };
    outer?.addEventListener("abort", onAbort, { once: true });
    timer = clock.setTimer(() => {
      timer = undefined;
      outer?.removeEventListener("abort", onAbort);
      resolve(undefined);
    }, delayMs);
  });
}
