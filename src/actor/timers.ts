/**
 * Keyed timers that send messages to their own actor, through its mailbox, so a timer
 * message is handled one at a time like any other. Starting a timer with a key that is
 * already active replaces it. All timers are cancelled when the actor stops or restarts,
 * and a cancelled timer's message that is already queued is withdrawn, so after `cancel`
 * returns the message will not be handled.
 *
 * The message is named by the handler itself, `this.timers.once("retry", 500, this.retry, 3)`,
 * so that it is type-checked inside the class (where a method *name* cannot be checked
 * against the not-yet-known `this` type). The handler must be one of the actor's messages.
 */
import type { ArgsOf } from "./protocol.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import type { Ticket } from "../mailbox/envelope.js";
import { checkDuration, checkNonNegativeDuration } from "../validation.js";
import { InvalidOptionError } from "../errors.js";

/** What timers need from their actor. */
export interface TimerOwner {
  /** Enqueues a message to self; returns its ticket, or null if the actor takes no more. */
  enqueueSelf(method: string, args: readonly unknown[]): Ticket | null;
  /** Withdraws a still-queued timer message. */
  withdrawTimerMessage(ticket: Ticket): void;
  /** The message name of one of the actor's handlers; throws InvalidOptionError otherwise. */
  messageNameOf(handler: unknown): string;
}

type AnyHandler = (...args: never[]) => unknown;

interface ActiveTimer {
  /** Null once a single-shot timer has fired (its message may still be queued). */
  handle: TimerHandle | null;
  /** The latest message this timer enqueued, withdrawn on cancel if still queued. */
  queued: Ticket | null;
}

export class Timers {
  readonly #owner: TimerOwner;
  readonly #clock: Clock;
  readonly #active = new Map<string, ActiveTimer>();

  /** @internal */
  constructor(owner: TimerOwner, clock: Clock) {
    this.#owner = owner;
    this.#clock = clock;
  }

  /** Sends `handler(...args)` to this actor once, after `delayMs` (0 or more). */
  once<F extends AnyHandler>(key: string, delayMs: number, handler: F, ...args: ArgsOf<F>): void {
    this.#checkKey(key);
    checkNonNegativeDuration("delayMs", delayMs);
    const method = this.#owner.messageNameOf(handler);
    this.cancel(key);
    const timer: ActiveTimer = {
      handle: this.#clock.setTimer(() => {
        timer.handle = null;
        timer.queued = this.#owner.enqueueSelf(method, args);
      }, delayMs),
      queued: null,
    };
    this.#active.set(key, timer);
  }

  /**
   * Sends `handler(...args)` to this actor every `intervalMs` (> 0), at a fixed rate: each
   * tick is scheduled from the previous tick's due time, so ticks do not drift.
   */
  periodic<F extends AnyHandler>(
    key: string,
    intervalMs: number,
    handler: F,
    ...args: ArgsOf<F>
  ): void {
    this.#checkKey(key);
    checkDuration("intervalMs", intervalMs);
    const method = this.#owner.messageNameOf(handler);
    this.cancel(key);
    const timer: ActiveTimer = { handle: {}, queued: null };
    let due = this.#clock.now() + intervalMs;
    const tick = (): void => {
      timer.queued = this.#owner.enqueueSelf(method, args);
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
    if (timer.queued !== null) this.#owner.withdrawTimerMessage(timer.queued);
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
