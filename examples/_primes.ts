/** Task functions and a thread-resident class for the examples (they run in threads). */
import type { TaskContext } from "../src/index.js";

/** Counts the primes below `limit` by trial division: plain CPU work, no I/O. */
export function countPrimes(this: TaskContext | void, limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    // A check costs a few ns; every 1,024 numbers is often enough to stop within a millisecond.
    if ((n & 1023) === 0 && this?.signal.aborted === true) throw new Error("aborted");
    let prime = true;
    for (let d = 2; d * d <= n; d++)
      if (n % d === 0) {
        prime = false;
        break;
      }
    if (prime) count++;
  }
  return count;
}

/** A stateful sieve that lives in its own thread (a thread-resident actor). */
export class Sieve {
  #found: number[] = [];

  /** Extends the list of primes up to `limit`; returns how many are known. */
  extend(limit: number): number {
    const start = (this.#found.at(-1) ?? 1) + 1;
    for (let n = start; n < limit; n++)
      if (this.#found.every((p) => p * p > n || n % p !== 0)) this.#found.push(n);
    return this.#found.length;
  }

  largest(): number {
    return this.#found.at(-1) ?? 0;
  }
}
