/**
 * A `send` parked by the backpressure policy until its message fits in the mailbox, with the
 * optional deadline (the smaller of `timeout` and `queueTimeout`) and abort signal of the
 * ref view. It is the message's ticket, so the mailbox can withdraw it. Every exit
 * (admitted, refused, timed out, aborted) releases the timer and the listener exactly once.
 */
import { AskAbortedError, QueueTimeoutError } from "../errors.js";
import { QUEUED, STARTED, type Ticket, type TicketState } from "../mailbox/envelope.js";
import type { TimerHandle } from "../time/clock.js";
import type { AskOptions } from "./actor-ref.js";
import type { ActorCell } from "./cell.js";

export class SendWait implements Ticket {
  state: TicketState = QUEUED;
  #timer: TimerHandle | null = null;
  #onAbort: (() => void) | null = null;
  #done = false;
  readonly #cell: ActorCell;
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: () => void;
  readonly #reject: (error: unknown) => void;

  constructor(
    cell: ActorCell,
    method: string,
    options: AskOptions | undefined,
    resolve: () => void,
    reject: (error: unknown) => void,
  ) {
    this.#cell = cell;
    this.#resolve = resolve;
    this.#reject = reject;
    const limit = Math.min(options?.timeout ?? Infinity, options?.queueTimeout ?? Infinity);
    const clock = cell.runtime.clock;
    if (limit !== Infinity) {
      this.#timer = clock.setTimer(() => {
        this.#timer = null;
        if (cell.mailbox.withdraw(this))
          this.refused(new QueueTimeoutError(cell.path, method, limit, cell.mailbox.size));
      }, limit);
    }
    const signal = options?.signal;
    this.#signal = signal;
    if (signal !== undefined) {
      this.#onAbort = () => {
        if (cell.mailbox.withdraw(this))
          this.refused(new AskAbortedError(cell.path, method, false, signal.reason));
      };
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** The message got into the mailbox: the send resolves. */
  admitted(): void {
    if (this.#finish()) this.#resolve();
  }

  /** The message will never get in. */
  refused(error: Error): void {
    if (this.#finish()) this.#reject(error);
  }

  // Once admitted it is an ordinary message: the handler's outcome goes nowhere.
  started(): void {
    this.state = STARTED;
  }
  resolve(): void {}
  reject(): void {}

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    if (this.#timer !== null) this.#cell.runtime.clock.clearTimer(this.#timer);
    if (this.#onAbort !== null) this.#signal?.removeEventListener("abort", this.#onAbort);
    return true;
  }
}
