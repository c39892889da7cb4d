/**
 * A time limit around one piece of work, Python's `asyncio.wait_for` done the way a
 * cancellation-aware runtime wants it: the work receives an AbortSignal, and when the limit
 * passes (or the caller's own signal aborts) that signal is aborted and the returned promise
 * rejects at once — it never waits for work that ignores its signal. The limit runs on an
 * injected clock (`systemClock` by default), so tests drive it in virtual time.
 *
 * Every exit — the work fulfils, the work rejects or throws, the limit passes, the caller
 * aborts — clears the timer and removes the listener on the caller's signal, in one place.
 * What the work does after it was aborted is its own business: its late result or rejection
 * is ignored (and handled, so it can never surface as an unhandled rejection).
 */
import { InvalidOptionError, OperationAbortedError, TimeoutError } from "../errors.js";
import { systemClock, type Clock, type TimerHandle } from "../time/clock.js";
import {
  checkDuration,
  checkKnownKeys,
  checkObject,
  checkSignal,
  checkClock,
} from "../validation.js";

export interface TimeoutOptions {
  /** Aborts the wait and the work: the promise rejects with `OperationAbortedError("timeout")`. */
  readonly signal?: AbortSignal;
  /** Where the limit is measured; pass a `VirtualClock` in tests. @default systemClock */
  readonly clock?: Clock;
}

const OPTION_KEYS = ["signal", "clock"] as const;

/**
 * Runs `fn` with a time limit of `ms` milliseconds and returns what it returns.
 *
 * When to use: around any call that could hang — a request, a query, an ask to another
 * system — so that a caller never waits forever. Thread the signal it hands you into the
 * work (`fetch(url, { signal })`), so the work really stops instead of just being ignored.
 *
 * Details:
 * - `ms` is a number of milliseconds > 0, or `Infinity` for no limit (no timer is set).
 * - The limit starts when `timeout` is called; `fn` is called synchronously, once.
 * - When the limit passes, the work's signal is aborted with a `TimeoutError` and the
 *   promise rejects with that same error (`operation` "timeout", `timeoutMs`, and the
 *   clock time `deadline` at which it expired).
 * - When `options.signal` aborts, the work's signal is aborted with an
 *   `OperationAbortedError("timeout")` whose `cause` is the signal's reason, and the promise
 *   rejects with it. A signal aborted before the call rejects without calling `fn`.
 * - If `fn` throws synchronously, the promise rejects with what it threw.
 * - Invalid arguments reject with `InvalidOptionError` before `fn` is called.
 *
 * @example
 * const body = await timeout((signal) => fetch(url, { signal }).then((r) => r.text()), 5000);
 */
export async function timeout<T>(
  fn: (signal: AbortSignal) => PromiseLike<T> | T,
  ms: number,
  options: TimeoutOptions = {},
): Promise<T> {
  if (typeof fn !== "function")
    throw new InvalidOptionError("fn", "a function (signal) => value or promise", fn);
  if (ms === undefined)
    throw new InvalidOptionError("ms", "a number of milliseconds > 0 (or Infinity for none)", ms);
  checkDuration("ms", ms, true);
  checkObject("options", options);
  checkKnownKeys("options", options, OPTION_KEYS);
  checkSignal("signal", options.signal);
  checkClock("clock", options.clock);

  const clock = options.clock ?? systemClock;
  const outer = options.signal;
  if (outer?.aborted === true) throw new OperationAbortedError("timeout", outer.reason);

  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    let settled = false;
    let timer: TimerHandle | undefined;
    const onAbort = (): void =>
      fail(new OperationAbortedError("timeout", (outer as AbortSignal).reason), true);

    /** The one exit: clears the timer and the listener, then settles. */
    function finish(): boolean {
      if (settled) return false;
      settled = true;
      if (timer !== undefined) clock.clearTimer(timer);
      outer?.removeEventListener("abort", onAbort);
      return true;
    }
    function fail(error: unknown, abortWork: boolean): void {
      if (!finish()) return;
      if (abortWork) controller.abort(error);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on the work's own reason, whatever it is
      reject(error);
    }

    outer?.addEventListener("abort", onAbort, { once: true });
    if (ms !== Infinity) {
      const deadline = clock.now() + ms;
      timer = clock.setTimer(() => {
        timer = undefined; // fired: nothing left to clear
        fail(new TimeoutError("timeout", ms, deadline), true);
      }, ms);
    }
    let result: PromiseLike<T> | T;
    try {
      result = fn(controller.signal);
    } catch (error) {
      fail(error, false);
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => fail(error, false),
    );
  });
}
