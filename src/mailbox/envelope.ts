/**
 * The unit of delivery: a method name and its arguments (a plain, serialisable pair, so a
 * remote transport can carry it), plus the pending reply when the sender asked. `tell`
 * allocates exactly one of these and nothing else.
 */
import type { PendingAsk } from "../actor/ask.js";

/** Where an envelope is in its life; small ints so the hot path compares numbers. */
export const QUEUED = 0;
export const STARTED = 1;
export const WITHDRAWN = 2;
export const STASHED = 3;
/** Parked by the backpressure policy, not yet in the mailbox. */
export const WAITING = 4;
export type EnvelopeState =
  typeof QUEUED | typeof STARTED | typeof WITHDRAWN | typeof STASHED | typeof WAITING;

export class Envelope {
  state: EnvelopeState = QUEUED;
  constructor(
    readonly method: string,
    readonly args: unknown[],
    readonly ask: PendingAsk | null,
  ) {}
}
