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

/**
 * The ticket of an asked message: its state in the mailbox and the reply promise. Fields
 * are TypeScript-private (named), not `#private`, for the V8 reason given on ActorCell.
 */
/** What only asks with `queueTimeout`, `runTimeout` or a `signal` need: kept off the common path. */
class AskPhases {
  queueDeadline: PhaseDeadline | null = null;
  runTimeoutMs = Infinity;
  runDeadline: PhaseDeadline | null = null;
  signal: AbortSignal | null = null;
  onAbort: (() => void) | null = null;
}

export class PendingAsk extends DeadlineEntry implements Ticket {
  state: TicketState = QUEUED;
  readonly promise: Promise<unknown>;
  /** The message, kept for errors and dead letters (arguments packed as in the mailbox). */
  readonly method: string;
  readonly argc: number;
  readonly a0: unknown;
  readonly a1: unknown;
  private _resolve!: (value: unknown) => void;
  private _reject!: (error: unknown) => void;
  private _settled = false;
  private readonly _target: AskTarget;
  private readonly _deadlines: DeadlineQueue;
  private readonly _timeoutMs: number;
  private _phases: AskPhases | null = null;

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
      this._resolve = resolve;
      this._reject = reject;
    });
    this._target = target;
    this._deadlines = deadlines;
    this._timeoutMs = timeoutMs;
    if (timeoutMs !== Infinity) deadlines.add(this, timeoutMs);
    if (queueTimeoutMs === Infinity && runTimeoutMs === Infinity && signal === undefined) return;
    const phases = (this._phases = new AskPhases());
    if (queueTimeoutMs !== Infinity) {
      phases.queueDeadline = new PhaseDeadline(this, "queue", queueTimeoutMs);
      deadlines.add(phases.queueDeadline, queueTimeoutMs);
    }
    phases.runTimeoutMs = runTimeoutMs;
    if (signal !== undefined) {
      phases.signal = signal;
      phases.onAbort = () => this.#aborted();
      signal.addEventListener("abort", phases.onAbort, { once: true });
    }
  }

  get settled(): boolean {
    return this._settled;
  }

  /** The handler started: the queue deadline ends and the run deadline begins. */
  started(): void {
    this.state = STARTED;
    const phases = this._phases;
    if (phases === null) return;
    if (phases.queueDeadline !== null) {
      this._deadlines.remove(phases.queueDeadline);
      phases.queueDeadline = null;
    }
    if (phases.runTimeoutMs !== Infinity) {
      phases.runDeadline = new PhaseDeadline(this, "run", phases.runTimeoutMs);
      this._deadlines.add(phases.runDeadline, phases.runTimeoutMs);
    }
  }

  resolve(value: unknown): void {
    if (this.#settle()) this._resolve(value);
  }

  reject(error: unknown): void {
    if (this.#settle()) this._reject(error);
  }

  /** Timeout of the whole wait. */
  onDeadline(): void {
    const started = !this.#withdraw("timed-out");
    this.reject(new AskTimeoutError(this._target.path, this.method, this._timeoutMs, started));
  }

  phaseExpired(deadline: PhaseDeadline): void {
    const phases = this._phases as AskPhases; // phase deadlines exist only with phases
    if (deadline.phase === "queue") {
      if (deadline !== phases.queueDeadline) return;
      phases.queueDeadline = null;
      if (!this.#withdraw("timed-out")) return; // started meanwhile
      this.reject(
        new QueueTimeoutError(
          this._target.path,
          this.method,
          deadline.ms,
          this._target.mailboxDepth,
        ),
      );
    } else {
      phases.runDeadline = null;
      this.reject(new RunTimeoutError(this._target.path, this.method, deadline.ms));
    }
  }

  #aborted(): void {
    const phases = this._phases as AskPhases; // the listener exists only with phases
    phases.onAbort = null; // `once` already removed it
    const started = !this.#withdraw("aborted");
    this.reject(
      new AskAbortedError(
        this._target.path,
        this.method,
        started,
        (phases.signal as AbortSignal).reason,
      ),
    );
  }

  #withdraw(reason: "timed-out" | "aborted"): boolean {
    return !this._settled && this._target.withdraw(this, reason);
  }

  /** Marks settled and releases every deadline and listener; false if already settled. */
  #settle(): boolean {
    if (this._settled) return false;
    this._settled = true;
    if (this.list !== null) this._deadlines.remove(this);
    const phases = this._phases;
    if (phases !== null) {
      if (phases.queueDeadline !== null) this._deadlines.remove(phases.queueDeadline);
      if (phases.runDeadline !== null) this._deadlines.remove(phases.runDeadline);
      phases.queueDeadline = phases.runDeadline = null;
      if (phases.onAbort !== null) {
        (phases.signal as AbortSignal).removeEventListener("abort", phases.onAbort);
        phases.onAbort = null;
      }
    }
    return true;
  }
}
