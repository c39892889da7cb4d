/**
 * Restart intensity over a sliding window, as in OTP: remembers when a child restarted and
 * answers whether one more restart would exceed `maxRestarts` within `withinMs`.
 */
export class RestartWindow {
  readonly #times: number[] = [];

  /** Records a restart at `now`; false when it would exceed the limit (not recorded then). */
  tryRecord(now: number, maxRestarts: number, withinMs: number): boolean {
    const times = this.#times;
    while (times.length > 0 && (times[0] as number) <= now - withinMs) times.shift();
    if (times.length >= maxRestarts) return false;
    times.push(now);
    return true;
  }

  get count(): number {
    return this.#times.length;
  }
}
