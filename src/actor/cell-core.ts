/**
 * The engine behind one actor: its mailbox, its current instance, its lifecycle status,
 * delivery, processing and stopping. The parent's part (supervising children: group
 * restarts, escalation, respawn, spawning) is in cell.ts, whose ActorCell is the one
 * concrete subclass. The Actor class and ActorRef are thin public faces over it.
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
import { setMaxListeners } from "node:events";
import { RateLimiter } from "../concurrency/rate-limiter.js";
import {
  ActorStartError,
  ActorStoppedError,
  AskAbortedError,
  InvalidOptionError,
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
import { Actor, constructWith, lifecycle, type TerminationReason } from "./actor.js";
import { ActorRef, type AskOptions, type Delivery } from "./actor-ref.js";
import { PendingAsk, type AskTarget } from "./ask.js";
import { SendWait } from "./send-wait.js";
import { isActorClass, type ActorClass, type ActorFactory } from "./factory.js";
import { STATUS_NAMES, type ActorSnapshot, type ActorStatus } from "./snapshot.js";
import type { ActorCell } from "./cell.js";
import { protocolOf, type Handler, type Protocol } from "./protocol.js";
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
import type { OffloadMode, ResolvedSpawnOptions } from "./spawn-options.js";
import { runAttributed } from "../system/stray-rejections.js";

export const STARTING = 0;
export const RUNNING = 1;
export const SUSPENDED = 2;
export const RESTARTING = 3;
export const STOPPING = 4;
export const STOPPED = 5;
type Status = 0 | 1 | 2 | 3 | 4 | 5;

// Bits of ActorCell._flags.
const IS_CLASS = 1;
const HOOK_BUSY = 2;
const CLOSING = 4;
const DRAINING = 8;
const IN_HANDLER = 16;
const STASHED_CURRENT = 32;

// The engine's state is in TypeScript-protected named fields, not `#private` ones: V8 defines
// `#fields` with keyed stores, which fall back to a slow dictionary object past 12
// out-of-object properties. That happened here: when every cell had died and full GCs
// collected the class's map transitions before its in-object slack tracking finished, new
// cells got no in-object slots and went to dictionary mode (1.9 KB instead of ~0.5 KB per
// actor, spawn 3x slower). Named fields stay fast up to 128 properties. The class is
// internal; the public faces (ActorRef, Actor, ActorSystem) keep `#private` state. They are
// protected, not private, because the parent's part (ActorCell in cell.ts) shares them.
/** Most tokens an actor takes from its rate limiter at once (about one dispatcher turn). */
const RATE_BATCH = 64;

export abstract class CellCore implements Delivery, AskTarget, TimerOwner, Schedulable {
  readonly runtime: Runtime;
  readonly parent: ActorCell | null;
  /** The name, or for a generated name (`$` + base 36) just its number: no string per actor. */
  readonly key: ChildKey;
  readonly ref: ActorRef;
  readonly mailbox: Mailbox;
  protected readonly _factory: ActorClass<Actor> | ActorFactory<Actor>;
  protected readonly _options: ResolvedSpawnOptions;
  protected _instance!: Actor;
  protected _protocol!: Protocol;
  protected _status: Status = STARTING;
  scheduled = false;
  protected _inFlight = 0;
  /** Bumped on restart and stop, so late settlements of old handlers are ignored. */
  protected _incarnation = 0;
  /** The boolean state below, packed in one field (an idle actor is 40 bytes smaller). */
  protected _flags = 0;

  /** The factory is an Actor subclass (called with `new`). */
  protected get _isClass(): boolean {
    return (this._flags & IS_CLASS) !== 0;
  }
  /** A lifecycle hook's promise is pending: nothing else runs. */
  protected get _hookBusy(): boolean {
    return (this._flags & HOOK_BUSY) !== 0;
  }
  protected set _hookBusy(on: boolean) {
    this._flags = on ? this._flags | HOOK_BUSY : this._flags & ~HOOK_BUSY;
  }
  /** A stop was requested: new messages are refused. */
  protected get _closing(): boolean {
    return (this._flags & CLOSING) !== 0;
  }
  protected set _closing(on: boolean) {
    this._flags = on ? this._flags | CLOSING : this._flags & ~CLOSING;
  }
  /** While closing, keep processing queued messages. */
  protected get _draining(): boolean {
    return (this._flags & DRAINING) !== 0;
  }
  protected set _draining(on: boolean) {
    this._flags = on ? this._flags | DRAINING : this._flags & ~DRAINING;
  }
  /** A handler's synchronous part is running (stash is allowed, stop must wait). */
  protected get _inHandler(): boolean {
    return (this._flags & IN_HANDLER) !== 0;
  }
  protected set _inHandler(on: boolean) {
    this._flags = on ? this._flags | IN_HANDLER : this._flags & ~IN_HANDLER;
  }
  /** The running handler stashed its message. */
  protected get _stashed(): boolean {
    return (this._flags & STASHED_CURRENT) !== 0;
  }
  protected set _stashed(on: boolean) {
    this._flags = on ? this._flags | STASHED_CURRENT : this._flags & ~STASHED_CURRENT;
  }

  protected _x: Extras | null = null;
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

  // ---------------------------------------------------------------- the parent's part (cell.ts)

  /** Hands this actor's failure to its parent's strategy (or, at the root, stops it). */
  protected abstract _toSupervisor(error: Error): void;
  /** How often the parent's strategy redelivers a failing message (0: never). */
  protected abstract _redeliverLimit(): number;
  /** Keeps the failing message (and its pending ask) until the supervisor has decided. */
  protected abstract _holdFailing(
    error: Error,
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    ticket: Ticket | null,
  ): void;
  /** Redelivers or answers the held failing message once the supervisor has decided. */
  protected abstract _settleFailing(restarted: boolean): void;

  /** This cell as the concrete class (the only subclass), for the APIs typed with it. */
  protected get _cell(): ActorCell {
    return this as unknown as ActorCell;
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

  get timers(): Timers {
    const x = this._extras();
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
      heldByRateLimit: this._x?.rateWaiting === true ? this.mailbox.size : 0,
      children: [...this.children].map((c) => c.snapshot()),
    };
  }

  protected _extras(): Extras {
    return (this._x ??= new Extras());
  }

  /** Creates the first instance; throws ActorStartError if the factory throws. */
  create(): void {
    this._instance = this._makeInstance();
    this.runtime.dispatcher.schedule(this);
  }

  protected _makeInstance(): Actor {
    let instance: unknown;
    try {
      instance = constructWith(this._cell, this._factory, this._isClass);
    } catch (error) {
      throw this._startFailed(error);
    }
    if (!(instance instanceof Actor)) {
      throw this._startFailed(
        new InvalidOptionError(
          "factory",
          "a function returning an instance of an Actor subclass",
          instance,
        ),
      );
    }
    if (!lifecycle.bind(instance, this._cell)) {
      throw this._startFailed(
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
  protected _startFailed(cause: unknown): ActorStartError {
    if (this._x?.children != null && this._x.children.size > 0) {
      void this._stopChildren({ kind: "stopped" }, false, this.runtime.clock.now());
    }
    return new ActorStartError(this.path, cause);
  }

  // ---------------------------------------------------------------- delivery

  protected _unknown(method: string): UnknownMessageError {
    return new UnknownMessageError(this.path, method, [...this._protocol.handlers.keys()]);
  }

  /** The handler of message `method`, if the actor has one (the HTTP gateway reads its arity). */
  handlerOf(method: string): Handler | undefined {
    return this._protocol.lookup(method);
  }

  checkMethod(method: string): void {
    if (this._protocol.lookup(method) === undefined) throw this._unknown(method);
  }

  /** The error for a message that arrives after the actor began stopping. */
  protected _stoppedError(method: string): Error {
    return this.runtime.terminated
      ? new SystemShutDownError(this.runtime.name, `Sending "${method}" to ${this.path}`)
      : new ActorStoppedError(this.path, method);
  }

  tell(method: string, argc: number, a0: unknown, a1: unknown): void {
    if (this._closing) {
      if (this.runtime.terminated) throw this._stoppedError(method);
      const reason = this.runtime.closed ? "shutdown" : "actor-stopped";
      this.runtime.deadLetter(this.path, method, unpackArgs(argc, a0, a1), reason);
      return;
    }
    if (this._protocol.lookup(method) === undefined) throw this._unknown(method);
    const mailbox = this.mailbox;
    if (mailbox.hasRoom) mailbox.push(method, argc, a0, a1, null);
    else overflow(this.path, this.runtime, this.mailbox, method, argc, a0, a1, null);
    if (!this.scheduled) this._afterWork();
  }

  ask(
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    options: AskOptions | undefined,
  ): Promise<unknown> {
    if (this._closing) return Promise.reject(this._stoppedError(method));
    if (this._protocol.lookup(method) === undefined) return Promise.reject(this._unknown(method));
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
    if (!this.scheduled) this._afterWork();
    return ask.promise;
  }

  send(
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    options: AskOptions | undefined,
  ): Promise<void> {
    if (this._closing) return Promise.reject(this._stoppedError(method));
    if (this._protocol.lookup(method) === undefined) return Promise.reject(this._unknown(method));
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
      const wait = new SendWait(this._cell, method, options, resolve, reject);
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
        if (!this.scheduled) this._afterWork();
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
    if (!this.scheduled) this._afterWork();
    return ticket;
  }

  withdrawTimerMessage(ticket: Ticket): void {
    if (this.mailbox.withdraw(ticket) && this.mailbox.waitingSenders > 0)
      this.mailbox.admitWaiting();
  }

  // ---------------------------------------------------------------- processing

  runTurn(limit: number): number {
    if (this._x?.notices != null && this._x.notices.length > 0 && this._inFlight === 0)
      this._processNotices();
    if (this._status === STARTING && !this._hookBusy) this._start();
    const mailbox = this.mailbox;
    const concurrency = this._options.concurrency;
    let n = 0;
    while (
      n < limit &&
      this._status === RUNNING &&
      !this._hookBusy &&
      this._inFlight < concurrency &&
      (!this._closing || this._draining) &&
      (this._options.rateLimit === undefined || (mailbox.size > 0 && this._admitRate())) &&
      mailbox.shift()
    ) {
      n++;
      this._invoke();
      if (this._x?.notices != null && this._x.notices.length > 0 && this._inFlight === 0)
        this._processNotices();
    }
    Mailbox.release();
    if (mailbox.waitingSenders > 0 && (!this._closing || this._draining)) mailbox.admitWaiting();
    this._afterWork();
    return n;
  }

  /** Reschedules if there is runnable work, else wakes a stop that waits for idleness. */
  protected _afterWork(): void {
    if (this._hasRunnableWork()) this.runtime.dispatcher.schedule(this);
    else if (this._x?.idleWaiter != null && this._isIdle()) {
      const wake = this._x.idleWaiter;
      this._x.idleWaiter = null;
      wake();
    }
  }

  protected _hasRunnableWork(): boolean {
    if (this._hookBusy) return false;
    switch (this._status) {
      case STARTING:
        return true;
      case RUNNING:
        return (
          (this._x?.notices != null && this._x.notices.length > 0 && this._inFlight === 0) ||
          (this.mailbox.size > 0 &&
            this._inFlight < this._options.concurrency &&
            (!this._closing || this._draining) &&
            this._x?.rateWaiting !== true)
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

  protected _isIdle(): boolean {
    if (this._hookBusy || this._inFlight > 0 || this._inHandler) return false;
    if (this._status === RESTARTING && this._x?.backoff != null) return true; // waiting only
    if (this._status === SUSPENDED) return true;
    if (this._status !== RUNNING) return false;
    return !this._draining || (this.mailbox.size === 0 && this.mailbox.waitingSenders === 0);
  }

  /**
   * Admits the next message past the spawn option `rateLimit`: true when a token is taken.
   * Tokens are taken for as many queued messages as the bucket covers, up to a turn's worth
   * (one clock reading per batch, not per message); the rest are kept for the next messages.
   * When none is left, the message stays in the mailbox, in order, and the actor joins the
   * limiter's line (FIFO with every other user of a shared limiter); the token it gets is
   * kept for that message, and the actor is scheduled again. The wait ends with the
   * incarnation.
   */
  protected _admitRate(): boolean {
    const spec = this._options.rateLimit;
    if (spec === undefined) return true;
    const x = this._extras();
    if (x.ratePrepaid > 0) {
      x.ratePrepaid--;
      return true;
    }
    if (x.rateWaiting) return false;
    const limiter = (x.limiter ??=
      spec instanceof RateLimiter ? spec : new RateLimiter({ ...spec, clock: this.runtime.clock }));
    const taken = limiter.tryAcquireUpTo(Math.min(this.mailbox.size, RATE_BATCH));
    if (taken > 0) {
      x.ratePrepaid = taken - 1;
      return true;
    }
    x.rateWaiting = true;
    limiter.acquire(1, { signal: this.incarnationSignal }).then(
      () => {
        x.rateWaiting = false;
        x.ratePrepaid++;
        this._afterWork();
      },
      () => {
        x.rateWaiting = false; // the incarnation ended: a restart asks again
      },
    );
    return false;
  }

  /** Runs the message just loaded into the mailbox's registers. */
  protected _invoke(): void {
    const method = loaded.method;
    const argc = loaded.argc;
    const a0 = loaded.a0;
    const a1 = loaded.a1;
    const ticket = loaded.ticket;
    if (ticket !== null) ticket.started();
    const handler = this._protocol.lookup(method);
    if (handler === undefined) {
      // Only reachable when a restart's factory produced another class without this method.
      const error = this._unknown(method);
      if (ticket instanceof PendingAsk) ticket.reject(error);
      else this.runtime.deadLetter(this.path, method, unpackArgs(argc, a0, a1), "unknown-message");
      return;
    }
    const instance = this._instance;
    this._inHandler = true;
    let result: unknown;
    try {
      if (this._protocol.asyncHandlers.has(handler)) {
        result = runAttributed(this, () => handler.apply(instance, unpackArgs(argc, a0, a1)));
      } else
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
      if (this._redeliverLimit() > 0) this._holdFailing(error, method, argc, a0, a1, ticket);
      else if (ticket !== null) ticket.reject(error);
      this._fail(error, "handler", method);
      return;
    }
    this._inHandler = false;
    if (this._stashed) {
      this._stashed = false; // the handler stashed its message: no reply yet
      return;
    }
    if (isThenable(result)) {
      this._park(method, argc, a0, a1, ticket, result);
      return;
    }
    this.processed++;
    if (ticket !== null) ticket.resolve(result);
  }

  /** An async handler is pending: count it, and resume when it settles. */
  protected _park(
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    ticket: Ticket | null,
    pending: PromiseLike<unknown>,
  ): void {
    this._inFlight++;
    const incarnation = this._incarnation;
    if (ticket !== null) (this._extras().running ??= new Set()).add(ticket);
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
          this._report(error, "handler", method);
        }
        return;
      }
      this._inFlight--;
      if (ok) this.processed++;
      else {
        const error = toError(value, this.path);
        if (this._redeliverLimit() > 0) this._holdFailing(error, method, argc, a0, a1, ticket);
        else if (ticket !== null) ticket.reject(error);
        this._fail(error, "handler", method);
      }
      this._afterWork();
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
  protected _runHook(phase: FailurePhase, call: () => unknown, then: () => void): void {
    let result: unknown;
    try {
      result = call();
    } catch (error) {
      this._fail(toError(error, this.path), phase);
      return;
    }
    if (isThenable(result)) this._awaitHook(phase, result, then);
    else then();
  }

  /** An async hook: nothing else runs until it settles. */
  protected _awaitHook(phase: FailurePhase, pending: PromiseLike<unknown>, then: () => void): void {
    this._hookBusy = true;
    const incarnation = this._incarnation;
    const settle = (ok: boolean, error: unknown): void => {
      if (incarnation !== this._incarnation) {
        if (!ok) this._report(toError(error, this.path), phase);
        return;
      }
      this._hookBusy = false;
      if (ok) then();
      else this._fail(toError(error, this.path), phase);
      this._afterWork();
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

  protected _start(): void {
    const restartError = this._x?.restartError ?? null;
    if (restartError === null) {
      this._runOnStart();
      return;
    }
    (this._x as Extras).restartError = null;
    const instance = this._instance;
    this._runHook(
      "onRestart",
      () => lifecycle.onRestart(instance, restartError),
      () => this._runOnStart(),
    );
  }

  /** onStart without closures on the common synchronous path (spawn rate depends on it). */
  protected _runOnStart(): void {
    let result: unknown;
    try {
      result = lifecycle.onStart(this._instance);
    } catch (error) {
      this._fail(toError(error, this.path), "onStart");
      return;
    }
    if (isThenable(result)) this._awaitHook("onStart", result, () => this._started());
    else this._started();
  }

  protected _started(): void {
    this._status = RUNNING;
    // The root guardian is not an actor users see (inspect() and lookup() leave it out).
    if (this.parent !== null && this.runtime.listening("started"))
      this.runtime.emit("started", { path: this.path });
  }

  protected _processNotices(): void {
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
      this._runHook(
        "onTerminated",
        () => lifecycle.onTerminated(instance, notice.watchee.ref, notice.reason),
        () => {},
      );
    }
  }

  // ---------------------------------------------------------------- failure and supervision

  protected _report(error: Error, phase: FailurePhase, method?: string): void {
    this._extras().failed++;
    if (this.runtime.listening("failed")) {
      this.runtime.emit(
        "failed",
        method === undefined
          ? { path: this.path, error, phase }
          : { path: this.path, error, phase, method },
      );
    }
  }

  /** A promise an async handler of this actor started and left rejected: a failure. */
  strayRejection(reason: unknown): void {
    this._fail(toError(reason, this.path), "stray-rejection");
  }

  /** Work of this incarnation failed outside a handler (a piped task): a failure. */
  failFromOutside(error: Error, phase: FailurePhase, incarnation: number): void {
    if (incarnation === this._incarnation) this._fail(error, phase);
    else this._report(error, phase);
  }

  /** The spawn option `offload`. */
  get offloadMode(): OffloadMode {
    return this._options.offload;
  }

  /** The current incarnation: it changes when the actor restarts or stops. */
  get incarnation(): number {
    return this._incarnation;
  }

  /** Aborted (with ActorStoppedError) when this incarnation ends: a stop or a restart. */
  get incarnationSignal(): AbortSignal {
    let controller = this._extras().incarnation;
    if (controller === null) {
      controller = (this._x as Extras).incarnation = new AbortController();
      setMaxListeners(Infinity, controller.signal); // one listener per task in flight
    }
    return controller.signal;
  }

  /** Ends the incarnation's signal; called where the incarnation number moves on. */
  protected _abortIncarnation(): void {
    const controller = this._x?.incarnation;
    if (controller == null) return;
    (this._x as Extras).incarnation = null;
    controller.abort(new ActorStoppedError(this.path));
  }

  /**
   * Takes one of the actor's `concurrency` slots for work outside a handler (an offloaded
   * task in "pause" mode, or one waiting for room in the pool): no message starts while all
   * are taken. Returns the incarnation to pass to releaseSlot.
   */
  holdSlot(): number {
    this._inFlight++;
    return this._incarnation;
  }

  releaseSlot(incarnation: number): void {
    if (incarnation !== this._incarnation) return; // a restart or stop reset the count
    this._inFlight--;
    this._afterWork();
  }

  /** A failure of this actor: report it and hand it to the supervisor. */
  protected _fail(error: Error, phase: FailurePhase, method?: string): void {
    this._report(error, phase, method);
    if (this._closing) {
      // A stopping actor is not restarted. If it failed while starting, it will not start:
      // leave it suspended so the stop can finish (instead of retrying onStart forever).
      if (this._status === STARTING) this._status = SUSPENDED;
      this._settleFailing(false);
      return;
    }
    // One already with its supervisor is not sent twice.
    if (this._status === SUSPENDED || this._status === RESTARTING) return;
    this._toSupervisor(error);
  }

  /** How long this actor gets when its parent stops it. */
  protected _shutdownTimeout(): number {
    return this._options.shutdownTimeout ?? this.runtime.stopTimeout;
  }

  // ---------------------------------------------------------------- children

  protected async _stopChildren(
    reason: TerminationReason,
    drain: boolean,
    deadline: number,
  ): Promise<void> {
    const all = this._x?.children;
    if (all == null || all.size === 0) return;
    const children = [...all.values()].reverse(); // reverse start order
    for (const child of children) {
      const left = Math.max(0, deadline - this.runtime.clock.now());
      await child.stop(reason, drain, Math.min(left, child._shutdownTimeout()));
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
    const x = this._extras();
    return (x.stopPromise ??= this._stopProcedure(reason, drain, timeoutMs));
  }

  protected async _stopProcedure(
    reason: TerminationReason,
    drain: boolean,
    timeoutMs: number,
  ): Promise<void> {
    const clock = this.runtime.clock;
    const deadline = clock.now() + timeoutMs;
    this._closing = true;
    this._draining = drain;
    let timedOut = false;
    if (!this._isIdle()) {
      this._afterWork();
      timedOut = !(await this._waitIdle(deadline));
    }
    this._status = STOPPING;
    this._incarnation++;
    this._abortIncarnation();
    this._x?.backoffWait?.memberStopped();
    for (const wait of [...(this._x?.backoffWaits ?? [])]) wait.memberStopped();
    const x = this._extras();
    x.timers?.cancelAll();
    answerRemaining(this.path, this.runtime, this.mailbox, x, reason, timedOut ? timeoutMs : null);
    await this._stopChildren(reason, drain, deadline);
    if (!x.instanceStopped) {
      x.instanceStopped = true;
      await runStopHook(this.path, this._instance, deadline, this.runtime.clock, (e) =>
        this._report(e, "onStop"),
      );
    }
    this._status = STOPPED;
    x.termination = reason;
    // A permanent actor that stopped itself keeps its place: the parent replaces it.
    if (this.parent !== null && !x.respawning) this.parent._x?.children?.delete(this.key);
    for (const watchee of x.watching ?? []) watchee._x?.watchers?.delete(this._cell);
    x.watching = null;
    for (const watcher of x.watchers ?? []) watcher._notify(this._cell, reason);
    x.watchers = null;
    x.notices = null;
    this.runtime.cellStopped(this._cell);
    if (this.parent !== null && this.runtime.listening("stopped"))
      this.runtime.emit("stopped", { path: this.path, reason });
  }

  protected _waitIdle(deadline: number): Promise<boolean> {
    const clock = this.runtime.clock;
    const x = this._extras();
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
    if (watchee === this._cell)
      throw new InvalidOptionError(
        "ref",
        "another actor (an actor cannot watch itself)",
        watchee.ref,
      );
    const x = this._extras();
    (x.watching ??= new Set()).add(watchee);
    if (watchee._status === STOPPED) {
      this._notify(watchee, watchee._x?.termination ?? { kind: "stopped" });
      return;
    }
    (watchee._extras().watchers ??= new Set()).add(this._cell);
  }

  unwatch(watchee: ActorCell): void {
    this._x?.watching?.delete(watchee);
    watchee._x?.watchers?.delete(this._cell);
  }

  protected _notify(watchee: ActorCell, reason: TerminationReason): void {
    if (this._status === STOPPED || this._closing) return;
    (this._extras().notices ??= new RingBuffer()).push({ watchee, reason });
    if (!this.scheduled) this._afterWork();
  }

  stash(): void {
    if (!this._inHandler) throw new StashOutsideHandlerError(this.path);
    if (this._stashed) return; // this message is stashed already
    const x = this._extras();
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
    if (!this.scheduled) this._afterWork();
  }
}
