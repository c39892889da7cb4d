/**
 * The combinators with controllable promises: gather's order and fail-fast abort of the
 * functions still running, gatherSettled's outcomes, firstCompleted's winner, aborted losers
 * and AllFailedError, asCompleted's completion order and early-break abort, wait's three
 * return modes and its timeout in virtual time, the caller's signal everywhere (listener
 * removed on every exit), and validation.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it, vi } from "vitest";
import {
  AllFailedError,
  InvalidOptionError,
  OperationAbortedError,
  describeValue,
} from "../../src/errors.js";
import {
  asCompleted,
  firstCompleted,
  gather,
  gatherSettled,
  wait,
} from "../../src/concurrency/combinators.js";
import { VirtualClock, flush } from "../../src/testing/index.js";
import { track } from "../support/track.js";
import { rejectionOf } from "../support/thrown-by.js";

const listeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;

/** Work settled by hand, recording the signal it was started with. */
interface Job<T> {
  readonly fn: (signal: AbortSignal) => Promise<T>;
  readonly started: boolean;
  readonly signal: AbortSignal;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function job<T>(): Job<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let signal: AbortSignal | undefined;
  return {
    fn: (s) => {
      signal = s;
      return promise;
    },
    get started() {
      return signal !== undefined;
    },
    get signal() {
      return signal as AbortSignal;
    },
    resolve,
    reject,
  };
}

describe("gather", () => {
  it("resolves with the values in input order, whatever the completion order", async () => {
    const a = job<number>();
    const b = job<string>();
    const result = track(gather([a.fn, b.fn, Promise.resolve(true), () => 4]));
    b.resolve("b");
    await flush();
    expect(result.settled).toBe(false);
    a.resolve(1);
    await flush();
    expect(result.value).toEqual([1, "b", true, 4]);
  });

  it("starts the functions synchronously, in input order", () => {
    const order: number[] = [];
    void gather([0, 1, 2].map((i) => () => (order.push(i), i)));
    expect(order).toEqual([0, 1, 2]);
  });

  it("rejects with the first rejection and aborts the functions still running with it", async () => {
    const a = job<number>();
    const b = job<number>();
    const c = job<number>();
    const result = rejectionOf(gather([a.fn, b.fn, c.fn]));
    a.resolve(1);
    await flush();
    const boom = new Error("b failed");
    b.reject(boom);
    expect(await result).toBe(boom);
    expect(a.signal.aborted).toBe(false); // finished before: nothing to abort
    expect(b.signal.aborted).toBe(false); // the one that failed
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toBe(boom);
    c.reject(new Error("late")); // ignored, and not an unhandled rejection
    await flush();
  });

  it("counts a synchronous throw as a rejection", async () => {
    const other = job<number>();
    const boom = new Error("sync");
    const result = gather([
      other.fn,
      () => {
        throw boom;
      },
    ]);
    await expect(result).rejects.toBe(boom);
    expect(other.signal.reason).toBe(boom);
  });

  it("resolves an empty array to []", async () => {
    await expect(gather([])).resolves.toEqual([]);
  });

  it("aborts on the caller's signal: OperationAbortedError, functions aborted, listener removed", async () => {
    const controller = new AbortController();
    const a = job<number>();
    const result = rejectionOf(gather([a.fn], { signal: controller.signal }));
    expect(listeners(controller.signal)).toBe(1);
    controller.abort("enough");
    const error = await result;
    expect(error).toBeInstanceOf(OperationAbortedError);
    expect(error).toMatchObject({ operation: "gather", cause: "enough" });
    expect(a.signal.reason).toBe(error);
    expect(listeners(controller.signal)).toBe(0);
  });

  it("removes its listener on success and on failure", async () => {
    const { signal } = new AbortController();
    await gather([Promise.resolve(1)], { signal });
    await rejectionOf(gather([Promise.reject(new Error("x"))], { signal }));
    expect(listeners(signal)).toBe(0);
  });

  it("starts nothing when the signal is already aborted", async () => {
    const fn = vi.fn(() => 1);
    const error = await rejectionOf(gather([fn], { signal: AbortSignal.abort("before") }));
    expect(error).toMatchObject({ operation: "gather", cause: "before" });
    expect(fn).not.toHaveBeenCalled();
  });
});

describe("gatherSettled", () => {
  it("resolves with every outcome in input order, aborting nothing", async () => {
    const a = job<number>();
    const b = job<number>();
    const boom = new Error("b");
    const result = track(gatherSettled([a.fn, b.fn, Promise.resolve("c")]));
    b.reject(boom);
    await flush();
    expect(result.settled).toBe(false);
    expect(a.signal.aborted).toBe(false);
    a.resolve(1);
    await flush();
    expect(result.value).toEqual([
      { ok: true, value: 1 },
      { ok: false, error: boom },
      { ok: true, value: "c" },
    ]);
  });

  it("rejects only on the caller's signal", async () => {
    const controller = new AbortController();
    const a = job<number>();
    const result = rejectionOf(gatherSettled([a.fn], { signal: controller.signal }));
    controller.abort("stop");
    expect(await result).toMatchObject({ operation: "gatherSettled", cause: "stop" });
    expect(a.signal.aborted).toBe(true);
  });
});

describe("firstCompleted", () => {
  it("resolves with { index, value } of the first to fulfil and aborts the losers", async () => {
    const jobs = [job<string>(), job<string>(), job<string>()];
    const result = track(firstCompleted(jobs.map((j) => j.fn)));
    jobs[1]?.resolve("second wins");
    await flush();
    expect(result.value).toEqual({ index: 1, value: "second wins" });
    expect(jobs.map((j) => j.signal.aborted)).toEqual([true, false, true]);
    const reason = jobs[0]?.signal.reason as DOMException;
    expect(reason).toBeInstanceOf(DOMException);
    expect(reason.name).toBe("AbortError");
    expect(reason.message).toBe("firstCompleted: item 1 fulfilled first");
  });

  it("ignores rejections while another may still fulfil", async () => {
    const a = job<number>();
    const b = job<number>();
    const result = track(firstCompleted([a.fn, b.fn]));
    a.reject(new Error("a failed"));
    await flush();
    expect(result.settled).toBe(false);
    expect(b.signal.aborted).toBe(false);
    b.resolve(2);
    await flush();
    expect(result.value).toEqual({ index: 1, value: 2 });
  });

  it("rejects with AllFailedError, errors in input order, when every one rejects", async () => {
    const a = job<number>();
    const b = job<number>();
    const result = rejectionOf(firstCompleted([a.fn, b.fn]));
    const errorB = new Error("b");
    const errorA = new Error("a");
    b.reject(errorB);
    await flush();
    a.reject(errorA);
    const error = await result;
    expect(error).toBeInstanceOf(AllFailedError);
    expect(error).toMatchObject({ code: "ERR_ALL_FAILED", errors: [errorA, errorB] });
  });

  it("aborts everything on the caller's signal and removes its listener", async () => {
    const controller = new AbortController();
    const a = job<number>();
    const b = job<number>();
    const result = rejectionOf(firstCompleted([a.fn, b.fn], { signal: controller.signal }));
    controller.abort("cancel");
    const error = await result;
    expect(error).toMatchObject({ operation: "firstCompleted", cause: "cancel" });
    expect([a.signal.reason, b.signal.reason]).toEqual([error, error]);
    expect(listeners(controller.signal)).toBe(0);
  });

  it("removes its listener when a competitor wins", async () => {
    const { signal } = new AbortController();
    await firstCompleted([() => 1], { signal });
    expect(listeners(signal)).toBe(0);
  });
});

describe("asCompleted", () => {
  it("yields { index, value } in completion order", async () => {
    const jobs = [job<string>(), job<string>(), job<string>()];
    const seen: unknown[] = [];
    const loop = (async () => {
      for await (const item of asCompleted(jobs.map((j) => j.fn))) seen.push(item);
    })();
    jobs[2]?.resolve("c");
    await flush();
    jobs[0]?.resolve("a");
    await flush();
    expect(seen).toEqual([
      { index: 2, value: "c" },
      { index: 0, value: "a" },
    ]);
    jobs[1]?.resolve("b");
    await loop;
    expect(seen).toHaveLength(3);
    expect(seen[2]).toEqual({ index: 1, value: "b" });
  });

  it("queues results that settle before anyone asks", async () => {
    const iterator = asCompleted([Promise.resolve(1), Promise.resolve(2)]);
    await flush();
    await expect(iterator.next()).resolves.toEqual({ done: false, value: { index: 0, value: 1 } });
    await expect(iterator.next()).resolves.toEqual({ done: false, value: { index: 1, value: 2 } });
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it("throws a rejection at its turn, then ends and aborts the rest with that error", async () => {
    const a = job<number>();
    const b = job<number>();
    const c = job<number>();
    const iterator = asCompleted([a.fn, b.fn, c.fn]);
    const boom = new Error("b failed");
    a.resolve(1);
    await flush();
    b.reject(boom);
    await expect(iterator.next()).resolves.toEqual({ done: false, value: { index: 0, value: 1 } });
    expect(c.signal.aborted).toBe(false); // not yet: the rejection has not had its turn
    await expect(iterator.next()).rejects.toBe(boom);
    expect(c.signal.reason).toBe(boom);
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it("aborts the functions still running when the loop is left early", async () => {
    const jobs = [job<number>(), job<number>(), job<number>()];
    const loop = (async () => {
      for await (const item of asCompleted(jobs.map((j) => j.fn))) return item;
      return undefined;
    })();
    jobs[1]?.resolve(11);
    expect(await loop).toEqual({ index: 1, value: 11 });
    expect(jobs.map((j) => j.signal.aborted)).toEqual([true, false, true]);
    const reason = jobs[0]?.signal.reason as DOMException;
    expect(reason.name).toBe("AbortError");
    expect(reason.message).toBe("asCompleted: the loop was left early");
  });

  it("rejects the pending next() on the caller's signal, aborts the rest, removes the listener", async () => {
    const controller = new AbortController();
    const a = job<number>();
    const iterator = asCompleted([a.fn], { signal: controller.signal });
    const next = rejectionOf(iterator.next());
    controller.abort("halt");
    const error = await next;
    expect(error).toMatchObject({ operation: "asCompleted", cause: "halt" });
    expect(a.signal.reason).toBe(error);
    expect(listeners(controller.signal)).toBe(0);
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it("removes its listener once every item has settled, even if nobody iterates", async () => {
    const { signal } = new AbortController();
    asCompleted([Promise.resolve(1)], { signal });
    expect(listeners(signal)).toBe(1);
    await flush();
    expect(listeners(signal)).toBe(0);
  });

  it("ends at once for no items and starts nothing on an aborted signal", async () => {
    await expect(asCompleted([]).next()).resolves.toEqual({ done: true, value: undefined });
    const fn = vi.fn(() => 1);
    const iterator = asCompleted([fn], { signal: AbortSignal.abort("no") });
    expect(fn).not.toHaveBeenCalled();
    await expect(iterator.next()).rejects.toMatchObject({ operation: "asCompleted" });
  });
});

describe("wait", () => {
  it('"all" (the default) returns once everything settled, done in completion order', async () => {
    const a = job<number>();
    const b = job<number>();
    const boom = new Error("a");
    const result = track(wait([a.fn, b.fn]));
    b.resolve(2);
    await flush();
    expect(result.settled).toBe(false);
    a.reject(boom);
    await flush();
    expect(result.value).toEqual({
      done: [
        { index: 1, ok: true, value: 2 },
        { index: 0, ok: false, error: boom },
      ],
      pending: [],
    });
  });

  it('"first" returns once any item settles; the others stay pending and unaborted', async () => {
    const a = job<number>();
    const b = job<number>();
    const result = track(wait([a.fn, b.fn], { return: "first" }));
    b.reject(new Error("b"));
    await flush();
    const { done, pending } = result.value ?? { done: [], pending: [] };
    expect(done).toMatchObject([{ index: 1, ok: false }]);
    expect(pending.map((p) => p.index)).toEqual([0]);
    expect(a.signal.aborted).toBe(false);
    a.resolve(7);
    await expect(pending[0]?.promise).resolves.toBe(7);
  });

  it('"first-error" returns on the first rejection, or when all have fulfilled', async () => {
    const a = job<number>();
    const b = job<number>();
    const c = job<number>();
    const boom = new Error("b");
    const result = track(wait([a.fn, b.fn, c.fn], { return: "first-error" }));
    a.resolve(1);
    await flush();
    expect(result.settled).toBe(false);
    b.reject(boom);
    await flush();
    expect(result.value?.done).toEqual([
      { index: 0, ok: true, value: 1 },
      { index: 1, ok: false, error: boom },
    ]);
    expect(result.value?.pending.map((p) => p.index)).toEqual([2]);
    await expect(
      wait([Promise.resolve(1), Promise.resolve(2)], { return: "first-error" }),
    ).resolves.toMatchObject({ done: [{ index: 0 }, { index: 1 }], pending: [] });
  });

  it("resolves (does not reject) at the timeout with what settled by then; clears its timer", async () => {
    const clock = new VirtualClock();
    const a = job<number>();
    const b = job<number>();
    const result = track(wait([a.fn, b.fn], { timeout: 500, clock }));
    a.resolve(1);
    await clock.advance(499);
    expect(result.settled).toBe(false);
    await clock.advance(1);
    expect(result.value?.done).toEqual([{ index: 0, ok: true, value: 1 }]);
    expect(result.value?.pending.map((p) => p.index)).toEqual([1]);
    expect(b.signal.aborted).toBe(false);
    expect(clock.pending).toBe(0);
    const done = track(wait([Promise.resolve(1)], { timeout: 500, clock }));
    await clock.advance(0);
    expect(done.settled).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it("lets the caller abort a pending function later, through pending[i].abort", async () => {
    const clock = new VirtualClock();
    const a = job<number>();
    const result = track(wait([a.fn, Promise.resolve(0)], { return: "first", clock }));
    await clock.advance(0);
    const pending = result.value?.pending[0];
    expect(pending?.index).toBe(0);
    pending?.abort("no longer needed");
    expect(a.signal.reason).toBe("no longer needed");
  });

  it("returns at once for no items", async () => {
    await expect(wait([])).resolves.toEqual({ done: [], pending: [] });
  });

  it("on the caller's signal rejects, aborts the functions, clears timer and listener", async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const a = job<number>();
    const result = rejectionOf(wait([a.fn], { timeout: 1000, clock, signal: controller.signal }));
    controller.abort("stop");
    const error = await result;
    expect(error).toMatchObject({ operation: "wait", cause: "stop" });
    expect(a.signal.reason).toBe(error);
    expect(clock.pending).toBe(0);
    expect(listeners(controller.signal)).toBe(0);
  });
});

describe("validation", () => {
  async function invalid(
    promise: Promise<unknown>,
    option: string,
    expected: string,
    received: unknown,
  ): Promise<void> {
    const error = await rejectionOf(promise);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option, expected, received });
    expect((error as Error).message).toBe(
      `Option "${option}" must be ${expected}; received ${describeValue(received)}.`,
    );
  }
  const ITEMS = "an array of promises or functions (signal) => value or promise";
  const ITEM = "a promise or a function (signal) => value or promise";

  it("names the bad item, array or option, and starts nothing", async () => {
    const fn = vi.fn(() => 1);
    await invalid(gather("ab" as never), "items", ITEMS, "ab");
    await invalid(gather([fn, 3] as never), "items[1]", ITEM, 3);
    await invalid(gatherSettled([null] as never), "items[0]", ITEM, null);
    await invalid(
      firstCompleted([]),
      "thunks",
      "a non-empty array of functions (signal) => value or promise",
      [],
    );
    const promise = Promise.resolve(1);
    await invalid(
      firstCompleted([promise] as never),
      "thunks[0]",
      "a function (signal) => value or promise",
      promise,
    );
    await invalid(gather([fn], { signal: 1 } as never), "signal", "an AbortSignal", 1);
    await invalid(
      gather([fn], { timeout: 1 } as never),
      "options.timeout",
      "one of the known options (signal)",
      1,
    );
    await invalid(
      wait([fn], { return: "any" } as never),
      "return",
      'one of "all", "first", "first-error"',
      "any",
    );
    await invalid(
      wait([fn], { timeout: 0 }),
      "timeout",
      "a number of milliseconds > 0 (or Infinity for none)",
      0,
    );
    await invalid(
      wait([fn], { clock: {} as never }),
      "clock",
      "an object with now(), setTimer() and clearTimer()",
      {},
    );
    expect(() => asCompleted([fn, "x"] as never)).toThrow(InvalidOptionError);
    expect(fn).not.toHaveBeenCalled();
  });
});
