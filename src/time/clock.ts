/**
 * The one source of time for everything in troupe that waits: ask deadlines, actor timers,
 * restart backoff and (later) rate limiters. Injecting a clock into the ActorSystem lets
 * tests drive all of it in virtual time (see `VirtualClock` in troupe/testing) instead of
 * sleeping. The dispatcher's fairness budget is not clock time: it always uses the real loop.
 */

/** An opaque handle returned by {@link Clock.setTimer}. */
export type TimerHandle = { readonly __timerHandle: unique symbol } | object;

export interface Clock {
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now (0 or more). */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; cancelling a fired or cancelled timer does nothing. */
  clearTimer(handle: TimerHandle): void;
}

/**
 * Node fires a `setTimeout` longer than 2^31 - 1 ms (about 24.8 days) after 1 ms instead, so
 * a long ask timeout or timer would expire at once. Longer delays are split into legs.
 */
const MAX_TIMEOUT = 2_147_483_647;

/** A timer longer than MAX_TIMEOUT: the leg currently armed. */
class LongTimer {
  leg: NodeJS.Timeout | null = null;
}

function setLongTimer(callback: () => void, delayMs: number): LongTimer {
  const timer = new LongTimer();
  const due = performance.now() + delayMs;
  const arm = (): void => {
    const left = due - performance.now();
    timer.leg = left > MAX_TIMEOUT ? setTimeout(arm, MAX_TIMEOUT) : setTimeout(callback, left);
  };
  arm();
  return timer;
}

/** The real clock: `performance.now()` and Node's timers. */
export const systemClock: Clock = {
  now: performance.now.bind(performance), // bound: one call, not a wrapper around one
  setTimer: (callback, delayMs) =>
    delayMs > MAX_TIMEOUT ? setLongTimer(callback, delayMs) : setTimeout(callback, delayMs),
  clearTimer: (handle) => {
    if (handle instanceof LongTimer) {
      if (handle.leg !== null) clearTimeout(handle.leg);
    } else clearTimeout(handle as NodeJS.Timeout);
  },
};
