/**
 * A clock whose timers fire only when the test says so, after moving time on by as much as
 * it likes: the situation of a real timer that fires late because the event loop was busy.
 * Unlike VirtualClock, which fires each timer at its own time, `jumpAndFire` sets the new
 * time first and then fires everything that is due, all at once and late.
 */
import type { Clock, TimerHandle } from "../../src/index.js";

interface CrankedTimer {
  readonly callback: () => void;
  readonly at: number;
}

export class HandCrankedClock implements Clock {
  time = 0;
  readonly timers = new Set<CrankedTimer>();

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = { callback, at: this.time + delayMs };
    this.timers.add(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as CrankedTimer);
  }

  /** Jumps to `time` and only then fires the timers that are due (late, all at once). */
  jumpAndFire(time: number): void {
    this.time = time;
    for (const timer of [...this.timers]) {
      if (timer.at <= time) {
        this.timers.delete(timer);
        timer.callback();
      }
    }
  }
}
