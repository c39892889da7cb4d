/**
 * A counting semaphore: at most `permits` units of some resource (connections, memory,
 * concurrent calls to a fragile service) are held at once, and whoever wants more waits in
 * line. It is a plain object with no actor dependency, so actors, tasks and plain functions
 * can share one.
 *
 * Ordering and fairness (the guarantees callers may rely on):
 * - **FIFO.** Waiters are served strictly in the order they called `acquire`. A waiter is
 *   served only when every earlier waiter has been served, so a large request at the head of
 *   the line blocks smaller requests behind it even when enough permits are free for them.
 *   That is the price of never starving large requests; use separate semaphores if small and
 *   large work must not wait for each other.
 * - **No barging.** `tryAcquire` fails while anyone waits, even if it could fit.
 * - **Hand-over on release.** Releasing grants the freed permits to the waiters at the head
 *   synchronously, before `release` returns; nobody can slip in between.
 *
 * Every exit path gives permits back: a release function frees its permits once (calling it
 * again does nothing), `use` releases when its function returns, throws or rejects, and a
 * waiter that is aborted or times out leaves the line without taking anything, which may
 * let the waiters behind it through. Abort listeners and timeout timers are removed on every
 * exit. Timeouts run on the injected clock, so tests drive them in virtual time.
 *
 * ```ts
 * const connections = new Semaphore(10);
 * const rows = await connections.use(() => db.query(sql), { timeout: 5_000 });
 * ```
 */
import { InvalidOptionError, OperationAbortedError } from "../errors.js";
import { systemClock, type Clock } from "../time/clock.js";
import { WaitLine } from "./wait-line.js";
import {
  checkDuration,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkObject,
  checkSignal,
  checkClock,
} from "../validation.js";

export interface SemaphoreOptions {
  /**
   * Time source for `timeout`; pass a VirtualClock in tests.
   * @default the real clock (`systemClock`)
   */
  readonly clock?: Clock;
}

export interface SemaphoreAcquireOptions {
  /**
   * How many permits to take: an integer from 1 to the semaphore's `permits`.
   * @default 1
   */
  readonly weight?: number;
  /**
   * Cancels the wait: the waiter leaves the line and the acquire rejects with
   * OperationAbortedError (`cause` is the signal's reason). Already aborted → rejects at
   * once, even if permits are free. Once granted, aborting has no effect on the permits;
   * `use` passes the signal on to its function for that phase.
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

/** Gives the permits of one grant back. Idempotent: a second call does nothing. */
export type SemaphoreRelease = () => void;

const ACQUIRE_KEYS = ["weight", "signal", "timeout"] as const;
const OPTION_KEYS = ["clock"] as const;
const OPERATION = "semaphore.acquire";

export class Semaphore {
  readonly #permits: number;
  #available: number;
  /** Callers waiting for permits, in arrival order. */
  readonly #line: WaitLine<SemaphoreRelease>;

  /**
   * @param permits how many units may be held at once: an integer ≥ 1.
   * @throws InvalidOptionError for a bad `permits` or option.
   */
  constructor(permits: number, options: SemaphoreOptions = {}) {
    if (permits === undefined) throw new InvalidOptionError("permits", "an integer ≥ 1", permits);
    checkInteger("permits", permits, 1);
    checkObject("options", options);
    const given: SemaphoreOptions = options ?? {};
    checkKnownKeys("options", given, OPTION_KEYS);
    checkClock("clock", given.clock);
    this.#permits = permits;
    this.#available = permits;
    // A waiter that left may have been the large head holding up smaller waiters behind it.
    this.#line = new WaitLine(OPERATION, given.clock ?? systemClock, () => this.#drain());
  }

  /** The total number of permits, as given to the constructor. */
  get permits(): number {
    return this.#permits;
  }

  /** Permits free right now (not held by anyone). */
  get available(): number {
    return this.#available;
  }

  /** How many callers are in line (not how many permits they want). */
  get waiting(): number {
    return this.#line.size;
  }

  /**
   * Takes `weight` permits, waiting in line (FIFO) until they are free. Resolves to the
   * function that gives them back; call it exactly once when done (extra calls do nothing).
   * Prefer {@link use}, which cannot forget to release.
   *
   * A bad option is a programmer error and throws InvalidOptionError synchronously; a wait
   * that ends without permits rejects with OperationAbortedError or TimeoutError.
   */
  acquire(options?: SemaphoreAcquireOptions): Promise<SemaphoreRelease> {
    const weight = this.#checkAcquireOptions(options);
    const signal = options?.signal;
    const timeout = options?.timeout ?? Infinity;
    if (signal?.aborted === true)
      return Promise.reject(new OperationAbortedError(OPERATION, signal.reason));
    if (this.#line.size === 0 && weight <= this.#available)
      return Promise.resolve(this.#take(weight));

    return this.#line.join(weight, { signal, timeout });
  }

  /**
   * Takes `weight` permits if they are free and nobody is waiting (no barging past the
   * line); returns the release function, or null without waiting.
   * @throws InvalidOptionError when `weight` is not an integer from 1 to `permits`.
   */
  tryAcquire(weight = 1): SemaphoreRelease | null {
    this.#checkWeight("weight", weight);
    if (this.#line.size > 0 || weight > this.#available) return null;
    return this.#take(weight);
  }

  /**
   * Runs `fn` while holding the permits and releases them on every exit: return, throw or
   * rejection. Resolves to `fn`'s result or rejects with its error (or with the acquire's
   * OperationAbortedError / TimeoutError, in which case `fn` never runs). `fn` receives the
   * options' `signal`, so it can stop early when the caller gives up.
   *
   * ```ts
   * const page = await fetchers.use((signal) => fetch(url, { signal }), { signal });
   * ```
   */
  use<T>(
    fn: (signal: AbortSignal | undefined) => T | PromiseLike<T>,
    options?: SemaphoreAcquireOptions,
  ): Promise<T> {
    checkFunction("fn", fn);
    return this.acquire(options).then(async (release): Promise<T> => {
      try {
        return await fn(options?.signal);
      } finally {
        release();
      }
    });
  }

  toString(): string {
    return `Semaphore(${this.#available}/${this.#permits} available, ${this.#line.size} waiting)`;
  }

  /** Takes permits known to be free and returns their one-shot release. */
  #take(weight: number): SemaphoreRelease {
    this.#available -= weight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#available += weight;
      this.#drain();
    };
  }

  /** Serves waiters from the head while the head fits; stops at the first that does not. */
  #drain(): void {
    for (const head of this.#line) {
      if (head.amount > this.#available) return;
      head.grant(this.#take(head.amount)); // grant() takes it out of the line
    }
  }

  /** Validates acquire options and returns the weight. */
  #checkAcquireOptions(options: unknown): number {
    checkObject("options", options);
    if (options === undefined) return 1;
    const o = options as Record<string, unknown>;
    checkKnownKeys("options", o, ACQUIRE_KEYS);
    checkSignal("signal", o["signal"]);
    checkDuration("timeout", o["timeout"], true);
    const weight = o["weight"] ?? 1;
    this.#checkWeight("weight", weight);
    return weight as number;
  }

  #checkWeight(option: string, weight: unknown): void {
    if (
      typeof weight !== "number" ||
      !Number.isInteger(weight) ||
      weight < 1 ||
      weight > this.#permits
    )
      throw new InvalidOptionError(
        option,
        `an integer between 1 and the semaphore's permits (${this.#permits})`,
        weight,
      );
  }
}
