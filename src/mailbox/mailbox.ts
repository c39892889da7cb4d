/**
 * A mailbox is a dumb FIFO with a capacity rule; the actor cell decides what a refusal
 * means (an error, a dead letter). Withdrawn envelopes (an ask that timed out or was
 * aborted while queued) stay in the ring as tombstones, are skipped when dequeued, and stop
 * counting towards `size` at once, so a withdrawn ask frees its slot immediately.
 *
 * Overflow policies for a bounded mailbox:
 * - `reject`: the new message is refused (tell throws, ask rejects with MailboxFullError);
 * - `drop-newest`: the new message is dropped to dead letters;
 * - `drop-oldest`: the oldest queued message is dropped to dead letters to make room;
 * - `backpressure`: senders wait for room with `send()`/`ask()`, in FIFO order; a plain
 *   `tell` into a full mailbox is refused like `reject`.
 */
import { RingBuffer } from "./ring-buffer.js";
import { QUEUED, WAITING, WITHDRAWN, type Envelope } from "./envelope.js";

export const OVERFLOW_POLICIES = ["reject", "drop-newest", "drop-oldest", "backpressure"] as const;
export type OverflowPolicy = (typeof OVERFLOW_POLICIES)[number];

/** A sender parked by the backpressure policy until there is room. */
export interface WaitingSender {
  readonly envelope: Envelope;
  /** Called once the envelope is in the mailbox (null for asks, whose reply is the signal). */
  readonly admitted: (() => void) | null;
  /** Called when the mailbox is closed before the envelope got in. */
  readonly refused: ((error: Error) => void) | null;
}

export class Mailbox {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly #queue = new RingBuffer<Envelope>();
  #size = 0;
  #waiting: RingBuffer<WaitingSender> | null = null;

  constructor(capacity: number, overflow: OverflowPolicy) {
    this.capacity = capacity;
    this.overflow = overflow;
  }

  /** Live messages queued (withdrawn ones excluded). */
  get size(): number {
    return this.#size;
  }

  get hasRoom(): boolean {
    return this.#size < this.capacity && (this.#waiting === null || this.#waiting.length === 0);
  }

  /** Number of senders waiting for room (backpressure policy). */
  get waitingSenders(): number {
    return this.#waiting === null ? 0 : this.#waiting.length;
  }

  /** Appends without a capacity check; the caller checked `hasRoom` or applies a policy. */
  push(envelope: Envelope): void {
    this.#queue.push(envelope);
    this.#size++;
  }

  /** Puts envelopes back in front, keeping their order (unstash). */
  pushFront(envelopes: readonly Envelope[]): void {
    for (let i = envelopes.length - 1; i >= 0; i--) {
      const envelope = envelopes[i] as Envelope;
      envelope.state = QUEUED;
      this.#queue.unshift(envelope);
      this.#size++;
    }
  }

  /** The oldest live envelope, or undefined. Skips withdrawn tombstones. */
  shift(): Envelope | undefined {
    for (;;) {
      const envelope = this.#queue.shift();
      if (envelope === undefined) return undefined;
      if (envelope.state !== WITHDRAWN) {
        this.#size--;
        return envelope;
      }
    }
  }

  /** Marks a queued envelope withdrawn; true when it was still queued. */
  withdraw(envelope: Envelope): boolean {
    if (envelope.state === WAITING) {
      envelope.state = WITHDRAWN; // not counted in size yet
      return true;
    }
    if (envelope.state !== QUEUED) return false;
    envelope.state = WITHDRAWN;
    this.#size--;
    return true;
  }

  /** Parks a sender until there is room (backpressure). */
  wait(sender: WaitingSender): void {
    sender.envelope.state = WAITING;
    (this.#waiting ??= new RingBuffer<WaitingSender>()).push(sender);
  }

  /** Moves waiting senders into the mailbox while there is room. */
  admitWaiting(): void {
    const waiting = this.#waiting;
    if (waiting === null) return;
    while (waiting.length > 0 && this.#size < this.capacity) {
      const sender = waiting.shift() as WaitingSender;
      if (sender.envelope.state === WITHDRAWN) continue;
      sender.envelope.state = QUEUED;
      this.push(sender.envelope);
      sender.admitted?.();
    }
  }

  /** Empties the mailbox and the waiting senders, returning the live envelopes in order. */
  takeAll(): { queued: Envelope[]; waiting: WaitingSender[] } {
    const queued: Envelope[] = [];
    for (let e = this.shift(); e !== undefined; e = this.shift()) queued.push(e);
    const waiting = this.#waiting === null ? [] : this.#waiting.drain();
    return { queued, waiting: waiting.filter((w) => w.envelope.state !== WITHDRAWN) };
  }
}
