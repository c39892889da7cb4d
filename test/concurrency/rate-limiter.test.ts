/**
 * RateLimiter (token bucket): starts full, refills continuously up to burst, waits exactly
 * the time a deficit takes to refill with one timer for the head of the line, FIFO with a
 * large request first, abort and timeout re-arming for the next waiter, timers that fire
 * late or early, a random run that must never exceed the bucket's budget in any window, and
 * validation of every option. Time is a VirtualClock (or a hand-cranked one); nothing sleeps.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { OperationAbortedError, TimeoutError } from "../../src/errors.js";
import { RateLimiter, type RateLimiterOptions } from "../../src/concurrency/rate-limiter.js";
import { VirtualClock, flush } from "../../src/testing/index.js";
import { Actor } from "../../src/index.js";
import { HandCrankedClock } from "../support/hand-cranked-clock.js";
import { prng } from "../support/prng.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { track } from "../support/track.js";
import { invalidOption } from "../support/thrown-by.js";

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;

/** A limiter of 10 tokens per second (burst 10) on a fresh virtual clock, emptied. */
function emptied(options: Partial<RateLimiterOptions> = {}): {
  clock: VirtualClock;
  limiter: RateLimiter;
} {
  const clock = new VirtualClock();
  const limiter = new RateLimiter({ rate: 10, clock, ...options });
  expect(limiter.tryAcquire(limiter.burst)).toBe(true);
  return { clock, limiter };
}

describe("RateLimiter: the bucket", () => {
  it("starts full at burst, and tryAcquire takes tokens until it is empty", () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ rate: 5, burst: 8, clock });
    expect(limiter.available).toBe(8);
    expect(limiter.tryAcquire(3)).toBe(true);
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.available).toBe(4);
    expect(limiter.tryAcquire(5)).toBe(false); // takes nothing when it cannot take all
    expect(limiter.tryAcquire(4)).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    expect(limiter.available).toBe(0);
  });

  it("defaults to interval 1000 and burst = rate (rounded down, at least 1)", () => {
    expect(new RateLimiter({ rate: 7 })).toMatchObject({ rate: 7, interval: 1000, burst: 7 });
    expect(new RateLimiter({ rate: 2.5 }).burst).toBe(2);
    expect(new RateLimiter({ rate: 0.25 }).burst).toBe(1);
  });

  it("refills continuously (fractional tokens) and never above burst", async () => {
    const { clock, limiter } = emptied();
    await clock.advance(50);
    expect(limiter.available).toBeCloseTo(0.5, 12);
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(50);
    expect(limiter.tryAcquire()).toBe(true);
    await clock.advance(60_000);
    expect(limiter.available).toBe(10);
  });
});

describe("RateLimiter.tryAcquireUpTo", () => {
  it("takes the whole tokens there are, up to max, and never waits", async () => {
    const { clock, limiter } = emptied();
    expect(limiter.tryAcquireUpTo(5)).toBe(0);
    await clock.advance(350); // 3.5 tokens
    expect(limiter.tryAcquireUpTo(10)).toBe(3);
    expect(limiter.available).toBeCloseTo(0.5, 9);
    await clock.advance(1_000);
    expect(limiter.tryAcquireUpTo(2)).toBe(2);
  });

  it("takes nothing while anyone waits (no barging past the line)", async () => {
    const { clock, limiter } = emptied();
    const waiting = limiter.acquire(1);
    expect(limiter.tryAcquireUpTo(1)).toBe(0);
    await clock.advance(100);
    await waiting;
  });

  it("rejects a max that is not an integer ≥ 1", () => {
    const limiter = new RateLimiter({ rate: 1 });
    expect(() => limiter.tryAcquireUpTo(0)).toThrow(/Option "max" must be an integer ≥ 1/);
  });
});

describe("RateLimiter.acquire", () => {
  it("resolves at once, without a timer, when the bucket covers the request", async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ rate: 10, clock });
    await limiter.acquire(4);
    expect(limiter.available).toBe(6);
    expect(clock.pending).toBe(0);
  });

  it("waits exactly as long as the deficit takes to refill: 3 tokens at 10/s → 300 ms", async () => {
    const { clock, limiter } = emptied();
    const waiter = track(limiter.acquire(3));
    expect(limiter.waiting).toBe(1);
    expect(clock.nextAt).toBe(300);
    await clock.advance(299);
    expect(waiter.settled).toBe(false);
    await clock.advance(1);
    expect(waiter.settled).toBe(true);
    expect(waiter.error).toBeUndefined();
    expect(limiter.available).toBe(0);
    expect(limiter.waiting).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("counts the tokens already refilled: half a deficit left → half the wait", async () => {
    const { clock, limiter } = emptied();
    await clock.advance(120); // 1.2 tokens
    const waiter = track(limiter.acquire(2));
    expect(clock.nextAt).toBeCloseTo(200, 9);
    await clock.advance(79);
    expect(waiter.settled).toBe(false);
    await clock.advance(1);
    expect(waiter.settled).toBe(true);
  });

  it("grants at a refill time that is not a whole number of ms (1 token at 3/s)", async () => {
    const { clock, limiter } = emptied({ rate: 3 });
    const waiter = track(limiter.acquire());
    expect(clock.nextAt).toBeCloseTo(1000 / 3, 9);
    await clock.advance(333);
    expect(waiter.settled).toBe(false);
    await clock.runAll();
    expect(waiter.settled).toBe(true);
    expect(clock.now()).toBeCloseTo(1000 / 3, 9);
    expect(clock.pending).toBe(0); // granted, not re-armed for a rounding error
  });

  it("serves FIFO: a large request first is not starved by small ones behind it", async () => {
    const { clock, limiter } = emptied();
    const grants: { label: string; at: number }[] = [];
    const request = (label: string, tokens: number): Promise<void> =>
      limiter.acquire(tokens).then(() => {
        grants.push({ label, at: clock.now() });
      });
    const all = [request("large", 8), request("s1", 1), request("s2", 1), request("s3", 1)];
    expect(limiter.waiting).toBe(4);
    await clock.advance(100);
    // A token is there and would cover a small request, but the large one is ahead.
    expect(limiter.available).toBeCloseTo(1, 12);
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(2_000);
    await Promise.all(all);
    expect(grants).toEqual([
      { label: "large", at: 800 },
      { label: "s1", at: 900 },
      { label: "s2", at: 1000 },
      { label: "s3", at: 1100 },
    ]);
  });

  it("keeps one timer, for the head of the line, however many wait", async () => {
    const { clock, limiter } = emptied();
    const waiters = [1, 2, 3, 4, 5].map((n) => track(limiter.acquire(n)));
    expect(clock.pending).toBe(1);
    await clock.advance(100);
    expect(waiters[0]?.settled).toBe(true);
    expect(clock.pending).toBe(1);
    expect(clock.nextAt).toBe(300); // the second needs 2 tokens from an empty bucket
    await clock.advance(10_000);
    expect(waiters.every((w) => w.settled)).toBe(true);
    expect(clock.pending).toBe(0);
  });
});

describe("RateLimiter: abort and timeout", () => {
  it("removes an aborted waiter, rejects it, and re-arms the timer for the new head", async () => {
    const { clock, limiter } = emptied();
    const controller = new AbortController();
    const head = track(limiter.acquire(5, { signal: controller.signal }));
    const next = track(limiter.acquire(3));
    expect(clock.nextAt).toBe(500);
    await clock.advance(100); // 1 token in the bucket
    const reason = new Error("gave up");
    controller.abort(reason);
    expect(limiter.waiting).toBe(1);
    expect(clock.pending).toBe(1);
    expect(clock.nextAt).toBe(300); // 2 tokens missing for the new head: 200 ms from now
    await flush();
    expect(head.error).toBeInstanceOf(OperationAbortedError);
    const error = head.error as OperationAbortedError;
    expect(error.code).toBe("ERR_OPERATION_ABORTED");
    expect(error.operation).toBe("rateLimiter.acquire");
    expect(error.cause).toBe(reason);
    expect(abortListeners(controller.signal)).toBe(0);
    await clock.advance(199);
    expect(next.settled).toBe(false);
    await clock.advance(1);
    expect(next.settled).toBe(true);
  });

  it("serves the new head at once when the bucket already covers it", async () => {
    const { clock, limiter } = emptied();
    const controller = new AbortController();
    const head = track(limiter.acquire(8, { signal: controller.signal }));
    const next = track(limiter.acquire(2));
    await clock.advance(300); // 3 tokens
    controller.abort();
    expect(limiter.waiting).toBe(0);
    expect(clock.pending).toBe(0);
    expect(limiter.available).toBeCloseTo(1, 12);
    await flush();
    expect(head.error).toBeInstanceOf(OperationAbortedError);
    expect(next.settled).toBe(true);
  });

  it("rejects at once, taking nothing, when the signal is already aborted", async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ rate: 10, clock });
    const waiter = track(limiter.acquire(1, { signal: AbortSignal.abort("stop") }));
    await flush();
    expect(waiter.error).toBeInstanceOf(OperationAbortedError);
    expect((waiter.error as OperationAbortedError).cause).toBe("stop");
    expect(limiter.available).toBe(10);
  });

  it("times out a waiter with TimeoutError and moves the next one up", async () => {
    const { clock, limiter } = emptied();
    const head = track(limiter.acquire(10, { timeout: 200 }));
    const next = track(limiter.acquire(1));
    await clock.advance(199);
    expect(head.settled).toBe(false);
    await clock.advance(1);
    expect(head.error).toBeInstanceOf(TimeoutError);
    const error = head.error as TimeoutError;
    expect(error.code).toBe("ERR_TIMEOUT");
    expect(error.operation).toBe("rateLimiter.acquire");
    expect(error.timeoutMs).toBe(200);
    expect(error.deadline).toBe(200);
    expect(next.settled).toBe(true); // 2 tokens had refilled; the small one needed 1
    expect(clock.pending).toBe(0);
  });

  it("removes its listener and timeout timer when the wait is granted", async () => {
    const { clock, limiter } = emptied();
    const controller = new AbortController();
    const waiter = track(limiter.acquire(1, { signal: controller.signal, timeout: 5_000 }));
    expect(clock.pending).toBe(2); // the refill timer and the timeout
    await clock.advance(100);
    expect(waiter.settled).toBe(true);
    expect(clock.pending).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
  });
});

describe("RateLimiter: timers that do not fire on time", () => {
  it("counts the extra refill when the timer fires late", () => {
    const clock = new HandCrankedClock();
    const limiter = new RateLimiter({ rate: 10, clock });
    limiter.tryAcquire(10);
    const waiter = track(limiter.acquire(1));
    clock.jumpAndFire(250);
    expect(limiter.waiting).toBe(0);
    expect(limiter.available).toBeCloseTo(1.5, 12);
    expect(waiter.error).toBeUndefined();
  });

  it("re-arms for what is still missing when the timer fires early", () => {
    const clock = new HandCrankedClock();
    const limiter = new RateLimiter({ rate: 10, clock });
    limiter.tryAcquire(10);
    track(limiter.acquire(1));
    const [timer] = [...clock.timers];
    expect(timer?.at).toBe(100);
    // Fire it at 99 ms, as a real timer rounding a fractional delay might.
    clock.time = 99;
    clock.timers.clear();
    timer?.callback();
    expect(limiter.waiting).toBe(1);
    expect([...clock.timers].map((t) => t.at)).toEqual([100]);
    clock.jumpAndFire(100);
    expect(limiter.waiting).toBe(0);
  });
});

describe("RateLimiter: shared by actors", () => {
  /** Calls a rate-limited API: waits for a token from the limiter it was given. */
  class ApiClient extends Actor {
    constructor(
      readonly limiter: RateLimiter,
      readonly calls: { label: string; at: number }[],
    ) {
      super();
    }
    async call(label: string): Promise<void> {
      await this.limiter.acquire();
      this.calls.push({ label, at: this.context.system.clock.now() });
    }
  }

  it("draws every actor's calls from one budget: 2 per second, burst 2", async () => {
    const { clock, system } = startVirtualSystem();
    try {
      const limiter = new RateLimiter({ rate: 2, clock });
      const calls: { label: string; at: number }[] = [];
      const a = system.spawn(() => new ApiClient(limiter, calls));
      const b = system.spawn(() => new ApiClient(limiter, calls));
      const replies = ["1", "2", "3"].flatMap((n) => [
        a.ask("call", `a${n}`),
        b.ask("call", `b${n}`),
      ]);
      await clock.advance(2_000);
      await Promise.all(replies);
      expect(calls.map((c) => c.at)).toEqual([0, 0, 500, 1000, 1500, 2000]);
      expect(new Set(calls.map((c) => c.label)).size).toBe(6);
    } finally {
      await stopVirtualSystem(system, clock);
    }
  });
});

describe("RateLimiter: never exceeds its budget", () => {
  /** One grant: when, how many tokens, and (for acquire) the request's number. */
  interface Grant {
    readonly at: number;
    readonly tokens: number;
  }

  it.each([
    { seed: 3, rate: 5, interval: 1000, burst: 8 },
    { seed: 11, rate: 10, interval: 1000, burst: 10 },
    { seed: 99, rate: 2.5, interval: 400, burst: 3 },
    { seed: 2024, rate: 4, interval: 250, burst: 1 },
  ])(
    "admits at most burst + rate × w / interval in any window w ($rate per $interval ms, burst $burst, seed $seed)",
    async ({ seed, rate, interval, burst }) => {
      const random = prng(seed);
      const clock = new VirtualClock();
      const limiter = new RateLimiter({ rate, interval, burst, clock });
      const grants: Grant[] = [];
      const acquireOrder: number[] = [];
      const controllers: AbortController[] = [];
      const unexpected: unknown[] = [];
      let aborted = 0;
      let nextId = 0;

      const tokens = (): number =>
        1 + Math.floor(random() * (random() < 0.8 ? Math.min(2, burst) : burst));
      const request = (): void => {
        if (random() < 0.5) {
          const n = tokens();
          if (limiter.tryAcquire(n)) grants.push({ at: clock.now(), tokens: n });
          return;
        }
        const n = tokens();
        const id = nextId++;
        let signal: AbortSignal | undefined;
        if (random() < 0.2) {
          const controller = new AbortController();
          controllers.push(controller);
          signal = controller.signal;
        }
        limiter.acquire(n, signal === undefined ? undefined : { signal }).then(
          () => {
            // The clock only moves inside advance(), after a flush: this is the grant time.
            grants.push({ at: clock.now(), tokens: n });
            acquireOrder.push(id);
          },
          (error: unknown) => {
            if (error instanceof OperationAbortedError) aborted++;
            else unexpected.push(error);
          },
        );
      };

      for (let step = 0; step < 4_000; step++) {
        const roll = random();
        if (roll < 0.45) request();
        else if (roll < 0.5) {
          const i = Math.floor(random() * controllers.length);
          controllers.splice(i, 1)[0]?.abort();
        } else if (roll < 0.62) {
          // A burst right at the next window edge (or a hair before it).
          const edge = (Math.floor(clock.now() / interval) + 1) * interval;
          await clock.advance(Math.max(0, edge - clock.now() - (random() < 0.3 ? 0.001 : 0)));
          for (let k = Math.floor(random() * (burst + 3)); k >= 0; k--) request();
        } else if (roll < 0.66) {
          // Idle long enough to fill the bucket, then a burst.
          await clock.advance(interval * (1 + random() * 2));
          for (let k = Math.floor(random() * (burst + 3)); k >= 0; k--) request();
        } else {
          await clock.advance(random() * interval * 0.3);
        }
      }
      for (const controller of controllers) controller.abort();
      await clock.runAll();
      await flush();

      expect(unexpected).toEqual([]);
      expect(limiter.waiting).toBe(0);
      expect(clock.pending).toBe(0);
      expect(acquireOrder).toEqual([...acquireOrder].sort((a, b) => a - b)); // FIFO
      expect(aborted).toBeGreaterThan(0);

      // The bound: the bucket holds at most `burst` when a window [s, t] opens and gains
      // rate × (t − s) / interval during it, and every grant is paid from it, so the tokens
      // granted at times in [s, t] are ≤ burst + rate × (t − s) / interval. It suffices to
      // check windows that start and end at grants: for each pair i ≤ j (grants sorted by
      // time; equal times included in both directions by taking i as far back as possible).
      // 1e-6 covers floating-point refill arithmetic; counts are whole tokens.
      grants.sort((a, b) => a.at - b.at);
      const prefix = [0];
      for (const g of grants) prefix.push((prefix.at(-1) ?? 0) + g.tokens);
      let worstOneInterval = 0;
      for (let j = 0; j < grants.length; j++) {
        const end = grants[j] as Grant;
        for (let i = j; i >= 0; i--) {
          const start = grants[i] as Grant;
          const granted = (prefix[j + 1] ?? 0) - (prefix[i] ?? 0);
          const bound = burst + (rate * (end.at - start.at)) / interval;
          if (granted > bound + 1e-6)
            expect.fail(`${granted} tokens granted in [${start.at}, ${end.at}], bound ${bound}`);
          // The asked-for check: grants in (t − interval, t] ≤ burst + rate.
          if (end.at - start.at < interval) worstOneInterval = Math.max(worstOneInterval, granted);
        }
      }
      expect(worstOneInterval).toBeLessThanOrEqual(burst + rate);
      // Not vacuous: bursts after idle time did use the bucket beyond the steady rate, and
      // the run granted plenty.
      expect(worstOneInterval).toBeGreaterThan(Math.max(rate, burst) - 1);
      expect(grants.length).toBeGreaterThan(1_000);
    },
  );
});

describe("RateLimiter: validation", () => {
  it("rejects a rate that is not a finite number > 0", () => {
    for (const bad of [0, -1, NaN, Infinity, -Infinity, "10", undefined])
      invalidOption(
        () => new RateLimiter({ rate: bad as number }),
        "rate",
        "a finite number of tokens > 0",
        bad,
      );
  });

  it("rejects an interval that is not a finite number of ms > 0", () => {
    for (const bad of [0, -1000, NaN, Infinity, "1s"])
      invalidOption(
        () => new RateLimiter({ rate: 1, interval: bad as number }),
        "interval",
        "a number of milliseconds > 0",
        bad,
      );
  });

  it("rejects a burst that is not an integer ≥ 1", () => {
    for (const bad of [0, -2, 0.5, 2.5, NaN, Infinity, "3"])
      invalidOption(
        () => new RateLimiter({ rate: 1, burst: bad as number }),
        "burst",
        "an integer ≥ 1",
        bad,
      );
  });

  it("rejects unknown keys, a bad clock and a missing options object", () => {
    invalidOption(
      () => new RateLimiter({ rate: 1, brust: 5 } as RateLimiterOptions),
      "options.brust",
      "one of the known options (rate, interval, burst, clock)",
      5,
    );
    invalidOption(
      () => new RateLimiter({ rate: 1, clock: Date as never }),
      "clock",
      "an object with now(), setTimer() and clearTimer()",
      Date,
    );
    invalidOption(() => new RateLimiter("fast" as never), "options", "an options object", "fast");
    invalidOption(
      () => new RateLimiter(undefined as never),
      "rate",
      "a finite number of tokens > 0",
      undefined,
    );
  });

  it("throws at the call for a request above burst (it could never be granted)", () => {
    const limiter = new RateLimiter({ rate: 10, burst: 4 });
    const expected = "an integer between 1 and burst (4), the most the bucket ever holds";
    for (const bad of [5, 0, -1, 1.5, NaN, "1"]) {
      invalidOption(() => limiter.acquire(bad as number), "tokens", expected, bad);
      invalidOption(() => limiter.tryAcquire(bad as number), "tokens", expected, bad);
    }
    expect(limiter.available).toBe(4);
    expect(limiter.waiting).toBe(0);
  });

  it("rejects bad acquire options", () => {
    const limiter = new RateLimiter({ rate: 1 });
    const notSignal = { aborted: false };
    invalidOption(
      () => limiter.acquire(1, { signal: notSignal as AbortSignal }),
      "signal",
      "an AbortSignal",
      notSignal,
    );
    invalidOption(
      () => limiter.acquire(1, { timeout: -1 }),
      "timeout",
      "a number of milliseconds > 0 (or Infinity for none)",
      -1,
    );
    invalidOption(
      () => limiter.acquire(1, { sginal: 1 } as object),
      "options.sginal",
      "one of the known options (signal, timeout)",
      1,
    );
    expect(limiter.waiting).toBe(0);
  });
});
