/**
 * The scheduler that drains mailboxes on the event loop. Actors with work wait in a FIFO run
 * queue; each gets a turn of at most `throughput` messages, then goes to the back if it has
 * more (fairness between actors). A drain starts on a microtask after the first message
 * arrives; once it has run for `yieldAfterMs` it continues on `setImmediate`, so timers and
 * I/O get their turn even while an actor works through a flood (fairness with the loop).
 *
 * Ordering: messages from one sender to one receiver are processed in the order sent,
 * because each mailbox is FIFO and an actor is never in the run queue twice.
 */

/** Something with a mailbox the dispatcher can give turns to. */
export interface Schedulable {
  /** True while in the run queue; owned by the dispatcher. */
  scheduled: boolean;
  /**
   * Processes up to `limit` messages and returns how many it processed. Must not throw.
   * It reschedules itself (`dispatcher.schedule`) if it still has runnable work.
   */
  runTurn(limit: number): number;
}

export interface DispatcherOptions {
  /**
   * Messages an actor processes per turn before the next actor runs.
   * @default 64
   */
  readonly throughput?: number;
  /**
   * Longest stretch of processing before yielding to the event loop, in ms.
   * @default 5
   */
  readonly yieldAfterMs?: number;
}

/** The clock is read once per this many messages (or turns), not per message. */
const CHECK_EVERY = 128;

export class Dispatcher {
  readonly throughput: number;
  readonly yieldAfterMs: number;
  readonly #runQueue: Schedulable[] = [];
  #head = 0;
  #draining = false;
  #pending = false;
  /** Number of times a drain yielded to the event loop (for tests and inspection). */
  yields = 0;

  constructor(options: DispatcherOptions = {}) {
    this.throughput = options.throughput ?? 64;
    this.yieldAfterMs = options.yieldAfterMs ?? 5;
  }

  /** Number of actors waiting for a turn. */
  get queued(): number {
    return this.#runQueue.length - this.#head;
  }

  schedule(actor: Schedulable): void {
    if (actor.scheduled) return;
    actor.scheduled = true;
    this.#runQueue.push(actor);
    if (!this.#draining && !this.#pending) {
      this.#pending = true;
      queueMicrotask(this.#drain);
    }
  }

  readonly #drain = (): void => {
    this.#pending = false;
    this.#draining = true;
    const start = performance.now();
    const limit = this.throughput;
    let sinceCheck = 0;
    try {
      const queue = this.#runQueue;
      while (this.#head < queue.length) {
        const actor = queue[this.#head] as Schedulable;
        queue[this.#head++] = undefined as unknown as Schedulable;
        actor.scheduled = false;
        sinceCheck += actor.runTurn(limit) + 1;
        if (sinceCheck >= CHECK_EVERY) {
          sinceCheck = 0;
          if (performance.now() - start >= this.yieldAfterMs && this.#head < queue.length) {
            this.yields++;
            this.#pending = true;
            setImmediate(this.#drain);
            break;
          }
        }
        // Compact the array queue now and then instead of shifting per turn.
        if (this.#head >= 1024 && this.#head * 2 >= queue.length) {
          queue.splice(0, this.#head);
          this.#head = 0;
        }
      }
      if (this.#head === queue.length) {
        queue.length = 0;
        this.#head = 0;
      }
    } finally {
      this.#draining = false;
    }
  };
}
