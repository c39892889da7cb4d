/**
 * A `send` parked by the backpressure policy until its message fits in the mailbox, with the
 * optional deadline (the smaller of `timeout` and `queueTimeout`) and abort signal of the
 * ref view. Every exit (admitted, refused, timed out, aborted) releases the timer and the
 * listener exactly once.
 */
import { AskAbortedError, QueueTimeoutError } from "../errors.js";
import type { Envelope } from "../mailbox/envelope.js";
import type { AskOptions } from "./actor-ref.js";
import type { ActorCell } from "./cell.js";

export class SendWait {
  #timer: ReturnType<ActorCell["runtime"]["clock"]["setTimer"]> | null = null;
  #onAbort: (() => void) | null = null;
  #done = false;

  constructor(
    readonly cell: ActorCell,
    readonly envelope: Envelope,
    readonly options: AskOptions | undefined,
    readonly resolve: () => void,
    readonly reject: (error: unknown) => void,
  ) {
    const limit = Math.min(options?.timeout ?? Infinity, options?.queueTimeout ?? Infinity);
    const clock = cell.runtime.clock;
    if (limit !== Infinity) {
      this.#timer = clock.setTimer(() => {
        this.#timer = null;
        if (cell.mailbox.withdraw(envelope))
          this.refused(new QueueTimeoutError(cell.path, envelope.method, limit, cell.mailbox.size));
      }, limit);
    }
    const signal = options?.signal;
    if (signal !== undefined) {
      this.#onAbort = () => {
        if (cell.mailbox.withdraw(envelope))
          this.refused(new AskAbortedError(cell.path, envelope.method, false, signal.reason));
      };
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  admitted(): void {
    if (this.#finish()) this.resolve();
  }

  refused(error: Error): void {
    if (this.#finish()) this.reject(error);
  }

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    if (this.#timer !== null) this.cell.runtime.clock.clearTimer(this.#timer);
    if (this.#onAbort !== null) this.options?.signal?.removeEventListener("abort", this.#onAbort);
    return true;
  }
}
