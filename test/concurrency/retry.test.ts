/**
 * `retry` and `retryPolicy` in virtual time: attempts numbered from 1, waits of exactly
 * `backoff.delay(attempt, random)` on the clock (nothing happens a millisecond early),
 * RetriesExhaustedError on exhaustion and on a refusing retryIf, the calls of retryIf and
 * onRetry, abort during an attempt and during a wait (timer cleared, listener removed), and
 * validation and immutability of the policy.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it, vi } from "vitest";
import {
  InvalidOptionError,
  OperationAbortedError,
  RetriesExhaustedError,
  describeValue,
} from "../../src/errors.js";
import { RetryPolicy, retry, retryPolicy } from "../../src/concurrency/retry.js";
import { backoff } from "../../src/supervision/backoff.js";
import { VirtualClock } from "../../src/testing/index.js";
import { thrownBy, rejectionOf } from "../support/thrown-by.js";
import { track } from "../support/track.js";

const listeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;
const exact = backoff({ min: 100, max: 1000, jitter: 0 });

/** Work that fails `failures` times (recording when each attempt started), then returns "ok". */
function flaky(clock: VirtualClock, failures: number) {
  const starts: number[] = [];
  const errors: Error[] = [];
  const fn = vi.fn((attempt: number) => {
    starts.push(clock.now());
    if (attempt <= failures) {
      const error = new Error(`failure ${attempt}`);
      errors.push(error);
      throw error;
    }
    return Promise.resolve("ok");
  });
  return { fn, starts, errors };
}

describe("retry: attempts and delays", () => {
  it("returns the first success without waiting or setting a timer", async () => {
    const clock = new VirtualClock();
    const { fn } = flaky(clock, 0);
    await expect(retry(fn, retryPolicy({ backoff: exact }), { clock })).resolves.toBe("ok");
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn.mock.calls[0]?.[0]).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it("waits exactly backoff.delay(n) after attempt n: 100, 200, 400 ms", async () => {
    const clock = new VirtualClock();
    const { fn, starts } = flaky(clock, 3);
    const result = track(retry(fn, retryPolicy({ maxAttempts: 4, backoff: exact }), { clock }));
    await clock.advance(99);
    expect(starts).toEqual([0]); // not retried a millisecond early
    await clock.advance(1);
    expect(starts).toEqual([0, 100]);
    await clock.advance(199);
    expect(starts).toEqual([0, 100]);
    await clock.advance(1);
    expect(starts).toEqual([0, 100, 300]);
    await clock.advance(400);
    expect(starts).toEqual([0, 100, 300, 700]);
    expect(fn.mock.calls.map((call) => call[0])).toEqual([1, 2, 3, 4]);
    expect(result).toMatchObject({ settled: true, value: "ok" });
    expect(clock.pending).toBe(0);
  });

  it("passes the random source to the backoff: jitter 0.5, random 1 → 150 ms", async () => {
    const clock = new VirtualClock();
    const { fn, starts } = flaky(clock, 1);
    const policy = retryPolicy({ backoff: backoff({ min: 100, max: 1000, jitter: 0.5 }) });
    const result = track(retry(fn, policy, { clock, random: () => 1 }));
    await clock.advance(149);
    expect(starts).toEqual([0]);
    await clock.advance(1);
    expect(starts).toEqual([0, 150]);
    expect(result.value).toBe("ok");
  });

  it("rejects with RetriesExhaustedError(maxAttempts, last error) when every attempt fails", async () => {
    const clock = new VirtualClock();
    const { fn, errors } = flaky(clock, Infinity);
    const result = rejectionOf(
      retry(fn, retryPolicy({ maxAttempts: 3, backoff: exact }), { clock }),
    );
    await clock.advance(300);
    const error = await result;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ code: "ERR_RETRIES_EXHAUSTED", attempts: 3, cause: errors[2] });
    expect((error as Error).message).toContain("Gave up after 3 attempt(s)");
    expect(fn).toHaveBeenCalledTimes(3);
    expect(clock.pending).toBe(0);
  });

  it("treats maxAttempts 1 as no retry", async () => {
    const clock = new VirtualClock();
    const { fn } = flaky(clock, 1);
    const error = await rejectionOf(retry(fn, retryPolicy({ maxAttempts: 1 }), { clock }));
    expect(error).toMatchObject({ attempts: 1 });
    expect(clock.pending).toBe(0);
  });

  it("keeps going with maxAttempts Infinity until the work succeeds (delays capped at max)", async () => {
    const clock = new VirtualClock();
    const { fn } = flaky(clock, 20);
    const result = track(
      retry(fn, retryPolicy({ maxAttempts: Infinity, backoff: exact }), { clock }),
    );
    await clock.advance(0); // lets the first attempt fail and its wait begin
    await clock.runAll();
    expect(result.value).toBe("ok");
    expect(fn).toHaveBeenCalledTimes(21);
    // 100 + 200 + 400 + 800 and then 16 waits at the 1000 ms cap
    expect(clock.now()).toBe(1500 + 16 * 1000);
  });

  it("defaults to 3 attempts and backoff({ min: 100, max: 10_000 })", async () => {
    const policy = retryPolicy();
    expect(policy.maxAttempts).toBe(3);
    expect(policy.backoff).toMatchObject({ minMs: 100, maxMs: 10_000, factor: 2, jitter: 0.2 });
    const clock = new VirtualClock();
    const { fn, starts } = flaky(clock, 2);
    const result = track(retry(fn, policy, { clock, random: () => 0.5 }));
    await clock.advance(300);
    expect(starts).toEqual([0, 100, 300]);
    expect(result.value).toBe("ok");
  });
});

describe("retry: retryIf and onRetry", () => {
  it("calls retryIf(error, attempt) for every failure but the last allowed one", async () => {
    const clock = new VirtualClock();
    const { fn, errors } = flaky(clock, Infinity);
    const retryIf = vi.fn(() => true);
    const result = rejectionOf(
      retry(fn, retryPolicy({ maxAttempts: 3, backoff: exact, retryIf }), { clock }),
    );
    await clock.advance(1000);
    await result;
    expect(retryIf.mock.calls).toEqual([
      [errors[0], 1],
      [errors[1], 2],
    ]);
  });

  it("stops at once with RetriesExhaustedError(attempts so far, the error) when retryIf refuses", async () => {
    const clock = new VirtualClock();
    const { fn, errors } = flaky(clock, Infinity);
    const onRetry = vi.fn();
    const policy = retryPolicy({
      maxAttempts: 5,
      backoff: exact,
      retryIf: (_error, attempt) => attempt < 2,
      onRetry,
    });
    const result = rejectionOf(retry(fn, policy, { clock }));
    await clock.advance(100);
    const error = await result;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ attempts: 2, cause: errors[1] });
    expect(fn).toHaveBeenCalledTimes(2);
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });

  it("calls onRetry(error, attempt, delayMs) before each wait, with the delay it will wait", async () => {
    const clock = new VirtualClock();
    const { fn, errors, starts } = flaky(clock, 2);
    const seen: { args: unknown[]; at: number; timers: number }[] = [];
    const policy = retryPolicy({
      backoff: exact,
      onRetry: (...args) => seen.push({ args, at: clock.now(), timers: clock.pending }),
    });
    const result = track(retry(fn, policy, { clock }));
    await clock.advance(300);
    expect(result.value).toBe("ok");
    expect(seen).toEqual([
      { args: [errors[0], 1, 100], at: 0, timers: 0 },
      { args: [errors[1], 2, 200], at: 100, timers: 0 },
    ]);
    expect(starts).toEqual([0, 100, 300]);
  });

  it("rejects with what retryIf or onRetry throws, without retrying", async () => {
    const clock = new VirtualClock();
    const bug = new TypeError("bug in policy");
    for (const policy of [
      retryPolicy({
        retryIf: () => {
          throw bug;
        },
      }),
      retryPolicy({
        onRetry: () => {
          throw bug;
        },
      }),
    ]) {
      const { fn } = flaky(clock, Infinity);
      await expect(retry(fn, policy, { clock })).rejects.toBe(bug);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(clock.pending).toBe(0);
    }
  });

  it("counts a rejected promise like a synchronous throw", async () => {
    const clock = new VirtualClock();
    const error = new Error("async failure");
    const fn = vi.fn(() => Promise.reject(error));
    const result = rejectionOf(
      retry(fn, retryPolicy({ maxAttempts: 2, backoff: exact }), { clock }),
    );
    await clock.advance(100);
    expect(await result).toMatchObject({ attempts: 2, cause: error });
  });
});

describe("retry: abort", () => {
  it("during an attempt: rejects at once, aborts the attempt's signal, removes the listener", async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const result = rejectionOf(
      retry(
        (_attempt, signal) => {
          signals.push(signal);
          return new Promise<never>(() => {}); // ignores its signal
        },
        retryPolicy(),
        { clock, signal: controller.signal },
      ),
    );
    expect(listeners(controller.signal)).toBe(1);
    const reason = new Error("shutting down");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(OperationAbortedError);
    expect(error).toMatchObject({
      code: "ERR_OPERATION_ABORTED",
      operation: "retry",
      cause: reason,
    });
    expect(signals).toHaveLength(1);
    expect(signals[0]?.reason).toBe(error);
    expect(listeners(controller.signal)).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("during a wait: rejects at once, clears the timer, never starts the next attempt", async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const { fn } = flaky(clock, Infinity);
    const result = rejectionOf(
      retry(fn, retryPolicy({ backoff: exact }), { clock, signal: controller.signal }),
    );
    await clock.advance(50);
    expect(clock.pending).toBe(1);
    controller.abort("stop");
    const error = await result;
    expect(error).toMatchObject({ operation: "retry", cause: "stop" });
    expect(clock.pending).toBe(0);
    expect(listeners(controller.signal)).toBe(0);
    await clock.advance(1000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("gives each attempt a fresh signal, not aborted when the attempt failed", async () => {
    const clock = new VirtualClock();
    const signals: AbortSignal[] = [];
    const result = track(
      retry(
        (attempt, signal) => {
          signals.push(signal);
          if (attempt === 1) throw new Error("once");
          return attempt;
        },
        retryPolicy({ backoff: exact }),
        { clock },
      ),
    );
    await clock.advance(100);
    expect(result.value).toBe(2);
    expect(signals).toHaveLength(2);
    expect(signals[0]).not.toBe(signals[1]);
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
  });

  it("rejects without calling fn when the signal is already aborted", async () => {
    const fn = vi.fn(() => 1);
    const error = await rejectionOf(retry(fn, retryPolicy(), { signal: AbortSignal.abort("no") }));
    expect(error).toMatchObject({ operation: "retry", cause: "no" });
    expect(fn).not.toHaveBeenCalled();
  });

  it("leaves no listener behind after a success or an exhaustion", async () => {
    const clock = new VirtualClock();
    const { signal } = new AbortController();
    await retry(flaky(clock, 0).fn, retryPolicy(), { clock, signal });
    const failed = rejectionOf(
      retry(flaky(clock, 9).fn, retryPolicy({ maxAttempts: 2, backoff: exact }), { clock, signal }),
    );
    await clock.advance(100);
    await failed;
    expect(listeners(signal)).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe("retryPolicy: an immutable, validated value", () => {
  function invalid(fn: () => unknown, option: string, expected: string, received: unknown): void {
    const error = thrownBy(fn, InvalidOptionError);
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option, expected, received });
    expect(error.message).toBe(
      `Option "${option}" must be ${expected}; received ${describeValue(received)}.`,
    );
  }

  it("rejects a bad maxAttempts, backoff, retryIf, onRetry or unknown key, naming it", () => {
    const ATTEMPTS = "an integer ≥ 1 (or Infinity)";
    invalid(() => retryPolicy({ maxAttempts: 0 }), "retryPolicy.maxAttempts", ATTEMPTS, 0);
    invalid(() => retryPolicy({ maxAttempts: 2.5 }), "retryPolicy.maxAttempts", ATTEMPTS, 2.5);
    invalid(
      () => retryPolicy({ maxAttempts: -Infinity }),
      "retryPolicy.maxAttempts",
      ATTEMPTS,
      -Infinity,
    );
    invalid(
      () => retryPolicy({ maxAttempts: Number.NaN }),
      "retryPolicy.maxAttempts",
      ATTEMPTS,
      Number.NaN,
    );
    const plain = { min: 1, max: 2 };
    invalid(
      () => retryPolicy({ backoff: plain as never }),
      "retryPolicy.backoff",
      "a BackoffPolicy made by backoff(...)",
      plain,
    );
    invalid(
      () => retryPolicy({ retryIf: true as never }),
      "retryPolicy.retryIf",
      "a function",
      true,
    );
    invalid(
      () => retryPolicy({ onRetry: "log" as never }),
      "retryPolicy.onRetry",
      "a function",
      "log",
    );
    invalid(
      () => retryPolicy({ attempts: 3 } as never),
      "retryPolicy.attempts",
      "one of the known options (maxAttempts, backoff, retryIf, onRetry)",
      3,
    );
    invalid(() => retryPolicy(null as never), "retryPolicy", "an options object", null);
  });

  it("is frozen, and `with` returns a changed copy", () => {
    const retryIf = (): boolean => true;
    const base = retryPolicy({ maxAttempts: 5, retryIf });
    expect(Object.isFrozen(base)).toBe(true);
    expect(base).toBeInstanceOf(RetryPolicy);
    const changed = base.with({ maxAttempts: 2 });
    expect(changed).toMatchObject({ maxAttempts: 2, retryIf, backoff: base.backoff });
    expect(base.maxAttempts).toBe(5);
    expect(() => base.with({ maxAttempts: 0 })).toThrow(InvalidOptionError);
  });

  it("retry rejects a bad fn, policy, option or random result before calling anything", async () => {
    const fn = vi.fn(() => 1);
    const reject = async (promise: Promise<unknown>, option: string) => {
      const error = await rejectionOf(promise);
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe(option);
    };
    await reject(retry("x" as never, retryPolicy()), "fn");
    await reject(retry(fn, { maxAttempts: 3 } as never), "policy");
    await reject(retry(fn, retryPolicy(), { signal: "s" as never }), "signal");
    await reject(retry(fn, retryPolicy(), { clock: Date as never }), "clock");
    await reject(retry(fn, retryPolicy(), { random: 0.5 as never }), "random");
    await reject(retry(fn, retryPolicy(), { tries: 1 } as never), "options.tries");
    expect(fn).not.toHaveBeenCalled();
    // A random source out of [0, 1] is caught by the backoff when the first wait is computed.
    const clock = new VirtualClock();
    await reject(retry(flaky(clock, 1).fn, retryPolicy(), { clock, random: () => 2 }), "random()");
  });
});
