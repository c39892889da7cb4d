/**
 * How a message is carried. On the hot path a message is never an object: the mailbox
 * stores its parts in slots (method, argument count, the first two arguments inline — or the
 * array of all arguments when there are more — and an optional ticket), so `tell` with up to
 * two arguments allocates nothing. An `Envelope` object is made only off the hot path: when a
 * message is stashed, waits for room, or becomes a dead letter. Both forms are a method name
 * plus serialisable arguments, so a remote transport can carry them.
 *
 * A ticket tracks one message that may have to be found again after it was queued: an ask's
 * reply (withdrawn on timeout or abort), a timer tick (withdrawn on cancel), a waiting send.
 */

/** Where a ticketed message is in its life; small ints so the hot path compares numbers. */
export const QUEUED = 0;
export const STARTED = 1;
export const WITHDRAWN = 2;
export const STASHED = 3;
/** Parked by the backpressure policy, not yet in the mailbox. */
export const WAITING = 4;
export type TicketState =
  typeof QUEUED | typeof STARTED | typeof WITHDRAWN | typeof STASHED | typeof WAITING;

/** Follows one queued message; see the module comment. */
export interface Ticket {
  state: TicketState;
  /** The handler is about to run. */
  started(): void;
  /** The handler returned (or its promise resolved) with `value`. */
  resolve(value: unknown): void;
  /** The handler failed, or the message cannot be delivered. */
  reject(error: unknown): void;
}

/** A ticket that only tracks state (timer ticks): replies go nowhere. */
export class PlainTicket implements Ticket {
  state: TicketState = QUEUED;
  started(): void {
    this.state = STARTED;
  }
  resolve(): void {}
  reject(): void {}
}

/** Arguments as an array, from their packed form. */
export function unpackArgs(argc: number, a0: unknown, a1: unknown): unknown[] {
  switch (argc) {
    case 0:
      return [];
    case 1:
      return [a0];
    case 2:
      return [a0, a1];
    default:
      return a0 as unknown[];
  }
}

/** A message as an object, for the paths that need one (stash, backpressure, dead letters). */
export class Envelope {
  constructor(
    readonly method: string,
    readonly argc: number,
    readonly a0: unknown,
    readonly a1: unknown,
    readonly ticket: Ticket | null,
  ) {}

  get args(): unknown[] {
    return unpackArgs(this.argc, this.a0, this.a1);
  }
}
