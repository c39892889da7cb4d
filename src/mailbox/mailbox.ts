/**
 * A mailbox is a dumb FIFO with a capacity rule; the actor cell decides what a refusal
 * means (an error, a dead letter). Messages are stored in slots of one ring array, five
 * slots a message (method, argc, a0, a1, ticket: see envelope.ts), so queuing a message
 * allocates nothing. `shift()` loads the oldest message into the shared registers
 * (`loaded`), where the actor cell reads it; the registers are shared by every mailbox
 * (40 bytes less per actor) because one message is handled at a time on the loop and
 * `shift()` is called only from the dispatcher's turn, never re-entrantly.
 *
 * Withdrawn messages (an ask that timed out or was aborted while queued, a cancelled timer
 * tick) stay in the ring as tombstones, are skipped when dequeued, and stop counting towards
 * `size` at once, so a withdrawn message frees its slot immediately.
 *
 * Overflow policies for a bounded mailbox:
 * - `reject`: the new message is refused (tell throws, ask rejects with MailboxFullError);
 * - `drop-newest`: the new message is dropped to dead letters;
 * - `drop-oldest`: the oldest queued message is dropped to dead letters to make room;
 * - `backpressure`: senders wait for room with `send()`/`ask()`, in FIFO order; a plain
 *   `tell` into a full mailbox is refused like `reject`.
 */
import { RingBuffer } from "./ring-buffer.js";
import { Envelope, QUEUED, WAITING, WITHDRAWN, type Ticket } from "./envelope.js";

export const OVERFLOW_POLICIES = ["reject", "drop-newest", "drop-oldest", "backpressure"] as const;
export type OverflowPolicy = (typeof OVERFLOW_POLICIES)[number];

/** A sender parked by the backpressure policy until there is room. */
export interface WaitingSender {
  readonly envelope: Envelope;
  /** Called once the message is in the mailbox (null for asks, whose reply is the signal). */
  readonly admitted: (() => void) | null;
  /** Called when the mailbox is closed before the message got in. */
  readonly refused: ((error: Error) => void) | null;
}

/** The message loaded by the last `shift()` of any mailbox. */
export const loaded: {
  method: string;
  argc: number;
  a0: unknown;
  a1: unknown;
  ticket: Ticket | null;
} = { method: "", argc: 0, a0: undefined, a1: undefined, ticket: null };

const STRIDE = 5;
const NO_SLOTS: unknown[] = [];

export class Mailbox {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  #slots: unknown[] = NO_SLOTS; // allocated on the first message: idle actors stay small
  #mask = -1; // message capacity of the ring - 1
  #head = 0; // index of the oldest message
  #count = 0; // messages in the ring, tombstones included
  #size = 0; // live messages
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
  push(method: string, argc: number, a0: unknown, a1: unknown, ticket: Ticket | null): void {
    if (this.#count > this.#mask) this.#grow();
    const i = ((this.#head + this.#count) & this.#mask) * STRIDE;
    const slots = this.#slots;
    slots[i] = method;
    slots[i + 1] = argc;
    slots[i + 2] = a0;
    slots[i + 3] = a1;
    slots[i + 4] = ticket;
    this.#count++;
    this.#size++;
  }

  /** Puts messages back in front, keeping their order (unstash). */
  pushFront(envelopes: readonly Envelope[]): void {
    for (let k = envelopes.length - 1; k >= 0; k--) {
      const e = envelopes[k] as Envelope;
      if (e.ticket !== null) e.ticket.state = QUEUED;
      if (this.#count > this.#mask) this.#grow();
      this.#head = (this.#head - 1) & this.#mask;
      const i = this.#head * STRIDE;
      const slots = this.#slots;
      slots[i] = e.method;
      slots[i + 1] = e.argc;
      slots[i + 2] = e.a0;
      slots[i + 3] = e.a1;
      slots[i + 4] = e.ticket;
      this.#count++;
      this.#size++;
    }
  }

  /** Loads the oldest live message into the registers; false when empty. */
  shift(): boolean {
    const slots = this.#slots;
    while (this.#count > 0) {
      const i = this.#head * STRIDE;
      const ticket = slots[i + 4] as Ticket | null;
      this.#head = (this.#head + 1) & this.#mask;
      this.#count--;
      if (ticket !== null && ticket.state === WITHDRAWN) {
        slots[i] = slots[i + 2] = slots[i + 3] = slots[i + 4] = undefined;
        continue;
      }
      loaded.method = slots[i] as string;
      loaded.argc = slots[i + 1] as number;
      loaded.a0 = slots[i + 2];
      loaded.a1 = slots[i + 3];
      loaded.ticket = ticket;
      slots[i + 2] = slots[i + 3] = slots[i + 4] = undefined; // let arguments be collected
      this.#size--;
      return true;
    }
    return false;
  }

  /** Clears the registers so the last message's arguments can be collected. */
  static release(): void {
    loaded.a0 = undefined;
    loaded.a1 = undefined;
    loaded.ticket = null;
  }

  /** Removes and returns the oldest live message as an object, without touching registers. */
  take(): Envelope | undefined {
    const slots = this.#slots;
    while (this.#count > 0) {
      const i = this.#head * STRIDE;
      const ticket = slots[i + 4] as Ticket | null;
      const envelope = new Envelope(
        slots[i] as string,
        slots[i + 1] as number,
        slots[i + 2],
        slots[i + 3],
        ticket,
      );
      slots[i] = slots[i + 2] = slots[i + 3] = slots[i + 4] = undefined;
      this.#head = (this.#head + 1) & this.#mask;
      this.#count--;
      if (ticket !== null && ticket.state === WITHDRAWN) continue;
      this.#size--;
      return envelope;
    }
    return undefined;
  }

  /** Marks a ticketed message withdrawn; true when it was still queued or waiting. */
  withdraw(ticket: Ticket): boolean {
    if (ticket.state === WAITING) {
      ticket.state = WITHDRAWN; // not counted in size yet
      return true;
    }
    if (ticket.state !== QUEUED) return false;
    ticket.state = WITHDRAWN;
    this.#size--;
    return true;
  }

  /** Parks a sender until there is room (backpressure). */
  wait(sender: WaitingSender): void {
    if (sender.envelope.ticket !== null) sender.envelope.ticket.state = WAITING;
    (this.#waiting ??= new RingBuffer<WaitingSender>()).push(sender);
  }

  /** Moves waiting senders into the mailbox while there is room, in FIFO order. */
  admitWaiting(): void {
    const waiting = this.#waiting;
    if (waiting === null) return;
    while (waiting.length > 0 && this.#size < this.capacity) {
      const sender = waiting.shift() as WaitingSender;
      const e = sender.envelope;
      if (e.ticket !== null) {
        if (e.ticket.state === WITHDRAWN) continue;
        e.ticket.state = QUEUED;
      }
      this.push(e.method, e.argc, e.a0, e.a1, e.ticket);
      sender.admitted?.();
    }
  }

  /** Empties the mailbox and the waiting senders, returning the live messages in order. */
  takeAll(): { queued: Envelope[]; waiting: WaitingSender[] } {
    const queued: Envelope[] = [];
    for (let e = this.take(); e !== undefined; e = this.take()) queued.push(e);
    const waiting = this.#waiting === null ? [] : this.#waiting.drain();
    return {
      queued,
      waiting: waiting.filter((w) => w.envelope.ticket?.state !== WITHDRAWN),
    };
  }

  #grow(): void {
    const old = this.#slots;
    const capacity = old.length === 0 ? 8 : (this.#mask + 1) * 2;
    const slots: unknown[] = [];
    for (let k = 0; k < this.#count; k++) {
      const i = ((this.#head + k) & this.#mask) * STRIDE;
      slots.push(old[i], old[i + 1], old[i + 2], old[i + 3], old[i + 4]);
    }
    for (let k = this.#count * STRIDE; k < capacity * STRIDE; k++) slots.push(undefined);
    this.#slots = slots;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}
