/**
 * The parts of an actor cell that most actors never need, allocated on first use so that an
 * idle actor stays small (children, death watch, timers, stash, restart history, the state
 * of a stop in progress), plus small helpers the cell shares with them.
 */
import type { RateLimiter } from "../concurrency/rate-limiter.js";
import type { TerminationReason } from "./actor.js";
import type { ActorCell } from "./cell.js";
import type { ActorContext } from "./context.js";
import type { Timers } from "./timers.js";
import type { Envelope, Ticket } from "../mailbox/envelope.js";
import type { RingBuffer } from "../mailbox/ring-buffer.js";
import type { RestartWindow } from "../supervision/restart-window.js";
import type { BackoffState } from "../supervision/backoff.js";
import type { BackoffSnapshot } from "./snapshot.js";

export interface TerminatedNotice {
  readonly watchee: ActorCell;
  readonly reason: TerminationReason;
}

/** A child's key among its siblings: its name, or the number of a generated `$` name. */
export type ChildKey = string | number;

export const NO_CHILDREN: ReadonlyMap<ChildKey, ActorCell> = new Map();

/**
 * The key for a name: a generated name (`$` + base 36, which users cannot choose) maps back
 * to its number; anything else, including look-alikes such as `$00`, stays a string.
 */
export function keyOf(name: string): ChildKey {
  if (name.charCodeAt(0) !== 36 /* $ */) return name;
  const n = parseInt(name.slice(1), 36);
  return Number.isSafeInteger(n) && `$${n.toString(36)}` === name ? n : name;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** Rarely used state, allocated on first use so that an idle actor stays small. */
export class Extras {
  /** By key, in start order (leaves have none, so it lives here, not on every cell). */
  children: Map<ChildKey, ActorCell> | null = null;
  watchers: Set<ActorCell> | null = null;
  watching: Set<ActorCell> | null = null;
  timers: Timers | null = null;
  stash: RingBuffer<Envelope> | null = null;
  context: ActorContext | null = null;
  restartWindow: RestartWindow | null = null;
  /** The failure to pass to `onRestart` on the next start. */
  restartError: Error | null = null;
  /** Tickets whose async handler is running (rejected if a stop deadline passes). */
  running: Set<Ticket> | null = null;
  notices: RingBuffer<TerminatedNotice> | null = null;
  stopPromise: Promise<void> | null = null;
  idleWaiter: (() => void) | null = null;
  termination: TerminationReason | null = null;
  failed = 0;
  restarts = 0;
  /** The message whose handler failed, held for redelivery (strategy `redeliver` > 0). */
  failing: { readonly envelope: Envelope; readonly error: Error; readonly count: number } | null =
    null;
  /** The ticket of the message last redelivered, and how often it has been, to count retries. */
  redelivered: Ticket | null = null;
  redeliveries = 0;
  /** A permanent actor stopping itself: its parent will put a new actor in its place. */
  respawning = false;
  /** The group restart this actor belongs to now (a later one takes over an earlier one). */
  restartRun: object | null = null;
  /** Backoff waits of this actor's children (they end when this actor stops). */
  backoffWaits: Set<{ memberStopped(): void }> | null = null;
  /** The backoff wait this actor is part of (it ends early once all its actors stopped). */
  backoffWait: { memberStopped(): void } | null = null;
  /** This actor's restart backoff (attempts, reset after a quiet period). */
  backoffState: BackoffState | null = null;
  /** While a restart waits for its backoff delay: when and why. */
  backoff: BackoffSnapshot | null = null;
  /** The current instance's onStop has run (a restart whose factory failed): not twice. */
  instanceStopped = false;
  /** Aborted when the current incarnation ends (stop or restart); made on first use. */
  incarnation: AbortController | null = null;
  /** The spawn option rateLimit's limiter (made from options on first use; kept on restart). */
  limiter: RateLimiter | null = null;
  /** Waiting in the limiter's line for the next message's token. */
  rateWaiting = false;
  /** Tokens taken for messages that have not run yet. */
  ratePrepaid = 0;
}
