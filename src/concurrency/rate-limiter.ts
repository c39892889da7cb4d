/**
 * A token-bucket rate limiter: `rate` tokens flow into a bucket every `interval` ms,
 * continuously (half an interval refills half the rate), and the bucket holds at most
 * `burst` tokens. It starts full. Each request takes whole tokens; a request the bucket
 * cannot cover waits. It is a plain object with no actor dependency, so one limiter can be
 * shared by every actor that calls the same API.
 *
 * The budget this enforces: in any window of `w` ms, at most `burst + rate × w / interval`
 * tokens are granted (the bucket's content at the start of the window plus what flows in
 * during it). With the default `burst = rate`, any one-interval window admits at most
 * `2 × rate`, and any long stretch averages `rate` per interval.
 *
 * Ordering and fairness:
 * - **FIFO.** Waiters are served strictly in arrival order; a large request at the head is
 *   not starved by small ones, because later requests wait behind it even when the bucket
 *   could cover them.
 * - **No barging.** `tryAcquire` fails while anyone waits.
 * - **Exact waits, no polling.** One clock timer is armed for the head of the line, for
 *   exactly the time its deficit takes to refill (`deficit × interval / rate` ms). When a
 *   waiter leaves (abort, timeout), the timer is re-armed for the new head, which may also be
 *   served at once.
 *
 * ```ts
 * const github = new RateLimiter({ rate: 5_000, interval: 3_600_000, burst: 100 });
 * await github.acquire(1, { signal });
 * await fetch(url, { signal });
 * ```
 */
import { InvalidOptionError, OperationAbortedError } from "../errors.js";
import { systemClock, type Clock, type TimerHandle } from "../time/clock.js";
import { WaitLine, type Waiter } from "./wait-line.js";
import {
  checkDuration,
  checkInteger,
  checkKnownKeys,
  checkObject,
  checkSignal,
  checkClock,
} from "../validation.js";

export interface RateLimiterOptions {
  /** Tokens that flow into the bucket per `interval`: a finite number > 0 (fractions allowed). */
  readonly rate: number;
  /**
   * The period `rate` refers to, in ms: a finite number > 0.
   * @default 1000
   */
  readonly interval?: number;
  /**
   * The bucket's capacity, so the largest burst and the largest single request: an
   * integer ≥ 1. The bucket starts full.
   * @default rate, rounded down (at least 1)
   */
  readonly burst?: number;
  /**
   * Time source for refills and waits; pass a VirtualClock in tests.
   * @default the real clock (`systemClock`)
   */
  readonly clock?: Clock;
}

export interface RateLimiterAcquireOptions {
  /**
   * Cancels the wait: the waiter leaves the line (the next one moves up) and the acquire
   * rejects with OperationAbortedError (`cause` is the signal's reason). Already aborted →
   * rejects at once, taking no tokens.
   */
  readonly signal?: AbortSignal;
  /**
   * The longest wait in ms, counted from the call: a number > 0, or Infinity. On expiry
   * the waiter leaves the line and the acquire rejects with TimeoutError. A request granted
   * at once never times out.
   * @default Infinity
   */
  readonly timeout?: number;
}

const OPTION_KEYS = ["rate", "interval", "burst", "clock"] as const;
const ACQUIRE_KEYS = ["signal", "timeout"] as const;
const OPERATION = "rateLimiter.acquire";

/**
 * Tokens are fractional, and refill arithmetic in floating point can leave a bucket that
 * should hold exactly 1 token at 0.9999999999999998. A deficit this small counts as none,
 * so a timer armed for the exact refill time grants instead of re-arming for nanoseconds.
 * The cost: a grant may overdraw the bucket by at most 1e-9 of a token.
 */
const EPSILON = 1e-9;

export class RateLimiter {
  readonly #rate: number;
  readonly #interval: number;
  readonly #burst: number;
  readonly #clock: Clock;
  /** Tokens in the bucket as of `#updatedAt`; fractional. */
  #tokens: number;
  #updatedAt: number;
  /** Callers waiting for tokens, in arrival order. */
  readonly #line: WaitLine<void>;
  /** The refill timer, armed for the head of the line only. */
  #timer: TimerHandle | null = null;
  #armedFor: Waiter<void> | null = null;

  /** @throws InvalidOptionError for a missing or bad option, or an unknown key. */
  constructor(options: RateLimiterOptions) {
    checkObject("options", options);
    // Only a JavaScript caller can omit the object; report the missing rate then.
    const given: Partial<RateLimiterOptions> = options ?? {};
    checkKnownKeys("options", given, OPTION_KEYS);
    const rate: unknown = given.rate;
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate <= 0)
      throw new InvalidOptionError("rate", "a finite number of tokens > 0", rate);
    checkDuration("interval", given.interval);
    checkInteger("burst", given.burst, 1);
    checkClock("clock", given.clock);
    this.#rate = rate;
    this.#interval = given.interval ?? 1000;
    this.#burst = given.burst ?? Math.max(1, Math.floor(rate));
    this.#clock = given.clock ?? systemClock;
    // A waiter that left: re-arm for the new head, or serve it now if the bucket covers it.
    this.#line = new WaitLine(OPERATION, this.#clock, () => this.#pump());
    this.#tokens = this.#burst;
    this.#updatedAt = this.#clock.now();
  }

  /** Tokens added per `interval`. */
  get rate(): number {
    return this.#rate;
  }

  /** The refill period in ms. */
  get interval(): number {
    return this.#interval;
  }

  /** The bucket's capacity: the largest burst and the largest single request. */
  get burst(): number {
    return this.#burst;
  }

  /**
   * Tokens in the bucket right now, fractional (between 0 and `burst`): `Math.floor` it
   * for the number of single-token requests it could cover. While callers wait, these
   * tokens are spoken for by the head of the line.
   */
  get available(): number {
    const elapsed = this.#clock.now() - this.#updatedAt;
    const tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / this.#interval);
    return Math.max(0, tokens);
  }

  /** How many callers are in line (not how many tokens they want). */
  get waiting(): number {
    return this.#line.size;
  }

  /**
   * Takes `tokens` at once if the bucket holds them and nobody waits (no barging past the
   * line); returns whether it did. Never waits.
   * @throws InvalidOptionError when `tokens` is not an integer from 1 to `burst`.
   */
  tryAcquire(tokens = 1): boolean {
    this.#checkTokens(tokens);
    if (this.#line.size > 0) return false;
    this.#refill();
    if (this.#waitFor(tokens) > 0) return false;
    this.#tokens -= tokens;
    return true;
  }

  /**
   * Takes as many whole tokens as the bucket holds now, up to `max`, if nobody waits (no
   * barging); returns how many (0 when none). Never waits. For a consumer that works in
   * batches: one clock reading for the batch instead of one per item.
   * @throws InvalidOptionError when `max` is not an integer ≥ 1.
   */
  tryAcquireUpTo(max: number): number {
    checkInteger("max", max, 1);
    if (this.#line.size > 0) return 0;
    this.#refill();
    const whole = Math.floor(this.#tokens + EPSILON);
    const taken = Math.min(max, whole);
    if (taken <= 0) return 0;
    this.#tokens -= taken;
    return taken;
  }

  /**
   * Takes `tokens`, waiting in line (FIFO) for exactly as long as the bucket needs to
   * refill them. A request for more than `burst` could never be granted, so it throws.
   *
   * A bad argument is a programmer error and throws InvalidOptionError synchronously; a
   * wait that ends without tokens rejects with OperationAbortedError or TimeoutError.
   */
  acquire(tokens = 1, options?: RateLimiterAcquireOptions): Promise<void> {
    this.#checkTokens(tokens);
    checkAcquireOptions(options);
    const signal = options?.signal;
    const timeout = options?.timeout ?? Infinity;
    if (signal?.aborted === true)
      return Promise.reject(new OperationAbortedError(OPERATION, signal.reason));
    if (this.tryAcquire(tokens)) return Promise.resolve();

    const granted = this.#line.join(tokens, { signal, timeout });
    this.#pump(); // arm the timer if it joined at the head
    return granted;
  }

  toString(): string {
    return (
      `RateLimiter(${this.#rate} per ${this.#interval} ms, burst ${this.#burst}, ` +
      `${this.available.toFixed(2)} available, ${this.#line.size} waiting)`
    );
  }

  #refill(): void {
    const now = this.#clock.now();
    if (now <= this.#updatedAt) return;
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#updatedAt) * this.#rate) / this.#interval,
    );
    this.#updatedAt = now;
  }

  /** Ms until the bucket (as of now, refilled) holds `tokens`; 0 when it already does. */
  #waitFor(tokens: number): number {
    const deficit = tokens - this.#tokens;
    if (deficit <= EPSILON) return 0;
    const ms = (deficit * this.#interval) / this.#rate;
    const now = this.#clock.now();
    // A wait too small to move a clock this far from its origin could never end.
    return now + ms > now ? ms : 0;
  }

  /**
   * Serves the line from the head while the bucket covers it, then arms the one timer for
   * the first waiter it cannot cover (kept as it is if already armed for that waiter: its
   * refill time does not change while it stays at the head, since nobody else takes tokens).
   */
  #pump(): void {
    this.#refill();
    for (const head of this.#line) {
      const wait = this.#waitFor(head.amount);
      if (wait === 0) {
        this.#tokens -= head.amount;
        head.grant(); // takes it out of the line
        continue;
      }
      if (this.#armedFor === head) return;
      this.#disarm();
      this.#armedFor = head;
      this.#timer = this.#clock.setTimer(() => {
        this.#timer = null;
        this.#armedFor = null;
        // A real timer may fire a little early: pump re-arms for whatever is still missing.
        this.#pump();
      }, wait);
      return;
    }
    this.#disarm();
  }

  #disarm(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
    this.#armedFor = null;
  }

  #checkTokens(tokens: unknown): void {
    if (
      typeof tokens !== "number" ||
      !Number.isInteger(tokens) ||
      tokens < 1 ||
      tokens > this.#burst
    )
      throw new InvalidOptionError(
        "tokens",
        `an integer between 1 and burst (${this.#burst}), the most the bucket ever holds`,
        tokens,
      );
  }
}

function checkAcquireOptions(options: unknown): void {
  checkObject("options", options);
  if (options === undefined) return;
  const o = options as Record<string, unknown>;
  checkKnownKeys("options", o, ACQUIRE_KEYS);
  checkSignal("signal", o["signal"]);
  checkDuration("timeout", o["timeout"], true);
}
