/**
 * A mailbox is a dumb FIFO with a capacity rule; the actor cell decides what a refusal
 * means (an error, a dead letter). Messages are stored in slots, five a message (method,
 * argc, a0, a1, ticket: see envelope.ts), so queuing a message allocates nothing. The slots
 * live in a chain of segments (8 messages, then 16, … up to 1024 per segment), as in Node's
 * own nextTick queue: a flooded mailbox grows by adding segments, never by copying, and an
 * idle actor holds none. `shift()` loads the oldest message into the shared registers
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
const FIRST_SEGMENT = 8;
const MAX_SEGMENT = 16384;

/** A run of message slots; `head` and `tail` count messages, not slots. */
class Segment {
  readonly slots: unknown[];
  head = 0;
  tail = 0;
  next: Segment | null = null;
  constructor(readonly capacity: number) {
    this.slots = new Array<unknown>(capacity * STRIDE);
  }
}

export class Mailbox {
  /** Most messages held; lowered while the actor waits out a restart backoff. */
  capacity: number;
  overflow: OverflowPolicy;
  #first: Segment | null = null; // allocated on the first message: idle actors hold none
  #last: Segment | null = null;
  #size = 0; // live messages (withdrawn ones excluded)
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

  /**
   * While the actor waits out a restart backoff, the mailbox takes at most `limit` messages
   * and drops the newest past it (to dead letters); `restore` puts the configured capacity
   * and policy back. Changing the two fields, rather than adding a third, keeps an idle
   * actor small and `hasRoom` a single comparison.
   */
  hold(limit: number): void {
    this.capacity = Math.min(this.capacity, limit);
    this.overflow = "drop-newest";
  }

  restore(capacity: number, overflow: OverflowPolicy): void {
    this.capacity = capacity;
    this.overflow = overflow;
  }

  /** Number of senders waiting for room (backpressure policy). */
  get waitingSenders(): number {
    return this.#waiting === null ? 0 : this.#waiting.length;
  }

  /** Appends without a capacity check; the caller checked `hasRoom` or applies a policy. */
  push(method: string, argc: number, a0: unknown, a1: unknown, ticket: Ticket | null): void {
    let segment = this.#last;
    if (segment === null || segment.tail === segment.capacity) segment = this.#append();
    const i = segment.tail * STRIDE;
    const slots = segment.slots;
    slots[i] = method;
    slots[i + 1] = argc;
    slots[i + 2] = a0;
    slots[i + 3] = a1;
    slots[i + 4] = ticket;
    segment.tail++;
    this.#size++;
  }

  #append(): Segment {
    const last = this.#last;
    const segment = new Segment(
      last === null ? FIRST_SEGMENT : Math.min(last.capacity * 2, MAX_SEGMENT),
    );
    if (last === null) this.#first = segment;
    else last.next = segment;
    this.#last = segment;
    return segment;
  }

  /** Puts messages back in front, keeping their order (unstash). */
  pushFront(envelopes: readonly Envelope[]): void {
    if (envelopes.length === 0) return;
    let first = this.#first;
    if (first === null || first.head < envelopes.length) {
      // A segment of its own in front, filled up to its end.
      const segment = new Segment(Math.max(envelopes.length, FIRST_SEGMENT));
      segment.head = segment.tail = segment.capacity;
      segment.next = first;
      if (first === null) this.#last = segment;
      this.#first = first = segment;
    }
    for (let k = envelopes.length - 1; k >= 0; k--) {
      const e = envelopes[k] as Envelope;
      if (e.ticket !== null) e.ticket.state = QUEUED;
      first.head--;
      const i = first.head * STRIDE;
      const slots = first.slots;
      slots[i] = e.method;
      slots[i + 1] = e.argc;
      slots[i + 2] = e.a0;
      slots[i + 3] = e.a1;
      slots[i + 4] = e.ticket;
      this.#size++;
    }
  }

  /** The segment holding the oldest message, dropping used-up segments; null when empty. */
  #front(): Segment | null {
    for (;;) {
      const segment = this.#first;
      if (segment === null) return null;
      if (segment.head !== segment.tail) return segment;
      if (segment.next === null) {
        segment.head = segment.tail = 0; // empty: reuse it for the next messages
        return null;
      }
      this.#first = segment.next; // used up: let it go
    }
  }

  /** Loads the oldest live message into the registers; false when empty. */
  shift(): boolean {
    for (let segment = this.#front(); segment !== null; segment = this.#front()) {
      const slots = segment.slots;
      const i = segment.head * STRIDE;
      segment.head++;
      const ticket = slots[i + 4] as Ticket | null;
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
    for (let segment = this.#front(); segment !== null; segment = this.#front()) {
      const slots = segment.slots;
      const i = segment.head * STRIDE;
      segment.head++;
      const ticket = slots[i + 4] as Ticket | null;
      const envelope = new Envelope(
        slots[i] as string,
        slots[i + 1] as number,
        slots[i + 2],
        slots[i + 3],
        ticket,
      );
      slots[i] = slots[i + 2] = slots[i + 3] = slots[i + 4] = undefined;
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
}
