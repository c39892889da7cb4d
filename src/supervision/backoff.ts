/**
 * Restart backoff: how long a supervisor waits before restarting a failed child, growing
 * exponentially with each consecutive failure, capped, and randomised so that children
 * which fail together do not restart together. Erlang restarts at once; this follows
 * Akka's `restartWithBackoff(min, max, randomFactor)`. A `BackoffPolicy` is an immutable
 * value made by `backoff({ min, max })`; a `BackoffState` is the small per-child counter
 * that turns failures into delays. Neither reads a clock: time comes in as arguments, so
 * the supervisor passes its injected clock's `now()` and tests pass plain numbers.
 *
 * Numbers: `backoff({ min: 100, max: 3000 })` (factor 2) waits 100, 200, 400, 800, 1600,
 * 3000, 3000, … ms before jitter; with the default jitter 0.2 the first delay falls in
 * [80, 120] ms and every delay at the cap in [2400, 3000] ms. After `resetAfter` ms (default:
 * `max`) of the restarted child running without failing, the next failure starts from
 * `min` again.
 *
 * The danger of each option:
 * - `min` too small → restart storms: a child that fails on start (dead database, bad
 *   config) is re-created many times a second, burning CPU and flooding logs.
 * - `max` too large → long outages: after a transient fault clears, the child may still be
 *   sleeping through a long delay while its messages pile up in the mailbox.
 * - `factor` close to 1 → the delay barely grows, so the storm lasts; large → `max` is
 *   reached after one or two failures, so short hiccups cost long waits.
 * - `jitter` 0 → thundering herd: children that fail together (they share a dependency)
 *   restart together and hit the recovering dependency at the same instant, again and again.
 * - `resetAfter` too small → a child that runs briefly before each crash never backs off.
 *
 * Backoff spaces restarts out; the strategy's restart intensity (`maxRestarts` within
 * `within`) still decides when to give up. Restarts spaced by long delays rarely fill a short
 * window, so pair a large `max` with a `within` that spans several delays.
 */
import { InvalidOptionError } from "../errors.js";
import { checkDuration, checkInteger, checkKnownKeys, checkObject } from "../validation.js";

export interface BackoffOptions {
  /** The first delay, in ms: a finite number > 0. */
  readonly min: number;
  /** The largest delay, in ms: a finite number ≥ `min`. No delay ever exceeds it, jitter included. */
  readonly max: number;
  /**
   * Each consecutive failure multiplies the delay by this: a finite number > 1. For a
   * constant delay, set `min` equal to `max` instead.
   * @default 2
   */
  readonly factor?: number;
  /**
   * How much of the delay is random, from 0 (none) to 1: the delay is drawn uniformly from
   * [base × (1 − jitter), base × (1 + jitter)], cut at `max` (see `BackoffPolicy.delay`).
   * @default 0.2
   */
  readonly jitter?: number;
  /**
   * After the restarted child has run this many ms without failing, its next failure counts
   * as attempt 1 again: a finite number > 0.
   * @default max
   */
  readonly resetAfter?: number;
}

/** One restart decision: the consecutive-failure count (1 for the first) and the wait. */
export interface BackoffStep {
  readonly attempt: number;
  readonly delayMs: number;
}

const OPTION_KEYS = ["min", "max", "factor", "jitter", "resetAfter"] as const;

/** The contract `checkDuration` enforces, repeated for a missing required option. */
const DURATION = "a number of milliseconds > 0";

function checkRequired(option: string, value: unknown): void {
  if (value === undefined) throw new InvalidOptionError(option, DURATION, value);
}

/** An immutable backoff policy: validated once, frozen, changed only through `with`. */
export class BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
  readonly resetAfterMs: number;
  /** Whether `resetAfter` was left to follow `max`, so `with({ max })` moves it too. */
  readonly #resetAfterFollowsMax: boolean;

  /** @internal Use `backoff(...)`. */
  constructor(options: BackoffOptions) {
    checkObject("backoff", options);
    // Only a JavaScript caller can omit the object; report the first missing option then.
    const given: Partial<BackoffOptions> = options ?? {};
    checkKnownKeys("backoff", given, OPTION_KEYS);
    checkRequired("backoff.min", given.min);
    checkDuration("backoff.min", given.min);
    checkRequired("backoff.max", given.max);
    checkDuration("backoff.max", given.max);
    const factor: unknown = given.factor;
    if (
      factor !== undefined &&
      (typeof factor !== "number" || !Number.isFinite(factor) || factor <= 1)
    )
      throw new InvalidOptionError("backoff.factor", "a finite number > 1", factor);
    const jitter: unknown = given.jitter;
    if (jitter !== undefined && (typeof jitter !== "number" || !(jitter >= 0 && jitter <= 1)))
      throw new InvalidOptionError("backoff.jitter", "a number between 0 and 1", jitter);
    checkDuration("backoff.resetAfter", given.resetAfter);
    const min = given.min as number;
    const max = given.max as number;
    if (max < min)
      throw new InvalidOptionError("backoff.max", `${DURATION} and ≥ backoff.min (${min})`, max);

    this.minMs = min;
    this.maxMs = max;
    this.factor = given.factor ?? 2;
    this.jitter = given.jitter ?? 0.2;
    this.resetAfterMs = given.resetAfter ?? max;
    this.#resetAfterFollowsMax = given.resetAfter === undefined;
    Object.freeze(this);
  }

  /**
   * The delay in ms before restart number `attempt` (1 for the first failure, 2 for the
   * second in a row, …). Pure: the same attempt and random value give the same delay.
   *
   * Details: base = min(max, min × factor^(attempt − 1)); then, with lo = base × (1 − jitter)
   * and hi = min(max, base × (1 + jitter)), the delay is lo + (hi − lo) × random(). Below the
   * cap that is base times a factor in [1 − jitter, 1 + jitter] (random 0.5 gives base). At
   * the cap the range is [max × (1 − jitter), max]: the part above `max` is cut off rather
   * than clamped onto `max`, since clamping would put half of all capped delays on the same
   * instant, the herd that jitter exists to break up. The result always lies in [0, max]
   * (0 only with jitter 1), is not rounded, and stays `max` for any attempt, however large.
   * `random` is called exactly once and must return a number in [0, 1].
   *
   * @example
   * const policy = backoff({ min: 100, max: 3000, jitter: 0 });
   * [1, 2, 3, 4, 5, 6, 7].map((n) => policy.delay(n)); // 100, 200, 400, 800, 1600, 3000, 3000
   */
  delay(attempt: number, random: () => number = Math.random): number {
    checkInteger("attempt", attempt, 1);
    const r: unknown = random();
    if (typeof r !== "number" || !(r >= 0 && r <= 1))
      throw new InvalidOptionError("random()", "a number between 0 and 1", r);
    // factor ** (attempt − 1) overflows to Infinity for huge attempts; min > 0 is finite, so
    // the product is Infinity (never NaN) and Math.min turns it into max.
    const base = Math.min(this.maxMs, this.minMs * this.factor ** (attempt - 1));
    const lo = base * (1 - this.jitter);
    const hi = Math.min(this.maxMs, base * (1 + this.jitter));
    return lo + (hi - lo) * r;
  }

  /** A copy with some options changed; `resetAfter`, if never set, keeps following `max`. */
  with(options: Partial<BackoffOptions>): BackoffPolicy {
    checkObject("backoff", options);
    return new BackoffPolicy({
      min: this.minMs,
      max: this.maxMs,
      factor: this.factor,
      jitter: this.jitter,
      ...(this.#resetAfterFollowsMax ? {} : { resetAfter: this.resetAfterMs }),
      ...options,
    });
  }
}

/**
 * A restart backoff policy; give it to a supervisor to wait before each restart.
 *
 * @example
 * backoff({ min: 100, max: 30_000 }); // 100 ms, 200 ms, … 30 s, ± 20 %
 */
export function backoff(options: BackoffOptions): BackoffPolicy {
  return new BackoffPolicy(options);
}

/**
 * The per-child counterpart of a policy: counts consecutive failures and turns each into a
 * delay. The count resets when the child, once restarted, has run `resetAfter` ms without
 * failing, measured from the end of the delay, not from the failure: a child that crashes
 * the moment it restarts has run for 0 ms however long it waited, so it stays at the cap
 * instead of dropping back to `min` every time a delay reaches `resetAfter`.
 */
export class BackoffState {
  readonly policy: BackoffPolicy;
  #attempt = 0;
  #lastFailureAt: number | undefined;
  /** When the child restarts after the last failure: the last failure plus its delay. */
  #restartAt: number | undefined;

  constructor(policy: BackoffPolicy) {
    if (!(policy instanceof BackoffPolicy))
      throw new InvalidOptionError("policy", "a BackoffPolicy made by backoff(...)", policy);
    this.policy = policy;
  }

  /** Consecutive failures counted so far; 0 before the first and after `reset()`. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The `now` of the last `next` call, or undefined before the first and after `reset()`. */
  get lastFailureAt(): number | undefined {
    return this.#lastFailureAt;
  }

  /**
   * Records a failure at `now` (ms, from the supervisor's clock; never earlier than the last
   * failure) and returns its attempt number and delay. If at least `resetAfter` ms passed
   * between the end of the previous delay and `now`, the count restarts at attempt 1.
   *
   * @example
   * const state = new BackoffState(backoff({ min: 100, max: 3000, jitter: 0 }));
   * state.next(0); // { attempt: 1, delayMs: 100 }: restarts at 100
   * state.next(150); // { attempt: 2, delayMs: 200 }: restarts at 350
   * state.next(3350); // { attempt: 1, delayMs: 100 }: ran 3000 ms ≥ resetAfter (= max)
   */
  next(now: number, random: () => number = Math.random): BackoffStep {
    const last = this.#lastFailureAt;
    if (typeof now !== "number" || !Number.isFinite(now) || (last !== undefined && now < last)) {
      const bound = last === undefined ? "" : ` ≥ ${last} (the last failure)`;
      throw new InvalidOptionError("now", `a finite number of milliseconds${bound}`, now);
    }
    const quiet = this.#restartAt === undefined ? 0 : now - this.#restartAt;
    const attempt = quiet >= this.policy.resetAfterMs ? 1 : this.#attempt + 1;
    const delayMs = this.policy.delay(attempt, random);
    // Committed only once delay() has accepted random(), so a bad random changes nothing.
    this.#attempt = attempt;
    this.#lastFailureAt = now;
    this.#restartAt = now + delayMs;
    return Object.freeze({ attempt, delayMs });
  }

  /** Forgets all failures: the next one is attempt 1 whenever it comes. */
  reset(): void {
    this.#attempt = 0;
    this.#lastFailureAt = undefined;
    this.#restartAt = undefined;
  }
}
