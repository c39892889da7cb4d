/**
 * The reply side of an ask: one promise and up to three deadlines, each with its own error,
 * because users of every pool and queue library confuse them:
 * - `timeout`: the caller's whole wait (AskTimeoutError);
 * - `queueTimeout`: time waiting in the mailbox before the handler starts (QueueTimeoutError);
 * - `runTimeout`: time the handler runs (RunTimeoutError).
 * Deadlines live in the system's DeadlineQueue (no timer per ask); an abort listener is
 * added only when a signal is given. Every exit path (reply, error, deadline, abort,
 * withdrawal) goes through `#settle`, which removes deadlines and the listener.
 */
import { AskAbortedError, AskTimeoutError, QueueTimeoutError, RunTimeoutError } from "../errors.js";
import { DeadlineEntry, type DeadlineQueue } from "../time/deadline-queue.js";
import { QUEUED, STARTED, type Ticket, type TicketState } from "../mailbox/envelope.js";

/** What an ask needs from its target to withdraw a queued message. */
export interface AskTarget {
  readonly path: string;
  readonly mailboxDepth: number;
  /** Removes the ask's message if it is still queued (or stashed); true when it was. */
  withdraw(ask: PendingAsk, reason: "timed-out" | "aborted"): boolean;
}

class PhaseDeadline extends DeadlineEntry {
  constructor(
    readonly ask: PendingAsk,
    readonly phase: "queue" | "run",
    readonly ms: number,
  ) {
    super();
  }
  onDeadline(): void {
    this.ask.phaseExpired(this);
  }
}

/** The ticket of an asked message: its state in the mailbox and the reply promise. */
export class PendingAsk extends DeadlineEntry implements Ticket {
  state: TicketState = QUEUED;
  readonly promise: Promise<unknown>;
  /** The message, kept for errors and dead letters (arguments packed as in the mailbox). */
  readonly method: string;
  readonly argc: number;
  readonly a0: unknown;
  readonly a1: unknown;
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;
  #settled = false;
  readonly #target: AskTarget;
  readonly #deadlines: DeadlineQueue;
  readonly #timeoutMs: number;
  #queueDeadline: PhaseDeadline | null = null;
  #runTimeoutMs = Infinity;
  #runDeadline: PhaseDeadline | null = null;
  #signal: AbortSignal | null = null;
  #onAbort: (() => void) | null = null;

  constructor(
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    target: AskTarget,
    deadlines: DeadlineQueue,
    timeoutMs: number,
    queueTimeoutMs: number,
    runTimeoutMs: number,
    signal: AbortSignal | undefined,
  ) {
    super();
    this.method = method;
    this.argc = argc;
    this.a0 = a0;
    this.a1 = a1;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#target = target;
    this.#deadlines = deadlines;
    this.#timeoutMs = timeoutMs;
    if (timeoutMs !== Infinity) deadlines.add(this, timeoutMs);
    if (queueTimeoutMs !== Infinity) {
      this.#queueDeadline = new PhaseDeadline(this, "queue", queueTimeoutMs);
      deadlines.add(this.#queueDeadline, queueTimeoutMs);
    }
    this.#runTimeoutMs = runTimeoutMs;
    if (signal !== undefined) {
      this.#signal = signal;
      this.#onAbort = () => this.#aborted();
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** The handler started: the queue deadline ends and the run deadline begins. */
  started(): void {
    this.state = STARTED;
    if (this.#queueDeadline !== null) {
      this.#deadlines.remove(this.#queueDeadline);
      this.#queueDeadline = null;
    }
    if (this.#runTimeoutMs !== Infinity) {
      this.#runDeadline = new PhaseDeadline(this, "run", this.#runTimeoutMs);
      this.#deadlines.add(this.#runDeadline, this.#runTimeoutMs);
    }
  }

  resolve(value: unknown): void {
    if (this.#settle()) this.#resolve(value);
  }

  reject(error: unknown): void {
    if (this.#settle()) this.#reject(error);
  }

  /** Timeout of the whole wait. */
  onDeadline(): void {
    const started = !this.#withdraw("timed-out");
    this.reject(new AskTimeoutError(this.#target.path, this.method, this.#timeoutMs, started));
  }

  phaseExpired(deadline: PhaseDeadline): void {
    if (deadline.phase === "queue") {
      if (deadline !== this.#queueDeadline) return;
      this.#queueDeadline = null;
      if (!this.#withdraw("timed-out")) return; // started meanwhile
      this.reject(
        new QueueTimeoutError(
          this.#target.path,
          this.method,
          deadline.ms,
          this.#target.mailboxDepth,
        ),
      );
    } else {
      this.#runDeadline = null;
      this.reject(new RunTimeoutError(this.#target.path, this.method, deadline.ms));
    }
  }

  #aborted(): void {
    this.#onAbort = null; // `once` already removed it
    const started = !this.#withdraw("aborted");
    this.reject(
      new AskAbortedError(
        this.#target.path,
        this.method,
        started,
        (this.#signal as AbortSignal).reason,
      ),
    );
  }

  #withdraw(reason: "timed-out" | "aborted"): boolean {
    return !this.#settled && this.#target.withdraw(this, reason);
  }

  /** Marks settled and releases every deadline and listener; false if already settled. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    if (this.list !== null) this.#deadlines.remove(this);
    if (this.#queueDeadline !== null) this.#deadlines.remove(this.#queueDeadline);
    if (this.#runDeadline !== null) this.#deadlines.remove(this.#runDeadline);
    this.#queueDeadline = this.#runDeadline = null;
    if (this.#onAbort !== null) {
      (this.#signal as AbortSignal).removeEventListener("abort", this.#onAbort);
      this.#onAbort = null;
    }
    return true;
  }
}
