/**
 * What `system.inspect()` shows of one actor: a plain, serialisable object (the HTTP status
 * API sends it as JSON).
 */
export type ActorStatus =
  "starting" | "running" | "suspended" | "restarting" | "stopping" | "stopped";
export const STATUS_NAMES: readonly ActorStatus[] = [
  "starting",
  "running",
  "suspended",
  "restarting",
  "stopping",
  "stopped",
];

/** A live view of one actor, as returned by `system.inspect()`. */
export interface ActorSnapshot {
  readonly path: string;
  readonly name: string;
  readonly status: ActorStatus;
  /** Messages waiting in the mailbox. */
  readonly mailbox: number;
  /** Senders waiting for room (backpressure). */
  readonly waitingSenders: number;
  readonly stashed: number;
  /** Async handlers currently running. */
  readonly inFlight: number;
  readonly processed: number;
  readonly failed: number;
  readonly restarts: number;
  /** Set while a restart waits for its backoff delay. */
  readonly backoff: BackoffSnapshot | null;
  /** Messages in the mailbox held back by the spawn option `rateLimit` (0 when not waiting). */
  readonly heldByRateLimit: number;
  readonly children: readonly ActorSnapshot[];
}

/** A restart waiting for its backoff delay. */
export interface BackoffSnapshot {
  /** The restart's number within the restart-intensity window. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Clock time (ms) when the restart happens. */
  readonly restartsAt: number;
}
