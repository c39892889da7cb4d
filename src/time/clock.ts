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

/** The real clock: `performance.now()` and Node's timers. */
export const systemClock: Clock = {
  now: performance.now.bind(performance), // bound: one call, not a wrapper around one
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
