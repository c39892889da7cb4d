/**
 * The scheduler that drains mailboxes on the event loop. Actors with work wait in a FIFO run
 * queue; each gets a turn of at most `throughput` messages, then goes to the back if it has
 * more (fairness between actors). A drain starts on a microtask after the first message
 * arrives (a native promise job); once it has run for `yieldAfterMs` it continues on `setImmediate`, so timers and
 * I/O get their turn even while an actor works through a flood (fairness with the loop).
 *
 * Ordering: messages from one sender to one receiver are processed in the order sent,
 * because each mailbox is FIFO and an actor is never in the run queue twice.
 */
import { RingBuffer } from "../mailbox/ring-buffer.js";

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

const RESOLVED: Promise<void> = Promise.resolve();

/** The clock is read once per this many messages (or turns), not per message. */
const CHECK_EVERY = 128;

export class Dispatcher {
  readonly throughput: number;
  readonly yieldAfterMs: number;
  readonly #runQueue = new RingBuffer<Schedulable>(64);
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
    return this.#runQueue.length;
  }

  schedule(actor: Schedulable): void {
    if (actor.scheduled) return;
    actor.scheduled = true;
    this.#runQueue.push(actor);
    if (!this.#draining && !this.#pending) {
      this.#pending = true;
      // A native promise job, not queueMicrotask: Node wraps the latter in JS with async
      // context bookkeeping, which cost more than the rest of an ask round trip.
      void RESOLVED.then(this.#drain);
    }
  }

  readonly #drain = (): void => {
    this.#pending = false;
    this.#draining = true;
    const queue = this.#runQueue;
    const limit = this.throughput;
    // The budget starts at the first clock check, not at the drain's start: a drain of a
    // few messages (one ask) then never reads the clock at all.
    let start = -1;
    let sinceCheck = 0;
    try {
      for (let actor = queue.shift(); actor !== undefined; actor = queue.shift()) {
        actor.scheduled = false;
        sinceCheck += actor.runTurn(limit) + 1;
        if (sinceCheck >= CHECK_EVERY) {
          sinceCheck = 0;
          const now = performance.now();
          if (start < 0) start = now;
          else if (now - start >= this.yieldAfterMs && queue.length > 0) {
            this.yields++;
            this.#pending = true;
            setImmediate(this.#drain);
            break;
          }
        }
      }
    } finally {
      this.#draining = false;
    }
  };
}
