/**
 * A first-come, first-served line of callers waiting for some amount of a resource, as the
 * Semaphore (permits) and the RateLimiter (tokens) keep it. A waiter joins with the amount
 * it wants and leaves in exactly one of three ways, each cleaning up everything it armed (its
 * abort listener, its timeout timer): it is served (`serve`), its signal aborts
 * (OperationAbortedError), or its timeout passes (TimeoutError). After a waiter leaves
 * without being served, `onLeft` runs: the owner may now serve the waiters behind it.
 */
import { OperationAbortedError, TimeoutError } from "../errors.js";
import type { Clock, TimerHandle } from "../time/clock.js";

/** One caller in line; `grant` serves it (and takes it out of the line). */
export interface Waiter<T> {
  readonly amount: number;
  grant(value: T): void;
}

export interface JoinOptions {
  readonly signal?: AbortSignal | undefined;
  /** ms; Infinity for none. */
  readonly timeout: number;
}

export class WaitLine<T> {
  readonly #queue = new Set<Waiter<T>>();
  readonly #operation: string;
  readonly #clock: Clock;
  readonly #onLeft: () => void;

  constructor(operation: string, clock: Clock, onLeft: () => void) {
    this.#operation = operation;
    this.#clock = clock;
    this.#onLeft = onLeft;
  }

  get size(): number {
    return this.#queue.size;
  }

  /** The waiters in arrival order (a live view: serving one removes it). */
  [Symbol.iterator](): IterableIterator<Waiter<T>> {
    return this.#queue.values();
  }

  /** Joins the line for `amount`; resolves with what `grant` is given. */
  join(amount: number, options: JoinOptions): Promise<T> {
    const { signal, timeout } = options;
    return new Promise<T>((resolve, reject) => {
      let timer: TimerHandle | null = null;
      const leave = (): void => {
        this.#queue.delete(waiter);
        if (timer !== null) this.#clock.clearTimer(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const fail = (error: Error): void => {
        leave();
        reject(error);
        this.#onLeft();
      };
      const onAbort = (): void => fail(new OperationAbortedError(this.#operation, signal?.reason));
      const waiter: Waiter<T> = {
        amount,
        grant: (value) => {
          leave();
          resolve(value);
        },
      };
      this.#queue.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeout !== Infinity) {
        const deadline = this.#clock.now() + timeout;
        timer = this.#clock.setTimer(() => {
          timer = null;
          fail(new TimeoutError(this.#operation, timeout, deadline));
        }, timeout);
      }
    });
  }
}
