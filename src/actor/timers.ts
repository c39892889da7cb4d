/**
 * Keyed timers that send messages to their own actor, through its mailbox, so a timer
 * message is handled one at a time like any other. Starting a timer with a key that is
 * already active replaces it. All timers are cancelled when the actor stops or restarts,
 * and a cancelled timer's message that is already queued is withdrawn, so after `cancel`
 * returns the message will not be handled.
 *
 * The message is written as the call it stands for, `this.timers.once("retry", 500, (self) =>
 * self.retry(3))`, so that it is fully type-checked inside the class; the call is recorded
 * once (see call-recorder.ts) and sent as a plain message each time the timer fires.
 */
import { recordCall } from "./call-recorder.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import { QUEUED, type Ticket } from "../mailbox/envelope.js";
import { checkDuration, checkNonNegativeDuration } from "../validation.js";
import { InvalidOptionError } from "../errors.js";

/** What timers need from their actor. */
export interface TimerOwner {
  /** Enqueues a message to self; returns its ticket, or null if the actor takes no more. */
  enqueueSelf(method: string, args: readonly unknown[]): Ticket | null;
  /** Withdraws a still-queued timer message. */
  withdrawTimerMessage(ticket: Ticket): void;
  /** Throws UnknownMessageError when the actor has no such message. */
  checkMethod(method: string): void;
}

interface ActiveTimer {
  /** Null once a single-shot timer has fired (its message may still be queued). */
  handle: TimerHandle | null;
  /** Messages this timer enqueued that may still be queued; withdrawn on cancel. */
  queued: Ticket[];
}

/** Keeps a tick's ticket, forgetting the ones already handled (ticks run in order). */
function remember(timer: ActiveTimer, ticket: Ticket | null): void {
  const queued = timer.queued;
  while (queued.length > 0 && (queued[0] as Ticket).state !== QUEUED) queued.shift();
  if (ticket !== null) queued.push(ticket);
}

export class Timers<Self = unknown> {
  readonly #owner: TimerOwner;
  readonly #clock: Clock;
  readonly #active = new Map<string, ActiveTimer>();

  /** @internal */
  constructor(owner: TimerOwner, clock: Clock) {
    this.#owner = owner;
    this.#clock = clock;
  }

  /** Sends `message` (a call like `(self) => self.tick()`) to this actor once, after `delayMs`. */
  once(key: string, delayMs: number, message: (self: Self) => unknown): void {
    this.#checkKey(key);
    checkNonNegativeDuration("delayMs", delayMs);
    const { method, args } = recordCall("message", message);
    this.#owner.checkMethod(method);
    this.cancel(key);
    const timer: ActiveTimer = {
      handle: this.#clock.setTimer(() => {
        timer.handle = null;
        remember(timer, this.#owner.enqueueSelf(method, args));
      }, delayMs),
      queued: [],
    };
    this.#active.set(key, timer);
  }

  /**
   * Sends `message` to this actor every `intervalMs` (> 0), at a fixed rate: each tick is
   * scheduled from the previous tick's due time, so ticks do not drift.
   */
  periodic(key: string, intervalMs: number, message: (self: Self) => unknown): void {
    this.#checkKey(key);
    checkDuration("intervalMs", intervalMs);
    const { method, args } = recordCall("message", message);
    this.#owner.checkMethod(method);
    this.cancel(key);
    const timer: ActiveTimer = { handle: {}, queued: [] };
    let due = this.#clock.now() + intervalMs;
    const tick = (): void => {
      remember(timer, this.#owner.enqueueSelf(method, args));
      due += intervalMs;
      timer.handle = this.#clock.setTimer(tick, Math.max(0, due - this.#clock.now()));
    };
    timer.handle = this.#clock.setTimer(tick, intervalMs);
    this.#active.set(key, timer);
  }

  /** Cancels the timer with this key (and withdraws its queued message); no-op if none. */
  cancel(key: string): void {
    const timer = this.#active.get(key);
    if (timer === undefined) return;
    this.#active.delete(key);
    if (timer.handle !== null) this.#clock.clearTimer(timer.handle);
    for (const ticket of timer.queued) this.#owner.withdrawTimerMessage(ticket);
  }

  /** True while the timer with this key is scheduled to fire. */
  isActive(key: string): boolean {
    const timer = this.#active.get(key);
    return timer !== undefined && timer.handle !== null;
  }

  /** Keys of the timers scheduled to fire. */
  get keys(): string[] {
    return [...this.#active.keys()].filter((key) => this.isActive(key));
  }

  cancelAll(): void {
    for (const key of [...this.#active.keys()]) this.cancel(key);
  }

  #checkKey(key: unknown): void {
    if (typeof key !== "string" || key.length === 0)
      throw new InvalidOptionError("key", "a non-empty string", key);
  }
}
