/**
 * A clock that only moves when the test says so. Inject it with
 * `new ActorSystem({ clock })` and every ask deadline, actor timer, restart window (and,
 * later, backoff and rate limiter) runs in virtual time: a test of a 30 s timeout takes
 * microseconds and never flakes on a loaded machine.
 *
 * ```ts
 * const clock = new VirtualClock();
 * const system = new ActorSystem({ clock });
 * const reply = ref.with({ timeout: 1000 }).ask("slow");
 * await clock.advance(1000); // fires the deadline, then lets the actors run
 * await expect(reply).rejects.toThrow(AskTimeoutError);
 * ```
 */
import type { Clock, TimerHandle } from "../time/clock.js";
import { InvalidOptionError } from "../errors.js";

interface VirtualTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Lets promise callbacks and the dispatcher's pending turns run (real loop turns, no time). */
export async function flush(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  /** Sorted by (at, seq): earliest first; ties fire in the order they were set. */
  #timers: VirtualTimer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    if (typeof delayMs !== "number" || Number.isNaN(delayMs) || delayMs < 0)
      throw new InvalidOptionError("delayMs", "a number ≥ 0", delayMs);
    const timer: VirtualTimer = {
      at: this.#now + delayMs,
      seq: this.#seq++,
      callback,
      cancelled: false,
    };
    // Binary search for the insertion point keeps the list sorted.
    let lo = 0;
    let hi = this.#timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.#timers[mid] as VirtualTimer;
      if (t.at < timer.at || (t.at === timer.at && t.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.#timers.splice(lo, 0, timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    const timer = handle as VirtualTimer;
    if (timer.cancelled) return;
    timer.cancelled = true;
    const i = this.#timers.indexOf(timer);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the next timer fires, or undefined. */
  get nextAt(): number | undefined {
    return this.#timers[0]?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in order, each at its
   * own time; after each one, promise callbacks and actor turns run before the next.
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
      throw new InvalidOptionError("ms", "a finite number ≥ 0", ms);
    const target = this.#now + ms;
    await flush();
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.at > target) break;
      this.#timers.shift();
      this.#now = next.at;
      next.callback();
      await flush();
    }
    this.#now = target;
    await flush();
  }

  /** Fires timers until none is left (at most `limit`, against runaway periodic timers). */
  async runAll(limit = 10_000): Promise<void> {
    for (let i = 0; i < limit; i++) {
      const next = this.#timers[0];
      if (next === undefined) return;
      await this.advance(next.at - this.#now);
    }
    throw new Error(
      `VirtualClock.runAll: still ${this.#timers.length} timers after ${limit} steps`,
    );
  }
}
