/**
 * Restart backoff as a pure value: the documented delay sequence, jitter bounds (cut at
 * max, never piled onto it), factors, huge attempts, the per-child BackoffState with its
 * resetAfter boundary, validation of every option, and immutability of policies.
 */
import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import {
  BackoffPolicy,
  BackoffState,
  backoff,
  type BackoffOptions,
} from "../../src/supervision/backoff.js";
import { invalidOption } from "../support/thrown-by.js";

/** A random source that always returns `value`. */
const fixed = (value: number) => () => value;

const attempts = (policy: BackoffPolicy, count: number, random = fixed(0.5)): number[] =>
  Array.from({ length: count }, (_, i) => policy.delay(i + 1, random));

describe("BackoffPolicy.delay", () => {
  it("doubles from min to max: 100, 200, 400, 800, 1600, 3000, 3000 (jitter 0)", () => {
    const policy = backoff({ min: 100, max: 3000, jitter: 0 });
    expect(attempts(policy, 7, fixed(0))).toEqual([100, 200, 400, 800, 1600, 3000, 3000]);
    expect(attempts(policy, 7, fixed(0.99))).toEqual([100, 200, 400, 800, 1600, 3000, 3000]);
  });

  it("defaults to factor 2, jitter 0.2 and resetAfter = max", () => {
    const policy = backoff({ min: 100, max: 3000 });
    expect(policy).toMatchObject({
      minMs: 100,
      maxMs: 3000,
      factor: 2,
      jitter: 0.2,
      resetAfterMs: 3000,
    });
  });

  it("leaves the base delay unchanged when random returns 0.5, below the cap", () => {
    const policy = backoff({ min: 100, max: 3000 });
    const delays = attempts(policy, 5, fixed(0.5));
    [100, 200, 400, 800, 1600].forEach((base, i) => expect(delays[i]).toBeCloseTo(base, 9));
  });

  it("maps random 0 and 1 to base × (1 − jitter) and base × (1 + jitter) below the cap", () => {
    const policy = backoff({ min: 100, max: 3000, jitter: 0.25 });
    expect(attempts(policy, 4, fixed(0))).toEqual([75, 150, 300, 600]);
    expect(attempts(policy, 4, fixed(1))).toEqual([125, 250, 500, 1000]);
  });

  it("cuts the jitter range at max: 1600 × 1.25 would be 2000, max is 1800", () => {
    const policy = backoff({ min: 100, max: 1800, jitter: 0.25 });
    expect(policy.delay(5, fixed(0))).toBe(1200);
    expect(policy.delay(5, fixed(1))).toBe(1800);
    expect(policy.delay(5, fixed(0.5))).toBe(1500);
  });

  it("spreads capped delays over [max × (1 − jitter), max] instead of piling them on max", () => {
    const policy = backoff({ min: 100, max: 3000, jitter: 0.2 });
    const capped = [0, 0.25, 0.5, 0.75, 1].map((r) => policy.delay(9, fixed(r)));
    expect(capped).toEqual([2400, 2550, 2700, 2850, 3000]);
    // Clamping base × [0.8, 1.2] onto max would give 3000 for every r ≥ 0.5.
    expect(new Set(capped).size).toBe(capped.length);
  });

  it("keeps every delay within [0, max] for any attempt, jitter and random value", () => {
    for (const jitter of [0, 0.1, 0.5, 0.99, 1]) {
      const policy = backoff({ min: 7, max: 1000, factor: 1.7, jitter });
      for (let attempt = 1; attempt <= 30; attempt++) {
        for (const r of [0, 0.001, 0.3, 0.5, 0.999, 1]) {
          const delay = policy.delay(attempt, fixed(r));
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(1000);
        }
      }
    }
  });

  it("allows a delay of 0 only with jitter 1 and random 0", () => {
    expect(backoff({ min: 100, max: 3000, jitter: 1 }).delay(1, fixed(0))).toBe(0);
    expect(backoff({ min: 100, max: 3000, jitter: 0.99 }).delay(1, fixed(0))).toBeGreaterThan(0);
  });

  it("follows the factor: 3 gives 10, 30, 90, 270, 500; 1.5 gives 100, 150, 225, 337.5", () => {
    expect(attempts(backoff({ min: 10, max: 500, factor: 3, jitter: 0 }), 6)).toEqual([
      10, 30, 90, 270, 500, 500,
    ]);
    expect(attempts(backoff({ min: 100, max: 1000, factor: 1.5, jitter: 0 }), 4)).toEqual([
      100, 150, 225, 337.5,
    ]);
  });

  it("gives a constant delay when min equals max", () => {
    expect(attempts(backoff({ min: 250, max: 250, jitter: 0 }), 4)).toEqual([250, 250, 250, 250]);
  });

  it("gives max, not Infinity or NaN, for huge attempts and huge numbers", () => {
    const policy = backoff({ min: 100, max: 3000, jitter: 0 });
    for (const attempt of [1025, 10_000, 1e9, Number.MAX_SAFE_INTEGER, 1e300])
      expect(policy.delay(attempt)).toBe(3000);
    const jittered = backoff({ min: 100, max: 3000 });
    expect(jittered.delay(10_000, fixed(0))).toBe(2400);
    expect(jittered.delay(10_000, fixed(1))).toBe(3000);
    const huge = backoff({ min: 1e300, max: Number.MAX_VALUE, factor: 1e10, jitter: 1 });
    expect(huge.delay(10_000, fixed(1))).toBe(Number.MAX_VALUE);
    expect(huge.delay(10_000, fixed(0))).toBe(0);
    expect(Number.isFinite(huge.delay(2, fixed(0.5)))).toBe(true);
  });

  it("calls random exactly once per delay, jitter or not", () => {
    for (const jitter of [0, 0.2]) {
      let calls = 0;
      backoff({ min: 1, max: 2, jitter }).delay(1, () => {
        calls++;
        return 0.5;
      });
      expect(calls).toBe(1);
    }
  });

  it("rejects an attempt that is not an integer ≥ 1", () => {
    const policy = backoff({ min: 100, max: 3000 });
    for (const attempt of [0, -1, 1.5, NaN, Infinity, -Infinity])
      invalidOption(() => policy.delay(attempt), "attempt", "an integer ≥ 1", attempt);
    invalidOption(() => policy.delay("2" as unknown as number), "attempt", "an integer ≥ 1", "2");
  });

  it("rejects a random source that returns something outside [0, 1]", () => {
    const policy = backoff({ min: 100, max: 3000 });
    for (const value of [-0.001, 1.001, NaN, Infinity, "0.5", undefined])
      invalidOption(
        () => policy.delay(1, () => value as number),
        "random()",
        "a number between 0 and 1",
        value,
      );
  });
});

describe("BackoffPolicy validation", () => {
  const valid = { min: 100, max: 3000 } as const;
  const DURATION = "a number of milliseconds > 0";
  const build = (options: unknown) => () => backoff(options as BackoffOptions);
  const nonNumbers: unknown[] = ["100", null, true, {}, [100]];

  it("requires min and max", () => {
    invalidOption(build({ max: 3000 }), "backoff.min", DURATION, undefined);
    invalidOption(build({ min: 100 }), "backoff.max", DURATION, undefined);
    invalidOption(build({}), "backoff.min", DURATION, undefined);
    invalidOption(build(undefined), "backoff.min", DURATION, undefined);
  });

  it("rejects min and max that are not finite numbers > 0", () => {
    for (const bad of [0, -0, -1, NaN, Infinity, -Infinity, ...nonNumbers]) {
      invalidOption(build({ ...valid, min: bad }), "backoff.min", DURATION, bad);
      invalidOption(build({ ...valid, max: bad }), "backoff.max", DURATION, bad);
    }
  });

  it("rejects max < min, naming both", () => {
    const error = invalidOption(
      build({ min: 500, max: 499 }),
      "backoff.max",
      `${DURATION} and ≥ backoff.min (500)`,
      499,
    );
    expect(error.message).toBe(
      'Option "backoff.max" must be a number of milliseconds > 0 and ≥ backoff.min (500); ' +
        "received 499 (number).",
    );
    expect(() => backoff({ min: 500, max: 500 })).not.toThrow();
  });

  it("rejects a factor that is not a finite number > 1", () => {
    for (const bad of [1, 0.5, 0, -2, NaN, Infinity, -Infinity, ...nonNumbers])
      invalidOption(build({ ...valid, factor: bad }), "backoff.factor", "a finite number > 1", bad);
    expect(backoff({ ...valid, factor: 1.001 }).factor).toBe(1.001);
  });

  it("rejects a jitter outside [0, 1], accepting both ends", () => {
    for (const bad of [-0.001, 1.001, -1, 2, NaN, Infinity, -Infinity, ...nonNumbers])
      invalidOption(
        build({ ...valid, jitter: bad }),
        "backoff.jitter",
        "a number between 0 and 1",
        bad,
      );
    expect(backoff({ ...valid, jitter: 0 }).jitter).toBe(0);
    expect(backoff({ ...valid, jitter: 1 }).jitter).toBe(1);
  });

  it("rejects a resetAfter that is not a finite number > 0", () => {
    for (const bad of [0, -1, NaN, Infinity, -Infinity, ...nonNumbers])
      invalidOption(build({ ...valid, resetAfter: bad }), "backoff.resetAfter", DURATION, bad);
    expect(backoff({ ...valid, resetAfter: 0.5 }).resetAfterMs).toBe(0.5);
  });

  it("rejects options that are not an object, and unknown keys (typos)", () => {
    for (const bad of [null, "fast", 5, [100, 3000]])
      invalidOption(build(bad), "backoff", "an options object", bad);
    invalidOption(
      build({ ...valid, maxDelay: 5000 }),
      "backoff.maxDelay",
      "one of the known options (min, max, factor, jitter, resetAfter)",
      5000,
    );
  });

  it("checks each option on its own before the cross-field rule", () => {
    invalidOption(build({ min: NaN, max: 1 }), "backoff.min", DURATION, NaN);
    invalidOption(
      build({ min: 10, max: 5, factor: 1 }),
      "backoff.factor",
      "a finite number > 1",
      1,
    );
  });

  it("rejects a BackoffState built from something that is not a policy", () => {
    const fake = { minMs: 1, maxMs: 2, delay: () => 1 };
    invalidOption(
      () => new BackoffState(fake as unknown as BackoffPolicy),
      "policy",
      "a BackoffPolicy made by backoff(...)",
      fake,
    );
  });
});

describe("BackoffPolicy immutability", () => {
  it("is frozen, and assigning a field throws", () => {
    const policy = backoff({ min: 100, max: 3000 });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(() => {
      (policy as { minMs: number }).minMs = 1;
    }).toThrow(TypeError);
    expect(policy.minMs).toBe(100);
  });

  it("with() returns a new, validated policy and leaves the old one unchanged", () => {
    const base = backoff({ min: 100, max: 3000, factor: 3, jitter: 0.1, resetAfter: 700 });
    const changed = base.with({ min: 50, jitter: 0 });
    expect(changed).not.toBe(base);
    expect(changed).toBeInstanceOf(BackoffPolicy);
    expect(Object.isFrozen(changed)).toBe(true);
    expect(changed).toMatchObject({
      minMs: 50,
      maxMs: 3000,
      factor: 3,
      jitter: 0,
      resetAfterMs: 700,
    });
    expect(base).toMatchObject({
      minMs: 100,
      maxMs: 3000,
      factor: 3,
      jitter: 0.1,
      resetAfterMs: 700,
    });
    invalidOption(
      () => base.with({ max: 50 }),
      "backoff.max",
      "a number of milliseconds > 0 and ≥ backoff.min (100)",
      50,
    );
    invalidOption(
      () => base.with(null as unknown as Partial<BackoffOptions>),
      "backoff",
      "an options object",
      null,
    );
    expect(base.maxMs).toBe(3000);
  });

  it("with({ max }) moves a defaulted resetAfter along, but keeps an explicit one", () => {
    expect(backoff({ min: 100, max: 3000 }).with({ max: 9000 }).resetAfterMs).toBe(9000);
    const explicit = backoff({ min: 100, max: 3000, resetAfter: 3000 });
    expect(explicit.with({ max: 9000 }).resetAfterMs).toBe(3000);
  });
});

describe("BackoffState", () => {
  const policy = backoff({ min: 100, max: 3000, jitter: 0 });

  /** Fails the child the moment each restart happens, `count` times from `start`. */
  function crashLoop(state: BackoffState, start: number, count: number): number[] {
    const delays: number[] = [];
    let now = start;
    for (let i = 0; i < count; i++) {
      const { delayMs } = state.next(now);
      delays.push(delayMs);
      now += delayMs;
    }
    return delays;
  }

  it("counts consecutive failures and returns their delays", () => {
    const state = new BackoffState(policy);
    expect(state.attempt).toBe(0);
    expect(state.lastFailureAt).toBeUndefined();
    expect(state.next(0)).toEqual({ attempt: 1, delayMs: 100 });
    expect(state.next(150)).toEqual({ attempt: 2, delayMs: 200 });
    expect(state.next(400)).toEqual({ attempt: 3, delayMs: 400 });
    expect(state.attempt).toBe(3);
    expect(state.lastFailureAt).toBe(400);
  });

  it("stays at max for a child that crashes the moment it restarts", () => {
    // Regression guard: measuring resetAfter (default = max) from the failure instead of
    // from the restart would reset here after every 3000 ms delay, back to 100 ms.
    const state = new BackoffState(policy);
    expect(crashLoop(state, 0, 10)).toEqual([
      100, 200, 400, 800, 1600, 3000, 3000, 3000, 3000, 3000,
    ]);
    expect(state.attempt).toBe(10);
  });

  it("resets once the restarted child has run resetAfter ms: not 1 ms before, at and after", () => {
    const short = policy.with({ resetAfter: 1000 });
    for (const [ran, attempt] of [
      [999, 3],
      [1000, 1],
      [1001, 1],
    ] as const) {
      const state = new BackoffState(short);
      state.next(0); // restarts at 100
      state.next(100 + 50); // ran 50 ms; attempt 2, restarts at 350
      expect(state.next(350 + ran)).toEqual({ attempt, delayMs: attempt === 1 ? 100 : 400 });
    }
  });

  it("counts from attempt 1 again after a reset by resetAfter", () => {
    const state = new BackoffState(policy.with({ resetAfter: 1000 }));
    crashLoop(state, 0, 4); // failures at 0, 100, 300, 700; restarts at 1500
    expect(state.next(2500)).toEqual({ attempt: 1, delayMs: 100 });
    expect(state.next(2600)).toEqual({ attempt: 2, delayMs: 200 });
  });

  it("reset() forgets all failures", () => {
    const state = new BackoffState(policy);
    crashLoop(state, 0, 5);
    state.reset();
    expect(state.attempt).toBe(0);
    expect(state.lastFailureAt).toBeUndefined();
    expect(state.next(3100)).toEqual({ attempt: 1, delayMs: 100 });
  });

  it("reset() also allows a now earlier than the forgotten failure", () => {
    const state = new BackoffState(policy);
    state.next(5000);
    state.reset();
    expect(state.next(10)).toEqual({ attempt: 1, delayMs: 100 });
  });

  it("passes random through to the policy", () => {
    const state = new BackoffState(backoff({ min: 100, max: 3000, jitter: 0.5 }));
    expect(state.next(0, fixed(0))).toEqual({ attempt: 1, delayMs: 50 });
    expect(state.next(50, fixed(1))).toEqual({ attempt: 2, delayMs: 300 });
  });

  it("returns frozen steps", () => {
    expect(Object.isFrozen(new BackoffState(policy).next(0))).toBe(true);
  });

  it("rejects a now that is not finite or earlier than the last failure", () => {
    const state = new BackoffState(policy);
    for (const now of [NaN, Infinity, -Infinity])
      invalidOption(() => state.next(now), "now", "a finite number of milliseconds", now);
    invalidOption(
      () => state.next("5" as unknown as number),
      "now",
      "a finite number of milliseconds",
      "5",
    );
    state.next(500);
    invalidOption(
      () => state.next(499),
      "now",
      "a finite number of milliseconds ≥ 500 (the last failure)",
      499,
    );
    expect(state.next(500)).toEqual({ attempt: 2, delayMs: 200 });
  });

  it("changes nothing when the random source is invalid", () => {
    const state = new BackoffState(policy);
    state.next(0);
    expect(() => state.next(10_000, fixed(2))).toThrow(InvalidOptionError);
    expect(state.attempt).toBe(1);
    expect(state.lastFailureAt).toBe(0);
    // Had the failed call counted, this would be attempt 1 after a reset or attempt 3.
    expect(state.next(100)).toEqual({ attempt: 2, delayMs: 200 });
  });
});
