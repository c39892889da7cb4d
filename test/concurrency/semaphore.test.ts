/**
 * Semaphore: grants and hand-over on release, FIFO order with a large request blocking the
 * small ones behind it, no barging by tryAcquire, abort and timeout leaving the line (and
 * letting followers through), use() releasing on every exit, cleanup of listeners and
 * timers, a 10,000-operation random run that must end with every permit back, and
 * validation. Time is a VirtualClock; nothing sleeps.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { OperationAbortedError, TimeoutError } from "../../src/errors.js";
import { Semaphore, type SemaphoreRelease } from "../../src/concurrency/semaphore.js";
import { VirtualClock, flush } from "../../src/testing/index.js";
import { gate, type Gate } from "../support/gates.js";
import { prng } from "../support/prng.js";
import { track } from "../support/track.js";
import { invalidOption } from "../support/thrown-by.js";

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;

describe("Semaphore: acquire and release", () => {
  it("grants up to `permits` at once, queues the rest, and hands over on release", async () => {
    const sem = new Semaphore(2);
    const a = await sem.acquire();
    const b = await sem.acquire();
    expect(sem.available).toBe(0);
    const c = track(sem.acquire());
    await flush();
    expect(c.settled).toBe(false);
    expect(sem.waiting).toBe(1);

    a();
    // Handed over synchronously: the freed permit never shows as available.
    expect(sem.available).toBe(0);
    expect(sem.waiting).toBe(0);
    await flush();
    expect(c.settled).toBe(true);
    b();
    c.value?.();
    expect(sem.available).toBe(2);
  });

  it("releases once when a release function is called twice", async () => {
    const sem = new Semaphore(3);
    const release = await sem.acquire({ weight: 2 });
    expect(sem.available).toBe(1);
    release();
    release();
    expect(sem.available).toBe(3);
  });

  it("serves waiters in the order they called acquire", async () => {
    const sem = new Semaphore(1);
    const first = await sem.acquire();
    const order: number[] = [];
    const waits = [0, 1, 2, 3, 4].map((i) =>
      sem.acquire().then((release) => {
        order.push(i);
        release();
      }),
    );
    expect(sem.waiting).toBe(5);
    first();
    await Promise.all(waits);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(sem.available).toBe(1);
  });

  it("lets a large request at the head block smaller later ones (FIFO over throughput)", async () => {
    const sem = new Semaphore(4);
    const three = await sem.acquire({ weight: 3 });
    const large = track(sem.acquire({ weight: 4 }));
    const small = track(sem.acquire({ weight: 1 }));
    await flush();
    // One permit is free and would fit the small request, but the large one is ahead of it.
    expect(sem.available).toBe(1);
    expect(large.settled).toBe(false);
    expect(small.settled).toBe(false);

    three();
    await flush();
    expect(large.settled).toBe(true);
    expect(small.settled).toBe(false);
    expect(sem.available).toBe(0);

    large.value?.();
    await flush();
    expect(small.settled).toBe(true);
    small.value?.();
    expect(sem.available).toBe(4);
  });

  it("tryAcquire takes free permits, and fails while anyone waits (no barging)", async () => {
    const sem = new Semaphore(2);
    const one = sem.tryAcquire();
    expect(one).not.toBeNull();
    expect(sem.tryAcquire(2)).toBeNull(); // only 1 free
    const big = track(sem.acquire({ weight: 2 }));
    await flush();
    expect(sem.available).toBe(1);
    expect(sem.tryAcquire(1)).toBeNull(); // it would fit, but someone is waiting
    one?.();
    await flush();
    expect(big.settled).toBe(true);
    big.value?.();
    expect(sem.tryAcquire(2)).not.toBeNull();
  });
});

describe("Semaphore: abort and timeout", () => {
  it("rejects an aborted waiter with OperationAbortedError and removes it from the line", async () => {
    const sem = new Semaphore(1);
    const hold = await sem.acquire();
    const controller = new AbortController();
    const waiter = track(sem.acquire({ signal: controller.signal }));
    expect(sem.waiting).toBe(1);
    expect(abortListeners(controller.signal)).toBe(1);

    const reason = new Error("user left");
    controller.abort(reason);
    await flush();
    expect(waiter.error).toBeInstanceOf(OperationAbortedError);
    const error = waiter.error as OperationAbortedError;
    expect(error.code).toBe("ERR_OPERATION_ABORTED");
    expect(error.operation).toBe("semaphore.acquire");
    expect(error.cause).toBe(reason);
    expect(sem.waiting).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
    hold();
    expect(sem.available).toBe(1);
  });

  it("rejects at once, taking nothing, when the signal is already aborted", async () => {
    const sem = new Semaphore(2);
    const reason = new Error("too late");
    const waiter = track(sem.acquire({ signal: AbortSignal.abort(reason) }));
    await flush();
    expect(waiter.error).toBeInstanceOf(OperationAbortedError);
    expect((waiter.error as OperationAbortedError).cause).toBe(reason);
    expect(sem.available).toBe(2);
    expect(sem.waiting).toBe(0);
  });

  it("lets the waiters behind an aborted large head through at once", async () => {
    const sem = new Semaphore(4);
    const three = await sem.acquire({ weight: 3 });
    const controller = new AbortController();
    const large = track(sem.acquire({ weight: 4, signal: controller.signal }));
    const small = track(sem.acquire({ weight: 1 }));
    await flush();
    expect(small.settled).toBe(false);
    controller.abort();
    expect(sem.available).toBe(0); // the small one took the free permit synchronously
    await flush();
    expect(large.error).toBeInstanceOf(OperationAbortedError);
    expect(small.settled).toBe(true);
    three();
    small.value?.();
    expect(sem.available).toBe(4);
  });

  it("times out a waiter after exactly `timeout` ms with TimeoutError naming the deadline", async () => {
    const clock = new VirtualClock(1_000);
    const sem = new Semaphore(1, { clock });
    const hold = await sem.acquire();
    const waiter = track(sem.acquire({ timeout: 250 }));
    await clock.advance(249);
    expect(waiter.settled).toBe(false);
    await clock.advance(1);
    expect(waiter.error).toBeInstanceOf(TimeoutError);
    const error = waiter.error as TimeoutError;
    expect(error.code).toBe("ERR_TIMEOUT");
    expect(error.operation).toBe("semaphore.acquire");
    expect(error.timeoutMs).toBe(250);
    expect(error.deadline).toBe(1_250);
    expect(error.message).toContain("semaphore.acquire did not finish within 250 ms");
    expect(sem.waiting).toBe(0);
    expect(clock.pending).toBe(0);
    hold();
    expect(sem.available).toBe(1);
  });

  it("lets the waiters behind a timed-out large head through", async () => {
    const clock = new VirtualClock();
    const sem = new Semaphore(4, { clock });
    const three = await sem.acquire({ weight: 3 });
    const large = track(sem.acquire({ weight: 4, timeout: 100 }));
    const small = track(sem.acquire({ weight: 1 }));
    await clock.advance(100);
    expect(large.error).toBeInstanceOf(TimeoutError);
    expect(small.settled).toBe(true);
    three();
    small.value?.();
    expect(sem.available).toBe(4);
  });

  it("removes its abort listener and timeout timer when a waiter is granted", async () => {
    const clock = new VirtualClock();
    const sem = new Semaphore(1, { clock });
    const hold = await sem.acquire();
    const controller = new AbortController();
    const waiter = track(sem.acquire({ signal: controller.signal, timeout: 500 }));
    expect(clock.pending).toBe(1);
    expect(abortListeners(controller.signal)).toBe(1);
    hold();
    await flush();
    expect(waiter.settled).toBe(true);
    expect(clock.pending).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
    // Aborting or waiting past the old deadline after the grant changes nothing.
    controller.abort();
    await clock.advance(1_000);
    expect(sem.available).toBe(0);
    waiter.value?.();
    expect(sem.available).toBe(1);
  });

  it("arms no timer and no listener for a request granted at once", async () => {
    const clock = new VirtualClock();
    const sem = new Semaphore(1, { clock });
    const controller = new AbortController();
    const release = await sem.acquire({ signal: controller.signal, timeout: 10 });
    expect(clock.pending).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
    release();
  });
});

describe("Semaphore.use", () => {
  it("holds the permits while fn runs and releases them when it returns", async () => {
    const sem = new Semaphore(3);
    const result = await sem.use(
      () => {
        expect(sem.available).toBe(1);
        return "done";
      },
      { weight: 2 },
    );
    expect(result).toBe("done");
    expect(sem.available).toBe(3);
  });

  it("releases when fn resolves later", async () => {
    const sem = new Semaphore(1);
    const work = gate();
    const running = track(
      sem.use(async () => {
        await work.wait;
        return 42;
      }),
    );
    await flush();
    expect(sem.available).toBe(0);
    work.open();
    await flush();
    expect(running.value).toBe(42);
    expect(sem.available).toBe(1);
  });

  it("releases when fn throws synchronously, and rejects with its error", async () => {
    const sem = new Semaphore(1);
    const boom = new Error("boom");
    await expect(
      sem.use(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(sem.available).toBe(1);
  });

  it("releases when fn rejects, and rejects with its error", async () => {
    const sem = new Semaphore(1);
    const boom = new Error("boom");
    const work = gate();
    const running = track(sem.use(() => work.wait));
    await flush();
    expect(sem.available).toBe(0);
    work.fail(boom);
    await flush();
    expect(running.error).toBe(boom);
    expect(sem.available).toBe(1);
  });

  it("passes the signal to fn, and never runs fn when the wait is aborted", async () => {
    const sem = new Semaphore(1);
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    await sem.use(
      (signal) => {
        seen = signal;
      },
      { signal: controller.signal },
    );
    expect(seen).toBe(controller.signal);

    const hold = await sem.acquire();
    let ran = false;
    const waiting = track(
      sem.use(
        () => {
          ran = true;
        },
        { signal: controller.signal },
      ),
    );
    controller.abort();
    await flush();
    expect(waiting.error).toBeInstanceOf(OperationAbortedError);
    expect(ran).toBe(false);
    hold();
    expect(sem.available).toBe(1);
  });
});

describe("Semaphore: permits never leak", () => {
  /** A permit held by the test (from acquire or tryAcquire), with its weight. */
  interface Held {
    readonly release: SemaphoreRelease;
    readonly weight: number;
  }
  /** A use() whose fn is running until the test settles its gate. */
  interface Running {
    readonly work: Gate;
    readonly weight: number;
  }

  it.each([1, 7, 2024])(
    "ends with every permit back after 10,000 random operations (seed %i)",
    async (seed) => {
      const random = prng(seed);
      const clock = new VirtualClock();
      const permits = 6;
      const sem = new Semaphore(permits, { clock });
      const boom = new Error("boom");

      let held: Held[] = [];
      let running: Running[] = [];
      const controllers: AbortController[] = [];
      const grantOrder: number[] = [];
      const unexpected: unknown[] = [];
      const count = { granted: 0, aborted: 0, timedOut: 0, thrown: 0, tryRefused: 0 };
      let nextId = 0;

      const takeRandom = <T>(list: T[]): T | undefined =>
        list.length === 0 ? undefined : list.splice(Math.floor(random() * list.length), 1)[0];
      // Mostly small requests, now and then one up to all permits (which blocks the line).
      const randomWeight = (): number => 1 + Math.floor(random() * (random() < 0.8 ? 2 : permits));
      const waitOptions = (): { weight: number; signal?: AbortSignal; timeout?: number } => {
        const options: { weight: number; signal?: AbortSignal; timeout?: number } = {
          weight: randomWeight(),
        };
        if (random() < 0.4) {
          const controller = new AbortController();
          controllers.push(controller);
          options.signal = controller.signal;
        }
        if (random() < 0.4) options.timeout = 1 + Math.floor(random() * 40);
        return options;
      };
      const failed = (error: unknown): void => {
        if (error instanceof OperationAbortedError) count.aborted++;
        else if (error instanceof TimeoutError) count.timedOut++;
        else if (error === boom) count.thrown++;
        else unexpected.push(error);
      };
      const heldWeight = (): number =>
        held.reduce((sum, h) => sum + h.weight, 0) + running.reduce((sum, r) => sum + r.weight, 0);

      for (let step = 0; step < 10_000; step++) {
        const roll = random();
        const id = nextId++;
        if (roll < 0.22) {
          const options = waitOptions();
          sem.acquire(options).then((release) => {
            grantOrder.push(id);
            count.granted++;
            held.push({ release, weight: options.weight });
          }, failed);
        } else if (roll < 0.34) {
          const options = waitOptions();
          sem
            .use(() => {
              grantOrder.push(id);
              count.granted++;
              const work = gate();
              running.push({ work, weight: options.weight });
              return work.wait;
            }, options)
            .catch(failed);
        } else if (roll < 0.4) {
          const options = waitOptions();
          sem
            .use(() => {
              grantOrder.push(id);
              count.granted++;
              throw boom;
            }, options)
            .catch(failed);
        } else if (roll < 0.55) {
          const taken = takeRandom(held);
          taken?.release();
          if (taken !== undefined && random() < 0.3) taken.release(); // idempotent
        } else if (roll < 0.65) {
          const taken = takeRandom(running);
          if (random() < 0.5) taken?.work.open();
          else taken?.work.fail(boom);
        } else if (roll < 0.73) {
          takeRandom(controllers)?.abort(new Error(`abort ${id}`));
        } else if (roll < 0.85) {
          await clock.advance(Math.floor(random() * 30));
          // After a flush every grant has reached its callback: permits are conserved.
          expect(sem.available + heldWeight()).toBe(permits);
        } else {
          const weight = randomWeight();
          const waitingBefore = sem.waiting;
          const release = sem.tryAcquire(weight);
          if (waitingBefore > 0) {
            expect(release).toBeNull();
            count.tryRefused++;
          }
          if (release !== null) held.push({ release, weight });
        }
        expect(sem.available).toBeGreaterThanOrEqual(0);
        expect(sem.available).toBeLessThanOrEqual(permits);
      }

      // Give everything back, round after round, until the line is empty.
      for (let round = 0; held.length > 0 || running.length > 0 || sem.waiting > 0; round++) {
        expect(round).toBeLessThan(10_000);
        for (const h of held) h.release();
        for (const r of running) r.work.open();
        held = [];
        running = [];
        await flush();
      }
      await flush();

      expect(unexpected).toEqual([]);
      expect(sem.available).toBe(permits);
      expect(sem.waiting).toBe(0);
      expect(clock.pending).toBe(0); // every timeout timer was cleared
      for (const controller of controllers) expect(abortListeners(controller.signal)).toBe(0);
      // FIFO: grants happened in request order.
      expect(grantOrder).toEqual([...grantOrder].sort((x, y) => x - y));
      // The mix exercised every path.
      expect(count.granted).toBeGreaterThan(1_000);
      expect(count.aborted).toBeGreaterThan(50);
      expect(count.timedOut).toBeGreaterThan(50);
      expect(count.thrown).toBeGreaterThan(50);
      expect(count.tryRefused).toBeGreaterThan(50);
    },
  );
});

describe("Semaphore: validation", () => {
  it("rejects permits that are not an integer ≥ 1", () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity, "2", undefined]) {
      invalidOption(() => new Semaphore(bad as number), "permits", "an integer ≥ 1", bad);
    }
  });

  it("rejects bad constructor options", () => {
    invalidOption(
      () => new Semaphore(1, { clok: 1 } as object),
      "options.clok",
      "one of the known options (clock)",
      1,
    );
    const notClock = { now: () => 0 };
    invalidOption(
      () => new Semaphore(1, { clock: notClock as never }),
      "clock",
      "an object with now(), setTimer() and clearTimer()",
      notClock,
    );
    invalidOption(() => new Semaphore(1, 5 as never), "options", "an options object", 5);
  });

  it("throws at the call for a weight above the permits (it could never be granted)", () => {
    const sem = new Semaphore(4);
    const expected = "an integer between 1 and the semaphore's permits (4)";
    for (const bad of [0, 5, 1.5, NaN, "1"]) {
      invalidOption(() => sem.acquire({ weight: bad as number }), "weight", expected, bad);
      invalidOption(() => sem.tryAcquire(bad as number), "weight", expected, bad);
      invalidOption(() => sem.use(() => 1, { weight: bad as number }), "weight", expected, bad);
    }
    expect(sem.available).toBe(4);
    expect(sem.waiting).toBe(0);
  });

  it("rejects bad acquire options and a use() callback that is not a function", () => {
    const sem = new Semaphore(1);
    const duration = "a number of milliseconds > 0 (or Infinity for none)";
    for (const bad of [0, -5, NaN, "10"])
      invalidOption(() => sem.acquire({ timeout: bad as number }), "timeout", duration, bad);
    invalidOption(
      () => sem.acquire({ signal: "stop" as never }),
      "signal",
      "an AbortSignal",
      "stop",
    );
    invalidOption(
      () => sem.acquire({ wait: 1 } as object),
      "options.wait",
      "one of the known options (weight, signal, timeout)",
      1,
    );
    invalidOption(() => sem.acquire(null as never), "options", "an options object", null);
    invalidOption(() => sem.use("run" as never), "fn", "a function", "run");
    expect(sem.waiting).toBe(0);
  });
});
