/**
 * The engine behind one actor: its mailbox, its current instance, its lifecycle status and
 * its place in the tree. The Actor class and ActorRef are thin public faces over it.
 *
 * Status, checked by every entry point:
 * - `starting`: created; `onRestart`/`onStart` have not finished. Messages queue.
 * - `running`: handles messages, one at a time (or up to `concurrency` async handlers).
 * - `suspended`: a failure is with the supervisor. Messages queue.
 * - `restarting`: children and the old instance are stopping; a new one is being made.
 * - `stopping` / `stopped`: takes no more messages; tell → dead letter, ask → ActorStoppedError.
 *
 * A stop request first sets `closing` (new messages are refused), lets in-flight handlers
 * finish (and, when draining, the queued messages too) until the deadline, rejects whatever
 * is left, stops the children in reverse start order, runs `onStop`, and tells the watchers.
 */
import {
  ActorStartError,
  ActorStoppedError,
  AskAbortedError,
  DuplicateNameError,
  InvalidOptionError,
  MaxRestartsExceededError,
  StashOutsideHandlerError,
  StashOverflowError,
  SystemShutDownError,
  UnknownMessageError,
  toError,
} from "../errors.js";
import {
  Envelope,
  PlainTicket,
  STASHED,
  WITHDRAWN,
  unpackArgs,
  type Ticket,
} from "../mailbox/envelope.js";
import { loaded, Mailbox } from "../mailbox/mailbox.js";
import { RingBuffer } from "../mailbox/ring-buffer.js";
import type { Schedulable } from "../dispatch/dispatcher.js";
import type { FailurePhase } from "../system/events.js";
import type { Runtime } from "../system/runtime.js";
import { RestartWindow } from "../supervision/restart-window.js";
import { defaultStrategy, type SupervisorStrategy } from "../supervision/strategy.js";
import { BackoffState } from "../supervision/backoff.js";
import { decideFailure } from "../supervision/decide.js";
import { Actor, constructWith, lifecycle, type TerminationReason } from "./actor.js";
import { ActorRef, deliveryOf, type AskOptions, type Delivery } from "./actor-ref.js";
import { PendingAsk, type AskTarget } from "./ask.js";
import { SendWait } from "./send-wait.js";
import { isActorClass, type ActorClass, type ActorFactory } from "./factory.js";
import { STATUS_NAMES, type ActorSnapshot, type ActorStatus } from "./snapshot.js";
import { ActorContext } from "./context.js";
import { protocolOf, type Protocol } from "./protocol.js";
import { answerRemaining, runStopHook } from "./stopping.js";
import { emitOverflow, overflow } from "./overflow.js";
import {
  Extras,
  NO_CHILDREN,
  isThenable,
  keyOf,
  type ChildKey,
  type TerminatedNotice,
} from "./cell-extras.js";
import { Timers, type TimerOwner } from "./timers.js";
import {
  checkActorName,
  resolveSpawnOptions,
  type ResolvedSpawnOptions,
  type SpawnOptions,
} from "./spawn-options.js";

const STARTING = 0;
const RUNNING = 1;
const SUSPENDED = 2;
const RESTARTING = 3;
const STOPPING = 4;
const STOPPED = 5;
type Status = 0 | 1 | 2 | 3 | 4 | 5;

// Bits of ActorCell._flags.
const IS_CLASS = 1;
const HOOK_BUSY = 2;
const CLOSING = 4;
const DRAINING = 8;
const IN_HANDLER = 16;
const STASHED_CURRENT = 32;

// The engine's state is in TypeScript-private named fields, not `#private` ones: V8 defines
// `#fields` with keyed stores, which fall back to a slow dictionary object past 12
// out-of-object properties. That happened here: when every cell had died and full GCs
// collected the class's map transitions before its in-object slack tracking finished, new
// cells got no in-object slots and went to dictionary mode (1.9 KB instead of ~0.5 KB per
// actor, spawn 3x slower). Named fields stay fast up to 128 properties. The class is
// internal; the public faces (ActorRef, Actor, ActorSystem) keep `#private` state.
export class ActorCell implements Delivery, AskTarget, TimerOwner, Schedulable {
  readonly runtime: Runtime;
  readonly parent: ActorCell | null;
  /** The name, or for a generated name (`$` + base 36) just its number: no string per actor. */
  readonly key: ChildKey;
  readonly ref: ActorRef;
  readonly mailbox: Mailbox;
  private readonly _factory: ActorClass<Actor> | ActorFactory<Actor>;
  private readonly _options: ResolvedSpawnOptions;
  private _instance!: Actor;
  private _protocol!: Protocol;
  private _status: Status = STARTING;
  scheduled = false;
  private _inFlight = 0;
  /** Bumped on restart and stop, so late settlements of old handlers are ignored. */
  private _incarnation = 0;
  /** The boolean state below, packed in one field (an idle actor is 40 bytes smaller). */
  private _flags = 0;

  /** The factory is an Actor subclass (called with `new`). */
  private get _isClass(): boolean {
    return (this._flags & IS_CLASS) !== 0;
  }
  /** A lifecycle hook's promise is pending: nothing else runs. */
  private get _hookBusy(): boolean {
    return (this._flags & HOOK_BUSY) !== 0;
  }
  private set _hookBusy(on: boolean) {
    this._flags = on ? this._flags | HOOK_BUSY : this._flags & ~HOOK_BUSY;
  }
  /** A stop was requested: new messages are refused. */
  private get _closing(): boolean {
    return (this._flags & CLOSING) !== 0;
  }
  private set _closing(on: boolean) {
    this._flags = on ? this._flags | CLOSING : this._flags & ~CLOSING;
  }
  /** While closing, keep processing queued messages. */
  private get _draining(): boolean {
    return (this._flags & DRAINING) !== 0;
  }
  private set _draining(on: boolean) {
    this._flags = on ? this._flags | DRAINING : this._flags & ~DRAINING;
  }
  /** A handler's synchronous part is running (stash is allowed, stop must wait). */
  private get _inHandler(): boolean {
    return (this._flags & IN_HANDLER) !== 0;
  }
  private set _inHandler(on: boolean) {
    this._flags = on ? this._flags | IN_HANDLER : this._flags & ~IN_HANDLER;
  }
  /** The running handler stashed its message. */
  private get _stashed(): boolean {
    return (this._flags & STASHED_CURRENT) !== 0;
  }
  private set _stashed(on: boolean) {
    this._flags = on ? this._flags | STASHED_CURRENT : this._flags & ~STASHED_CURRENT;
  }

  private _x: Extras | null = null;
  processed = 0;

  constructor(
    runtime: Runtime,
    parent: ActorCell | null,
    key: ChildKey,
    factory: ActorClass<Actor> | ActorFactory<Actor>,
    options: ResolvedSpawnOptions,
  ) {
    this.runtime = runtime;
    this.parent = parent;
    this.key = key;
    this._factory = factory;
    if (isActorClass(factory)) this._flags = IS_CLASS;
    this._options = options;
    this.mailbox = new Mailbox(options.capacity, options.overflow);
    this.ref = new ActorRef(this);
  }

  // ---------------------------------------------------------------- identity and state

  /** Computed on demand (errors, events, inspection), so an idle actor does not hold it. */
  get path(): string {
    return this.parent === null ? `/${this.name}` : `${this.parent.path}/${this.name}`;
  }

  get name(): string {
    const key = this.key;
    return typeof key === "number" ? `$${key.toString(36)}` : key;
  }

  get alive(): boolean {
    return this._status !== STOPPED;
  }

  get status(): ActorStatus {
    return STATUS_NAMES[this._status] as ActorStatus;
  }

  get mailboxDepth(): number {
    return this.mailbox.size;
  }

  get instance(): Actor {
    return this._instance;
  }

  get children(): IterableIterator<ActorCell> {
    return (this._x?.children ?? NO_CHILDREN).values();
  }

  child(name: string): ActorCell | undefined {
    const children = this._x?.children;
    return children == null ? undefined : children.get(keyOf(name));
  }

  get context(): ActorContext {
    const x = this.#extras();
    return (x.context ??= new ActorContext(this, cellOf));
  }

  get timers(): Timers {
    const x = this.#extras();
    return (x.timers ??= new Timers(this, this.runtime.clock));
  }

  get stashSize(): number {
    return this._x?.stash?.length ?? 0;
  }

  snapshot(): ActorSnapshot {
    return {
      path: this.path,
      name: this.name,
      status: this.status,
      mailbox: this.mailbox.size,
      waitingSenders: this.mailbox.waitingSenders,
      stashed: this.stashSize,
      inFlight: this._inFlight,
      processed: this.processed,
      failed: this._x?.failed ?? 0,
      restarts: this._x?.restarts ?? 0,
      backoff: this._x?.backoff ?? null,
      children: [...this.children].map((c) => c.snapshot()),
    };
  }

  #extras(): Extras {
    return (this._x ??= new Extras());
  }

  /** Creates the first instance; throws ActorStartError if the factory throws. */
  create(): void {
    this._instance = this.#makeInstance();
    this.runtime.dispatcher.schedule(this);
  }

  #makeInstance(): Actor {
    let instance: unknown;
    try {
      instance = constructWith(this, this._factory, this._isClass);
    } catch (error) {
      throw this.#startFailed(error);
    }
    if (!(instance instanceof Actor)) {
      throw this.#startFailed(
        new InvalidOptionError(
          "factory",
          "a function returning an instance of an Actor subclass",
          instance,
        ),
      );
    }
    if (!lifecycle.bind(instance, this)) {
      throw this.#startFailed(
        new InvalidOptionError(
          "factory",
          "a function returning a new actor instance on each call (restart never reuses the failed one)",
          instance,
        ),
      );
    }
    this._protocol = protocolOf(instance, Actor.prototype);
    if (this._x !== null) this._x.instanceStopped = false;
    return instance;
  }

  /** A constructor may have spawned children before it threw: stop them, leave no orphans. */
  #startFailed(cause: unknown): ActorStartError {
    if (this._x?.children != null && this._x.children.size > 0) {
      void this.#stopChildren({ kind: "stopped" }, false, this.runtime.clock.now());
    }
    return new ActorStartError(this.path, cause);
  }

  // ---------------------------------------------------------------- delivery

  #unknown(method: string): UnknownMessageError {
    return new UnknownMessageError(this.path, method, [...this._protocol.handlers.keys()]);
  }

  checkMethod(method: string): void {
    if (this._protocol.lookup(method) === undefined) throw this.#unknown(method);
  }

  /** The error for a message that arrives after the actor began stopping. */
  #stoppedError(method: string): Error {
    return this.runtime.terminated
      ? new SystemShutDownError(this.runtime.name, `Sending "${method}" to ${this.path}`)
      : new ActorStoppedError(this.path, method);
  }

  tell(method: string, argc: number, a0: unknown, a1: unknown): void {
    if (this._closing) {
      if (this.runtime.terminated) throw this.#stoppedError(method);
      const reason = this.runtime.closed ? "shutdown" : "actor-stopped";
      this.runtime.deadLetter(this.path, method, unpackArgs(argc, a0, a1), reason);
      return;
    }
    if (this._protocol.lookup(method) === undefined) throw this.#unknown(method);
    const mailbox = this.mailbox;
    if (mailbox.hasRoom) mailbox.push(method, argc, a0, a1, null);
    else overflow(this.path, this.runtime, this.mailbox, method, argc, a0, a1, null);
    if (!this.scheduled) this.#afterWork();
  }

  ask(
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    options: AskOptions | undefined,
  ): Promise<unknown> {
    if (this._closing) return Promise.reject(this.#stoppedError(method));
    if (this._protocol.lookup(method) === undefined) return Promise.reject(this.#unknown(method));
    let timeout = this.runtime.askTimeout;
    let queueTimeout = Infinity;
    let runTimeout = Infinity;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      timeout = options.timeout ?? timeout;
      queueTimeout = options.queueTimeout ?? Infinity;
      runTimeout = options.runTimeout ?? Infinity;
      signal = options.signal;
      if (signal?.aborted === true)
        return Promise.reject(new AskAbortedError(this.path, method, false, signal.reason));
    }
    const ask = new PendingAsk(
      method,
      argc,
      a0,
      a1,
      this,
      this.runtime.deadlines,
      timeout,
      queueTimeout,
      runTimeout,
      signal,
    );
    const mailbox = this.mailbox;
    if (mailbox.hasRoom) mailbox.push(method, argc, a0, a1, ask);
    else if (mailbox.overflow === "backpressure") {
      emitOverflow(this.path, this.runtime, this.mailbox);
      const envelope = new Envelope(method, argc, a0, a1, ask);
      mailbox.wait({ envelope, admitted: null, refused: null });
    } else overflow(this.path, this.runtime, this.mailbox, method, argc, a0, a1, ask);
    if (!this.scheduled) this.#afterWork();
    return ask.promise;
  }

  send(
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    options: AskOptions | undefined,
  ): Promise<void> {
    if (this._closing) return Promise.reject(this.#stoppedError(method));
    if (this._protocol.lookup(method) === undefined) return Promise.reject(this.#unknown(method));
    const signal = options?.signal;
    if (signal?.aborted === true)
      return Promise.reject(new AskAbortedError(this.path, method, false, signal.reason));
    const mailbox = this.mailbox;
    if (mailbox.hasRoom || mailbox.overflow !== "backpressure") {
      try {
        this.tell(method, argc, a0, a1);
      } catch (error) {
        return Promise.reject(toError(error, this.path));
      }
      return Promise.resolve();
    }
    emitOverflow(this.path, this.runtime, this.mailbox);
    return new Promise<void>((resolve, reject) => {
      const wait = new SendWait(this, method, options, resolve, reject);
      mailbox.wait({
        envelope: new Envelope(method, argc, a0, a1, wait),
        admitted: () => wait.admitted(),
        refused: (e) => wait.refused(e),
      });
    });
  }

  withdraw(ask: PendingAsk, reason: "timed-out" | "aborted"): boolean {
    let withdrawn: boolean;
    if (ask.state === STASHED) {
      ask.state = WITHDRAWN; // unstashAll skips it
      withdrawn = true;
    } else {
      withdrawn = this.mailbox.withdraw(ask);
      if (withdrawn && this.mailbox.waitingSenders > 0) {
        this.mailbox.admitWaiting();
        if (!this.scheduled) this.#afterWork();
      }
    }
    if (withdrawn)
      this.runtime.deadLetter(this.path, ask.method, unpackArgs(ask.argc, ask.a0, ask.a1), reason);
    return withdrawn;
  }

  enqueueSelf(method: string, args: readonly unknown[]): Ticket | null {
    if (this._closing) {
      this.runtime.deadLetter(this.path, method, [...args], "actor-stopped");
      return null;
    }
    const ticket = new PlainTicket();
    const argc = args.length;
    const a0 = argc > 2 ? args : args[0];
    const a1 = argc > 2 ? undefined : args[1];
    if (this.mailbox.hasRoom) this.mailbox.push(method, argc, a0, a1, ticket);
    else {
      try {
        overflow(this.path, this.runtime, this.mailbox, method, argc, a0, a1, null);
      } catch {
        this.runtime.deadLetter(this.path, method, [...args], "mailbox-full");
        return null;
      }
    }
    if (!this.scheduled) this.#afterWork();
    return ticket;
  }

  withdrawTimerMessage(ticket: Ticket): void {
    if (this.mailbox.withdraw(ticket) && this.mailbox.waitingSenders > 0)
      this.mailbox.admitWaiting();
  }

  // ---------------------------------------------------------------- processing

  runTurn(limit: number): number {
    if (this._x?.notices != null && this._x.notices.length > 0 && this._inFlight === 0)
      this.#processNotices();
    if (this._status === STARTING && !this._hookBusy) this.#start();
    const mailbox = this.mailbox;
    const concurrency = this._options.concurrency;
    let n = 0;
    while (
      n < limit &&
      this._status === RUNNING &&
      !this._hookBusy &&
      this._inFlight < concurrency &&
      (!this._closing || this._draining) &&
      mailbox.shift()
    ) {
      n++;
      this.#invoke();
      if (this._x?.notices != null && this._x.notices.length > 0 && this._inFlight === 0)
        this.#processNotices();
    }
    Mailbox.release();
    if (mailbox.waitingSenders > 0 && (!this._closing || this._draining)) mailbox.admitWaiting();
    this.#afterWork();
    return n;
  }

  /** Reschedules if there is runnable work, else wakes a stop that waits for idleness. */
  #afterWork(): void {
    if (this.#hasRunnableWork()) this.runtime.dispatcher.schedule(this);
    else if (this._x?.idleWaiter != null && this.#isIdle()) {
      const wake = this._x.idleWaiter;
      this._x.idleWaiter = null;
      wake();
    }
  }

  #hasRunnableWork(): boolean {
    if (this._hookBusy) return false;
    switch (this._status) {
      case STARTING:
        return true;
      case RUNNING:
        return (
          (this._x?.notices != null && this._x.notices.length > 0 && this._inFlight === 0) ||
          (this.mailbox.size > 0 &&
            this._inFlight < this._options.concurrency &&
            (!this._closing || this._draining))
        );
      case SUSPENDED:
      case RESTARTING:
      case STOPPING:
      case STOPPED:
        return false;
      default:
        return this._status satisfies never;
    }
  }

  #isIdle(): boolean {
    if (this._hookBusy || this._inFlight > 0 || this._inHandler) return false;
    if (this._status === RESTARTING && this._x?.backoff != null) return true; // waiting only
    if (this._status === SUSPENDED) return true;
    if (this._status !== RUNNING) return false;
    return !this._draining || (this.mailbox.size === 0 && this.mailbox.waitingSenders === 0);
  }

  /** Runs the message just loaded into the mailbox's registers. */
  #invoke(): void {
    const method = loaded.method;
    const argc = loaded.argc;
    const a0 = loaded.a0;
    const a1 = loaded.a1;
    const ticket = loaded.ticket;
    if (ticket !== null) ticket.started();
    const handler = this._protocol.lookup(method);
    if (handler === undefined) {
      // Only reachable when a restart's factory produced another class without this method.
      const error = this.#unknown(method);
      if (ticket instanceof PendingAsk) ticket.reject(error);
      else this.runtime.deadLetter(this.path, method, unpackArgs(argc, a0, a1), "unknown-message");
      return;
    }
    const instance = this._instance;
    this._inHandler = true;
    let result: unknown;
    try {
      switch (argc) {
        case 0:
          result = handler.call(instance);
          break;
        case 1:
          result = handler.call(instance, a0);
          break;
        case 2:
          result = handler.call(instance, a0, a1);
          break;
        default:
          result = handler.apply(instance, a0 as unknown[]);
      }
    } catch (thrown) {
      this._inHandler = false;
      this._stashed = false;
      const error = toError(thrown, this.path);
      if (this.#redeliverLimit() > 0) this.#holdFailing(error, method, argc, a0, a1, ticket);
      else if (ticket !== null) ticket.reject(error);
      this.#fail(error, "handler", method);
      return;
    }
    this._inHandler = false;
    if (this._stashed) {
      this._stashed = false; // the handler stashed its message: no reply yet
      return;
    }
    if (isThenable(result)) {
      this.#park(method, argc, a0, a1, ticket, result);
      return;
    }
    this.processed++;
    if (ticket !== null) ticket.resolve(result);
  }

  /** An async handler is pending: count it, and resume when it settles. */
  #park(
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    ticket: Ticket | null,
    pending: PromiseLike<unknown>,
  ): void {
    this._inFlight++;
    const incarnation = this._incarnation;
    if (ticket !== null) (this.#extras().running ??= new Set()).add(ticket);
    const settle = (ok: boolean, value: unknown): void => {
      if (ticket !== null) {
        this._x?.running?.delete(ticket);
        if (ok) ticket.resolve(value);
      }
      if (incarnation !== this._incarnation) {
        // The instance that ran this handler was replaced or stopped: answer, report, move on.
        if (!ok) {
          const error = toError(value, this.path);
          if (ticket !== null) ticket.reject(error);
          this.#report(error, "handler", method);
        }
        return;
      }
      this._inFlight--;
      if (ok) this.processed++;
      else {
        const error = toError(value, this.path);
        if (this.#redeliverLimit() > 0) this.#holdFailing(error, method, argc, a0, a1, ticket);
        else if (ticket !== null) ticket.reject(error);
        this.#fail(error, "handler", method);
      }
      this.#afterWork();
    };
    try {
      pending.then(
        (value) => settle(true, value),
        (error: unknown) => settle(false, error),
      );
    } catch (error) {
      settle(false, error);
    }
  }

  /** Runs a lifecycle hook; an async one blocks the actor until it settles. */
  #runHook(phase: FailurePhase, call: () => unknown, then: () => void): void {
    let result: unknown;
    try {
      result = call();
    } catch (error) {
      this.#fail(toError(error, this.path), phase);
      return;
    }
    if (isThenable(result)) this.#awaitHook(phase, result, then);
    else then();
  }

  /** An async hook: nothing else runs until it settles. */
  #awaitHook(phase: FailurePhase, pending: PromiseLike<unknown>, then: () => void): void {
    this._hookBusy = true;
    const incarnation = this._incarnation;
    const settle = (ok: boolean, error: unknown): void => {
      if (incarnation !== this._incarnation) {
        if (!ok) this.#report(toError(error, this.path), phase);
        return;
      }
      this._hookBusy = false;
      if (ok) then();
      else this.#fail(toError(error, this.path), phase);
      this.#afterWork();
    };
    try {
      pending.then(
        () => settle(true, undefined),
        (error: unknown) => settle(false, error),
      );
    } catch (error) {
      settle(false, error);
    }
  }

  #start(): void {
    const restartError = this._x?.restartError ?? null;
    if (restartError === null) {
      this.#runOnStart();
      return;
    }
    (this._x as Extras).restartError = null;
    const instance = this._instance;
    this.#runHook(
      "onRestart",
      () => lifecycle.onRestart(instance, restartError),
      () => this.#runOnStart(),
    );
  }

  /** onStart without closures on the common synchronous path (spawn rate depends on it). */
  #runOnStart(): void {
    let result: unknown;
    try {
      result = lifecycle.onStart(this._instance);
    } catch (error) {
      this.#fail(toError(error, this.path), "onStart");
      return;
    }
    if (isThenable(result)) this.#awaitHook("onStart", result, () => this.#started());
    else this.#started();
  }

  #started(): void {
    this._status = RUNNING;
    // The root guardian is not an actor users see (inspect() and lookup() leave it out).
    if (this.parent !== null && this.runtime.listening("started"))
      this.runtime.emit("started", { path: this.path });
  }

  #processNotices(): void {
    const notices = (this._x as Extras).notices as RingBuffer<TerminatedNotice>;
    // onTerminated is handled like a message: never beside a running handler.
    while (
      notices.length > 0 &&
      this._status === RUNNING &&
      !this._hookBusy &&
      this._inFlight === 0
    ) {
      const notice = notices.shift() as TerminatedNotice;
      const watching = this._x?.watching;
      if (watching == null || !watching.delete(notice.watchee)) continue; // unwatched meanwhile
      const instance = this._instance;
      this.#runHook(
        "onTerminated",
        () => lifecycle.onTerminated(instance, notice.watchee.ref, notice.reason),
        () => {},
      );
    }
  }

  // ---------------------------------------------------------------- failure and supervision

  #report(error: Error, phase: FailurePhase, method?: string): void {
    this.#extras().failed++;
    if (this.runtime.listening("failed")) {
      this.runtime.emit(
        "failed",
        method === undefined
          ? { path: this.path, error, phase }
          : { path: this.path, error, phase, method },
      );
    }
  }

  /** A failure of this actor: report it and hand it to the supervisor. */
  #fail(error: Error, phase: FailurePhase, method?: string): void {
    this.#report(error, phase, method);
    if (this._closing) {
      // A stopping actor is not restarted. If it failed while starting, it will not start:
      // leave it suspended so the stop can finish (instead of retrying onStart forever).
      if (this._status === STARTING) this._status = SUSPENDED;
      this.#settleFailing(false);
      return;
    }
    // One already with its supervisor is not sent twice.
    if (this._status === SUSPENDED || this._status === RESTARTING) return;
    this.#toSupervisor(error);
  }

  #toSupervisor(error: Error): void {
    this._status = SUSPENDED;
    const parent = this.parent;
    if (parent === null) {
      // The root guardian has no supervisor: stop what failed, cleanly.
      void this.stop({ kind: "failed", error }, false, this.runtime.stopTimeout);
      return;
    }
    parent.#supervise(this, error);
  }

  /** How often the parent's strategy redelivers a failing message (0: never). */
  #redeliverLimit(): number {
    return this.parent === null ? 0 : (this.parent._options.supervision?.redeliver ?? 0);
  }

  /** Keeps the failing message (and its pending ask) until the supervisor has decided. */
  #holdFailing(
    error: Error,
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    ticket: Ticket | null,
  ): void {
    const x = this.#extras();
    if (x.failing !== null) {
      ticket?.reject(error); // one failing message is held at a time; this one is answered
      return;
    }
    const held = ticket ?? new PlainTicket(); // a ticket gives the message an identity
    const count = held === x.redelivered ? x.redeliveries + 1 : 1;
    x.failing = { envelope: new Envelope(method, argc, a0, a1, held), error, count };
  }

  /**
   * After the supervisor's decision: a restarted actor gets its failing message back in
   * front of its mailbox, within the limit; otherwise the message's ask is rejected with the
   * error and, past the limit, the message is a dead letter "poison".
   */
  #settleFailing(restarted: boolean): void {
    const x = this._x;
    const failing = x?.failing ?? null;
    if (x === null || failing === null) return;
    x.failing = null;
    const { envelope, error, count } = failing;
    const ticket = envelope.ticket as Ticket;
    if (restarted && count <= this.#redeliverLimit()) {
      x.redelivered = ticket;
      x.redeliveries = count;
      this.mailbox.pushFront([envelope]);
      return;
    }
    x.redelivered = null;
    x.redeliveries = 0;
    ticket.state = WITHDRAWN;
    ticket.reject(error);
    if (restarted) this.runtime.deadLetter(this.path, envelope.method, envelope.args, "poison");
  }

  /** Applies this actor's strategy to a failed child (see supervision/strategy.ts). */
  #supervise(child: ActorCell, error: Error): void {
    const strategy = this._options.supervision ?? defaultStrategy;
    const action = decideFailure(
      strategy,
      (child.#extras().restartWindow ??= new RestartWindow()),
      this.runtime.clock.now(),
      error,
      child.ref,
    );
    if (
      (action.kind === "stop" || action.kind === "escalate") &&
      action.error instanceof MaxRestartsExceededError &&
      this.runtime.listening("maxRestartsExceeded")
    )
      this.runtime.emit("maxRestartsExceeded", {
        path: child.path,
        maxRestarts: strategy.maxRestarts,
        withinMs: strategy.withinMs,
        then: action.kind === "stop" ? "stop-child" : "escalate",
      });
    if (action.kind !== "restart" || child._options.restart === "temporary")
      child.#settleFailing(false);
    switch (action.kind) {
      case "resume":
        child.#resume();
        return;
      case "restart":
        if (child._options.restart === "temporary") child.#stopForFailure(error);
        else void this.#restartGroup(child, error, action.attempt, strategy);
        return;
      case "stop":
        child.#stopForFailure(action.error);
        return;
      case "escalate":
        this.#escalate(child, action.error, action.exceeded);
        return;
      default:
        action satisfies never;
    }
  }

  /**
   * A child's failure this actor cannot handle. Past the restart intensity (OTP) the
   * children are stopped in reverse start order first. At the root, the system's fatal
   * policy applies: a `fatal` event, the `onFatal` hook, and the failed tree is stopped.
   */
  #escalate(child: ActorCell, error: Error, exceeded: boolean): void {
    if (this.parent === null) {
      this.runtime.fatal(child.path, error);
      child.#stopForFailure(error);
      return;
    }
    if (this.runtime.listening("escalated"))
      this.runtime.emit("escalated", { path: this.path, child: child.path, error });
    if (!exceeded) {
      this.#fail(error, "escalated");
      return;
    }
    this._status = SUSPENDED; // no more messages while the children stop
    const deadline = this.runtime.clock.now() + this.runtime.stopTimeout;
    void this.#stopChildren({ kind: "failed", error }, false, deadline).then(() => {
      this._status = RUNNING; // so that #fail hands it on instead of treating it as handled
      this.#fail(error, "escalated");
    });
  }

  #stopForFailure(error: Error): void {
    void this.stop({ kind: "failed", error }, false, this.runtime.stopTimeout);
  }

  #resume(): void {
    if (this._status !== SUSPENDED) return;
    this._status = RUNNING;
    for (const child of this.children) child.#resume();
    this.#afterWork();
  }

  /**
   * Restarts `failed` and, by the strategy's kind, its siblings: all of them (one-for-all)
   * or those started after it (rest-for-one). The group is suspended at once, torn down in
   * reverse start order, then, after the backoff delay, re-created in start order.
   * Temporary siblings in the group are stopped, not restarted.
   */
  async #restartGroup(
    failed: ActorCell,
    error: Error,
    attempt: number,
    strategy: SupervisorStrategy,
    exited = false,
  ): Promise<void> {
    // `exited`: `failed` has already stopped (a permanent child that stopped itself) and is
    // replaced by a new actor at the same place.
    const siblings = [...this.children].filter((c) => c === failed || !c._closing);
    let group: ActorCell[];
    switch (strategy.kind) {
      case "one-for-one":
        group = [failed];
        break;
      case "one-for-all":
        group = siblings;
        break;
      case "rest-for-one":
        group = siblings.slice(Math.max(0, siblings.indexOf(failed)));
        break;
      default:
        return strategy.kind satisfies never;
    }
    if (!group.includes(failed)) group.unshift(failed);
    const alive = exited ? group.filter((c) => c !== failed) : group;
    // A later group restart that takes in an actor still waiting here takes it over.
    const run = {};
    for (const c of alive) {
      c.#extras().restartRun = run;
      if (c._status !== RESTARTING) c._status = SUSPENDED;
    }
    let delayMs = 0;
    if (strategy.backoff !== null) {
      // The failed child's backoff state: the attempt counts up, and resets after it ran
      // `resetAfter` ms without failing (see backoff.ts).
      const failedX = failed.#extras();
      if (failedX.backoffState?.policy !== strategy.backoff)
        failedX.backoffState = new BackoffState(strategy.backoff);
      const step = failedX.backoffState.next(this.runtime.clock.now());
      attempt = step.attempt;
      delayMs = step.delayMs;
    }
    for (const c of [...alive].reverse()) {
      if (c !== failed && c._options.restart === "temporary") await c.#stopForFailureDone(error);
      else await c.#teardown();
    }
    if (delayMs > 0) {
      const restartsAt = this.runtime.clock.now() + delayMs;
      const clock = this.runtime.clock;
      await new Promise<void>((resolve) => {
        // The wait ends at the delay, or at once when every waiting actor has been stopped.
        const waits = (this.#extras().backoffWaits ??= new Set());
        const finish = (): void => {
          waits.delete(wait);
          resolve();
        };
        const timer = clock.setTimer(finish, delayMs);
        const wait = {
          memberStopped: (): void => {
            if (this._closing || (alive.length > 0 && alive.every((c) => c._closing))) {
              clock.clearTimer(timer);
              finish();
            }
          },
        };
        waits.add(wait);
        for (const c of alive) {
          const x = c.#extras();
          c.mailbox.holdLimit = strategy.backoffBuffer;
          x.backoff = { attempt, delayMs, restartsAt };
          x.backoffWait = wait;
          c.#afterWork(); // a stop that waits for this actor need not wait for the delay
        }
      });
      for (const c of alive) {
        c.mailbox.holdLimit = Infinity;
        if (c._x !== null) c._x.backoff = c._x.backoffWait = null;
      }
    }
    for (const c of group) {
      if (c === failed && exited) this.#replace(c, error, attempt, delayMs);
      else if (c._status === RESTARTING && c._x?.restartRun === run)
        c.#recreate(error, attempt, delayMs);
    }
  }

  #stopForFailureDone(error: Error): Promise<void> {
    return this.stop({ kind: "failed", error }, false, this.#shutdownTimeout());
  }

  /** The first half of a restart: the old instance, its children and timers go. */
  async #teardown(): Promise<void> {
    this._status = RESTARTING;
    this._incarnation++;
    this._inFlight = 0;
    this._hookBusy = false;
    const x = this.#extras();
    x.timers?.cancelAll();
    this.unstashAll();
    const old = this._instance;
    const deadline = this.runtime.clock.now() + this.#shutdownTimeout();
    await this.#stopChildren({ kind: "stopped" }, false, deadline);
    if (!x.instanceStopped) {
      x.instanceStopped = true;
      await runStopHook(this.path, old, deadline, this.runtime.clock, (e) =>
        this.#report(e, "onStop"),
      );
    }
    // The old instance is done: an async handler of it that resumes later has no context
    // (NoActorContextError), so it cannot spawn or stop anything under the new instance.
    lifecycle.unbind(old);
  }

  /** The second half: a new instance from the factory; the mailbox was kept. */
  #recreate(error: Error, attempt: number, delayMs: number): void {
    if (this._closing) {
      this._status = SUSPENDED;
      this.#afterWork();
      return;
    }
    try {
      this._instance = this.#makeInstance();
    } catch (startError) {
      // Still the old instance's failure from the supervisor's point of view: decide again.
      this.#report(startError as Error, "factory");
      this.#toSupervisor(startError as Error);
      return;
    }
    const x = this.#extras();
    x.restarts++;
    x.restartError = error;
    this.#settleFailing(true);
    this._status = STARTING;
    if (this.runtime.listening("restarted"))
      this.runtime.emit("restarted", {
        path: this.path,
        error,
        restarts: x.restarts,
        attempt,
        delayMs,
      });
    this.#afterWork();
  }

  /** A permanent child stopped itself: it comes back as a new actor (same name, new ref). */
  #respawn(old: ActorCell): void {
    const strategy = this._options.supervision ?? defaultStrategy;
    const window = (old.#extras().restartWindow ??= new RestartWindow()); // the new actor keeps it
    const exit = new ActorStoppedError(old.path);
    if (this._closing || this.runtime.closed) {
      this._x?.children?.delete(old.key);
      return;
    }
    if (!window.tryRecord(this.runtime.clock.now(), strategy.maxRestarts, strategy.withinMs)) {
      this._x?.children?.delete(old.key);
      const exceeded = new MaxRestartsExceededError(
        old.path,
        strategy.maxRestarts,
        strategy.withinMs,
        exit,
      );
      if (this.runtime.listening("maxRestartsExceeded"))
        this.runtime.emit("maxRestartsExceeded", {
          path: old.path,
          maxRestarts: strategy.maxRestarts,
          withinMs: strategy.withinMs,
          then: strategy.whenExceeded,
        });
      if (strategy.whenExceeded === "escalate") this.#escalate(old, exceeded, true);
      return;
    }
    // As OTP: a permanent child's exit restarts the strategy's group, like a failure would.
    void this.#restartGroup(old, exit, window.count, strategy, true);
  }

  /** A new actor in the place (same key, same position among siblings) of a stopped one. */
  #replace(old: ActorCell, error: Error, attempt: number, delayMs: number): void {
    const children = this._x?.children;
    // The place may be gone (this supervisor restarted or is stopping meanwhile).
    if (children == null || children.get(old.key) !== old) return;
    if (this._closing || this.runtime.closed) {
      children.delete(old.key);
      return;
    }
    const cell = new ActorCell(this.runtime, this, old.key, old._factory, old._options);
    const x = cell.#extras();
    x.restartWindow = old._x?.restartWindow ?? null;
    x.backoffState = old._x?.backoffState ?? null;
    x.restarts = (old._x?.restarts ?? 0) + 1;
    try {
      cell.create();
    } catch (startError) {
      children.delete(old.key);
      this.#report(startError as Error, "factory");
      return;
    }
    children.set(old.key, cell); // the key is still there: the position is kept
    if (this.runtime.listening("restarted"))
      this.runtime.emit("restarted", {
        path: cell.path,
        error,
        restarts: x.restarts,
        attempt,
        delayMs,
      });
  }

  /** How long this actor gets when its parent stops it. */
  #shutdownTimeout(): number {
    return this._options.shutdownTimeout ?? this.runtime.stopTimeout;
  }

  // ---------------------------------------------------------------- children

  spawn<A extends Actor>(
    actor: ActorClass<A> | ActorFactory<A>,
    options: SpawnOptions | undefined,
  ): ActorRef<A> {
    this.runtime.checkOpen("spawn");
    if (this._closing) throw new ActorStoppedError(this.path, "spawn");
    const resolved = resolveSpawnOptions(options);
    let key: ChildKey;
    const name = resolved.name;
    if (name === undefined) key = this.runtime.nextId();
    else {
      checkActorName(name);
      if (this._x?.children?.has(name) === true) throw new DuplicateNameError(name, this.path);
      key = name;
    }
    const cell = new ActorCell(this.runtime, this, key, actor, resolved);
    cell.create();
    (this.#extras().children ??= new Map()).set(key, cell);
    return cell.ref as ActorRef<A>; // the cell was made from A's class or factory
  }

  async #stopChildren(reason: TerminationReason, drain: boolean, deadline: number): Promise<void> {
    const all = this._x?.children;
    if (all == null || all.size === 0) return;
    const children = [...all.values()].reverse(); // reverse start order
    for (const child of children) {
      const left = Math.max(0, deadline - this.runtime.clock.now());
      await child.stop(reason, drain, Math.min(left, child.#shutdownTimeout()));
      // A stopped permanent actor still holding its place for a new one: the place goes too.
      if (child._x?.respawning === true && all.get(child.key) === child) all.delete(child.key);
    }
  }

  // ---------------------------------------------------------------- stopping

  /**
   * Stops this actor and its subtree. Idempotent: a second call returns the first's promise.
   * `drain` also processes the queued messages before stopping; `timeoutMs` bounds the wait
   * for in-flight work (0 rejects it at once).
   */
  stop(reason: TerminationReason, drain: boolean, timeoutMs: number): Promise<void> {
    const x = this.#extras();
    return (x.stopPromise ??= this.#stopProcedure(reason, drain, timeoutMs));
  }

  /** The actor stops itself (`context.stop()`): a permanent one is then started anew. */
  stopSelf(drain: boolean, timeoutMs: number): Promise<void> {
    const first = this._x?.stopPromise == null;
    const respawn = first && this._options.restart === "permanent" && this.parent !== null;
    if (respawn) this.#extras().respawning = true;
    const done = this.stop({ kind: "stopped" }, drain, timeoutMs);
    if (respawn) {
      const parent = this.parent;
      void done.then(() => parent.#respawn(this));
    }
    return done;
  }

  async #stopProcedure(
    reason: TerminationReason,
    drain: boolean,
    timeoutMs: number,
  ): Promise<void> {
    const clock = this.runtime.clock;
    const deadline = clock.now() + timeoutMs;
    this._closing = true;
    this._draining = drain;
    let timedOut = false;
    if (!this.#isIdle()) {
      this.#afterWork();
      timedOut = !(await this.#waitIdle(deadline));
    }
    this._status = STOPPING;
    this._incarnation++;
    this._x?.backoffWait?.memberStopped();
    for (const wait of [...(this._x?.backoffWaits ?? [])]) wait.memberStopped();
    const x = this.#extras();
    x.timers?.cancelAll();
    answerRemaining(this.path, this.runtime, this.mailbox, x, reason, timedOut ? timeoutMs : null);
    await this.#stopChildren(reason, drain, deadline);
    if (!x.instanceStopped) {
      x.instanceStopped = true;
      await runStopHook(this.path, this._instance, deadline, this.runtime.clock, (e) =>
        this.#report(e, "onStop"),
      );
    }
    this._status = STOPPED;
    x.termination = reason;
    // A permanent actor that stopped itself keeps its place: the parent replaces it.
    if (this.parent !== null && !x.respawning) this.parent._x?.children?.delete(this.key);
    for (const watchee of x.watching ?? []) watchee._x?.watchers?.delete(this);
    x.watching = null;
    for (const watcher of x.watchers ?? []) watcher.#notify(this, reason);
    x.watchers = null;
    x.notices = null;
    this.runtime.cellStopped(this);
    if (this.parent !== null && this.runtime.listening("stopped"))
      this.runtime.emit("stopped", { path: this.path, reason });
  }

  #waitIdle(deadline: number): Promise<boolean> {
    const clock = this.runtime.clock;
    const x = this.#extras();
    return new Promise<boolean>((resolve) => {
      const remaining = deadline - clock.now();
      const timer =
        remaining === Infinity
          ? null
          : clock.setTimer(
              () => {
                x.idleWaiter = null;
                resolve(false);
              },
              Math.max(0, remaining),
            );
      x.idleWaiter = () => {
        if (timer !== null) clock.clearTimer(timer);
        resolve(true);
      };
    });
  }

  // ---------------------------------------------------------------- death watch and stash

  watch(watchee: ActorCell): void {
    if (watchee === this)
      throw new InvalidOptionError(
        "ref",
        "another actor (an actor cannot watch itself)",
        watchee.ref,
      );
    const x = this.#extras();
    (x.watching ??= new Set()).add(watchee);
    if (watchee._status === STOPPED) {
      this.#notify(watchee, watchee._x?.termination ?? { kind: "stopped" });
      return;
    }
    (watchee.#extras().watchers ??= new Set()).add(this);
  }

  unwatch(watchee: ActorCell): void {
    this._x?.watching?.delete(watchee);
    watchee._x?.watchers?.delete(this);
  }

  #notify(watchee: ActorCell, reason: TerminationReason): void {
    if (this._status === STOPPED || this._closing) return;
    (this.#extras().notices ??= new RingBuffer()).push({ watchee, reason });
    if (!this.scheduled) this.#afterWork();
  }

  stash(): void {
    if (!this._inHandler) throw new StashOutsideHandlerError(this.path);
    if (this._stashed) return; // this message is stashed already
    const x = this.#extras();
    const stash = (x.stash ??= new RingBuffer());
    if (stash.length >= this._options.stashCapacity) {
      // Asks withdrawn while stashed (timed out) free their slot.
      for (const e of stash.drain()) if (e.ticket?.state !== WITHDRAWN) stash.push(e);
      if (stash.length >= this._options.stashCapacity)
        throw new StashOverflowError(this.path, this._options.stashCapacity);
    }
    const m = loaded; // still the message being handled: shift() is not re-entrant
    if (m.ticket !== null) m.ticket.state = STASHED;
    stash.push(new Envelope(m.method, m.argc, m.a0, m.a1, m.ticket));
    this._stashed = true;
  }

  unstashAll(): void {
    const stash = this._x?.stash;
    if (stash == null || stash.length === 0) return;
    // Withdrawn while stashed (an ask that timed out): drop it.
    this.mailbox.pushFront(stash.drain().filter((e) => e.ticket?.state !== WITHDRAWN));
    if (!this.scheduled) this.#afterWork();
  }
}

/** The local cell behind a ref, or throws InvalidOptionError naming `option`. */
export function cellOf(ref: unknown, option: string): ActorCell {
  const delivery = ref instanceof ActorRef ? deliveryOf(ref as ActorRef) : null;
  if (!(delivery instanceof ActorCell))
    throw new InvalidOptionError(option, "an ActorRef of a local actor", ref);
  return delivery;
}
