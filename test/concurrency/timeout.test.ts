/**
 * `timeout` in virtual time: results pass through, the limit aborts the work's signal and
 * rejects at once without waiting for the work, the caller's signal does the same with
 * OperationAbortedError, Infinity sets no timer, and every exit clears the timer and the
 * listener. Validation names the option, the contract and the value.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it, vi } from "vitest";
import {
  InvalidOptionError,
  OperationAbortedError,
  TimeoutError,
  describeValue,
} from "../../src/errors.js";
import { timeout } from "../../src/concurrency/timeout.js";
import { VirtualClock } from "../../src/testing/index.js";
import { gate } from "../support/gates.js";
import { track } from "../support/track.js";
import { rejectionOf } from "../support/thrown-by.js";

const listeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;

/** Work that never settles on its own and records the signal it was given. */
function hanging(): { fn: (signal: AbortSignal) => Promise<never>; signal: () => AbortSignal } {
  let seen: AbortSignal | undefined;
  return {
    fn: (signal) => {
      seen = signal;
      return new Promise<never>(() => {});
    },
    signal: () => seen as AbortSignal,
  };
}

describe("timeout: results", () => {
  it("resolves with the work's value and clears its timer", async () => {
    const clock = new VirtualClock();
    const work = gate();
    const result = track(timeout(async () => (await work.wait, 7), 100, { clock }));
    expect(clock.pending).toBe(1);
    work.open();
    await clock.advance(0);
    expect(result).toMatchObject({ settled: true, value: 7 });
    expect(clock.pending).toBe(0);
  });

  it("accepts work that returns a plain value", async () => {
    const clock = new VirtualClock();
    await expect(timeout(() => "now", 100, { clock })).resolves.toBe("now");
    expect(clock.pending).toBe(0);
  });

  it("rejects with the work's own error (rejection or synchronous throw) and clears the timer", async () => {
    const clock = new VirtualClock();
    const boom = new Error("boom");
    await expect(timeout(() => Promise.reject(boom), 100, { clock })).rejects.toBe(boom);
    await expect(
      timeout(
        () => {
          throw boom;
        },
        100,
        { clock },
      ),
    ).rejects.toBe(boom);
    expect(clock.pending).toBe(0);
  });

  it("does not abort the work's signal when the work settles in time", async () => {
    const clock = new VirtualClock();
    let seen: AbortSignal | undefined;
    await timeout(
      (signal) => {
        seen = signal;
        return 1;
      },
      100,
      { clock },
    );
    await clock.advance(200);
    expect(seen?.aborted).toBe(false);
  });
});

describe("timeout: expiry", () => {
  it("rejects with TimeoutError exactly at the limit, not a millisecond before", async () => {
    const clock = new VirtualClock(1000);
    const work = hanging();
    const result = track(timeout(work.fn, 250, { clock }));
    await clock.advance(249);
    expect(result.settled).toBe(false);
    await clock.advance(1);
    expect(result.error).toBeInstanceOf(TimeoutError);
    const error = result.error as TimeoutError;
    expect(error.code).toBe("ERR_TIMEOUT");
    expect(error).toMatchObject({ operation: "timeout", timeoutMs: 250, deadline: 1250 });
    expect(error.message).toContain("timeout did not finish within 250 ms (deadline 1250");
  });

  it("aborts the work's signal with the same TimeoutError and does not wait for the work", async () => {
    const clock = new VirtualClock();
    const work = hanging();
    const result = rejectionOf(timeout(work.fn, 100, { clock }));
    expect(work.signal().aborted).toBe(false);
    await clock.advance(100);
    const error = await result; // the work never settles, yet the promise has rejected
    expect(work.signal().aborted).toBe(true);
    expect(work.signal().reason).toBe(error);
    expect(clock.pending).toBe(0);
  });

  it("ignores the work's late rejection after the limit", async () => {
    const clock = new VirtualClock();
    const late = gate();
    const result = rejectionOf(timeout(() => late.wait, 100, { clock }));
    await clock.advance(100);
    late.fail(new Error("too late"));
    await clock.advance(0);
    expect(await result).toBeInstanceOf(TimeoutError);
  });

  it("sets no timer for Infinity", async () => {
    const clock = new VirtualClock();
    const work = gate();
    const result = track(timeout(() => work.wait, Infinity, { clock }));
    expect(clock.pending).toBe(0);
    await clock.advance(1e12);
    expect(result.settled).toBe(false);
    work.open();
    await clock.advance(0);
    expect(result.settled).toBe(true);
  });

  it("uses the system clock by default and clears its timer (spies on Node's timers)", async () => {
    const set = vi.spyOn(globalThis, "setTimeout");
    const clear = vi.spyOn(globalThis, "clearTimeout");
    try {
      await expect(timeout(() => "done", 60_000)).resolves.toBe("done");
      const call = set.mock.calls.findIndex((args) => args[1] === 60_000);
      expect(call).toBeGreaterThanOrEqual(0);
      expect(clear).toHaveBeenCalledWith(set.mock.results[call]?.value);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });
});

describe("timeout: the caller's signal", () => {
  it("rejects with OperationAbortedError and aborts the work with it; clears timer and listener", async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const work = hanging();
    const result = rejectionOf(timeout(work.fn, 100, { clock, signal: controller.signal }));
    expect(listeners(controller.signal)).toBe(1);
    const reason = new Error("user left");
    controller.abort(reason);
    const error = await result;
    expect(error).toBeInstanceOf(OperationAbortedError);
    expect(error).toMatchObject({
      code: "ERR_OPERATION_ABORTED",
      operation: "timeout",
      cause: reason,
    });
    expect(work.signal().reason).toBe(error);
    expect(clock.pending).toBe(0);
    expect(listeners(controller.signal)).toBe(0);
  });

  it("rejects at once without calling the work when the signal is already aborted", async () => {
    const clock = new VirtualClock();
    const fn = vi.fn(() => 1);
    const error = await rejectionOf(timeout(fn, 100, { clock, signal: AbortSignal.abort("gone") }));
    expect(error).toBeInstanceOf(OperationAbortedError);
    expect((error as OperationAbortedError).cause).toBe("gone");
    expect(fn).not.toHaveBeenCalled();
    expect(clock.pending).toBe(0);
  });

  it("removes its listener on success, on failure and on expiry", async () => {
    const clock = new VirtualClock();
    const { signal } = new AbortController();
    await timeout(() => 1, 100, { clock, signal });
    await rejectionOf(timeout(() => Promise.reject(new Error("x")), 100, { clock, signal }));
    const expired = rejectionOf(timeout(hanging().fn, 100, { clock, signal }));
    await clock.advance(100);
    await expired;
    expect(listeners(signal)).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe("timeout: validation", () => {
  async function invalid(
    promise: Promise<unknown>,
    option: string,
    expected: string,
    received: unknown,
  ) {
    const error = await rejectionOf(promise);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option, expected, received });
    expect((error as Error).message).toBe(
      `Option "${option}" must be ${expected}; received ${describeValue(received)}.`,
    );
  }
  const MS = "a number of milliseconds > 0 (or Infinity for none)";

  it("names ms, fn, the options and the bad value", async () => {
    await invalid(
      timeout(() => 1, 0),
      "ms",
      MS,
      0,
    );
    await invalid(
      timeout(() => 1, -5),
      "ms",
      MS,
      -5,
    );
    await invalid(
      timeout(() => 1, Number.NaN),
      "ms",
      MS,
      Number.NaN,
    );
    await invalid(
      timeout(() => 1, "100" as unknown as number),
      "ms",
      MS,
      "100",
    );
    await invalid(
      timeout(() => 1, undefined as unknown as number),
      "ms",
      MS,
      undefined,
    );
    await invalid(
      timeout("work" as unknown as () => number, 100),
      "fn",
      "a function (signal) => value or promise",
      "work",
    );
    await invalid(
      timeout(() => 1, 100, { signal: {} as AbortSignal }),
      "signal",
      "an AbortSignal",
      {},
    );
    await invalid(
      timeout(() => 1, 100, { clock: {} as VirtualClock }),
      "clock",
      "an object with now(), setTimer() and clearTimer()",
      {},
    );
    await invalid(
      timeout(() => 1, 100, { timeout: 5 } as never),
      "options.timeout",
      "one of the known options (signal, clock)",
      5,
    );
  });

  it("does not call the work when an argument is invalid", async () => {
    const fn = vi.fn(() => 1);
    await rejectionOf(timeout(fn, -1));
    expect(fn).not.toHaveBeenCalled();
  });
});
