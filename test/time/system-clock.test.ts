/**
 * The real clock, driven by vitest's fake timers (no real waiting). Regression: Node fires a
 * setTimeout longer than 2^31 - 1 ms after 1 ms, so a 30-day ask timeout expired at once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../src/index.js";

const DAY = 24 * 60 * 60 * 1000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("systemClock", () => {
  it("fires an ordinary timer after its delay", () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 100);
    vi.advanceTimersByTime(99);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it("bug: a delay past 2^31 - 1 ms fired at once; now it fires after the whole delay", () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 30 * DAY);
    vi.advanceTimersByTime(25 * DAY);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5 * DAY - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it("cancels a long timer in any of its legs", () => {
    const fired = vi.fn();
    const handle = systemClock.setTimer(fired, 60 * DAY);
    vi.advanceTimersByTime(40 * DAY); // past the first leg
    systemClock.clearTimer(handle);
    vi.advanceTimersByTime(30 * DAY);
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
