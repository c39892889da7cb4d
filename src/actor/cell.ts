/**
 * An actor's engine as a parent: how it supervises its children. A failure arrives from a
 * child (`_toSupervisor`), the parent's strategy decides (supervision/decide.ts), and this
 * class carries the decision out: resume, stop, escalate (OTP-style past the restart
 * intensity: stop all children, then fail), or restart a group (one-for-one, one-for-all,
 * rest-for-one: suspended at once, torn down in reverse start order, re-created in start
 * order after the backoff delay). Also the permanent child that stops itself (respawned in
 * place), redelivery of the failing message, and spawning children. Everything an actor
 * does for itself is in cell-core.ts.
 */
import {
  ActorStoppedError,
  DuplicateNameError,
  InvalidOptionError,
  MaxRestartsExceededError,
} from "../errors.js";
import { Envelope, PlainTicket, WITHDRAWN, type Ticket } from "../mailbox/envelope.js";
import { RestartWindow } from "../supervision/restart-window.js";
import { defaultStrategy, type SupervisorStrategy } from "../supervision/strategy.js";
import { BackoffState } from "../supervision/backoff.js";
import { decideFailure } from "../supervision/decide.js";
import { lifecycle, type Actor } from "./actor.js";
import { ActorRef, deliveryOf } from "./actor-ref.js";
import { CellCore, RESTARTING, RUNNING, STARTING, SUSPENDED } from "./cell-core.js";
import { ActorContext } from "./context.js";
import type { ActorClass, ActorFactory } from "./factory.js";
import { checkActorName, resolveSpawnOptions, type SpawnOptions } from "./spawn-options.js";
import { runStopHook } from "./stopping.js";
import type { ChildKey } from "./cell-extras.js";

export class ActorCell extends CellCore {
  get context(): ActorContext {
    const x = this._extras();
    return (x.context ??= new ActorContext(this, cellOf));
  }

  protected _toSupervisor(error: Error): void {
    this._status = SUSPENDED;
    const parent = this.parent;
    if (parent === null) {
      // The root guardian has no supervisor: stop what failed, cleanly.
      void this.stop({ kind: "failed", error }, false, this.runtime.stopTimeout);
      return;
    }
    parent._supervise(this, error);
  }

  /** How often the parent's strategy redelivers a failing message (0: never). */
  protected _redeliverLimit(): number {
    return this.parent === null ? 0 : (this.parent._options.supervision?.redeliver ?? 0);
  }

  /** Keeps the failing message (and its pending ask) until the supervisor has decided. */
  protected _holdFailing(
    error: Error,
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    ticket: Ticket | null,
  ): void {
    const x = this._extras();
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
  protected _settleFailing(restarted: boolean): void {
    const x = this._x;
    const failing = x?.failing ?? null;
    if (x === null || failing === null) return;
    x.failing = null;
    const { envelope, error, count } = failing;
    const ticket = envelope.ticket as Ticket;
    if (restarted && count <= this._redeliverLimit()) {
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
  protected _supervise(child: ActorCell, error: Error): void {
    const strategy = this._options.supervision ?? defaultStrategy;
    const action = decideFailure(
      strategy,
      (child._extras().restartWindow ??= new RestartWindow()),
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
      child._settleFailing(false);
    switch (action.kind) {
      case "resume":
        child._resume();
        return;
      case "restart":
        if (child._options.restart === "temporary") child._stopForFailure(error);
        else void this._restartGroup(child, error, action.attempt, strategy);
        return;
      case "stop":
        child._stopForFailure(action.error);
        return;
      case "escalate":
        this._escalate(child, action.error, action.exceeded);
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
  protected _escalate(child: ActorCell, error: Error, exceeded: boolean): void {
    if (this.parent === null) {
      this.runtime.fatal(child.path, error);
      child._stopForFailure(error);
      return;
    }
    if (this.runtime.listening("escalated"))
      this.runtime.emit("escalated", { path: this.path, child: child.path, error });
    if (!exceeded) {
      this._fail(error, "escalated");
      return;
    }
    this._status = SUSPENDED; // no more messages while the children stop
    const deadline = this.runtime.clock.now() + this.runtime.stopTimeout;
    void this._stopChildren({ kind: "failed", error }, false, deadline).then(() => {
      this._status = RUNNING; // so that _fail hands it on instead of treating it as handled
      this._fail(error, "escalated");
    });
  }

  protected _stopForFailure(error: Error): void {
    void this.stop({ kind: "failed", error }, false, this.runtime.stopTimeout);
  }

  protected _resume(): void {
    if (this._status !== SUSPENDED) return;
    this._status = RUNNING;
    for (const child of this.children) child._resume();
    this._afterWork();
  }

  /**
   * Restarts `failed` and, by the strategy's kind, its siblings: all of them (one-for-all)
   * or those started after it (rest-for-one). The group is suspended at once, torn down in
   * reverse start order, then, after the backoff delay, re-created in start order.
   * Temporary siblings in the group are stopped, not restarted.
   */
  protected async _restartGroup(
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
      c._extras().restartRun = run;
      if (c._status !== RESTARTING) c._status = SUSPENDED;
    }
    let delayMs = 0;
    if (strategy.backoff !== null) {
      // The failed child's backoff state: the attempt counts up, and resets after it ran
      // `resetAfter` ms without failing (see backoff.ts).
      const failedX = failed._extras();
      if (failedX.backoffState?.policy !== strategy.backoff)
        failedX.backoffState = new BackoffState(strategy.backoff);
      const step = failedX.backoffState.next(this.runtime.clock.now());
      attempt = step.attempt;
      delayMs = step.delayMs;
    }
    for (const c of [...alive].reverse()) {
      if (c !== failed && c._options.restart === "temporary") await c._stopForFailureDone(error);
      else await c._teardown();
    }
    if (delayMs > 0) {
      const restartsAt = this.runtime.clock.now() + delayMs;
      const clock = this.runtime.clock;
      await new Promise<void>((resolve) => {
        // The wait ends at the delay, or at once when every waiting actor has been stopped.
        const waits = (this._extras().backoffWaits ??= new Set());
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
          const x = c._extras();
          c.mailbox.hold(strategy.backoffBuffer);
          x.backoff = { attempt, delayMs, restartsAt };
          x.backoffWait = wait;
          c._afterWork(); // a stop that waits for this actor need not wait for the delay
        }
      });
      for (const c of alive) {
        c.mailbox.restore(c._options.capacity, c._options.overflow);
        if (c._x !== null) c._x.backoff = c._x.backoffWait = null;
      }
    }
    for (const c of group) {
      if (c === failed && exited) this._replace(c, error, attempt, delayMs);
      else if (c._status === RESTARTING && c._x?.restartRun === run)
        c._recreate(error, attempt, delayMs);
    }
  }

  protected _stopForFailureDone(error: Error): Promise<void> {
    return this.stop({ kind: "failed", error }, false, this._shutdownTimeout());
  }

  /** The first half of a restart: the old instance, its children and timers go. */
  protected async _teardown(): Promise<void> {
    this._status = RESTARTING;
    this._incarnation++;
    this._abortIncarnation();
    this._inFlight = 0;
    this._hookBusy = false;
    const x = this._extras();
    x.timers?.cancelAll();
    this.unstashAll();
    const old = this._instance;
    const deadline = this.runtime.clock.now() + this._shutdownTimeout();
    await this._stopChildren({ kind: "stopped" }, false, deadline);
    if (!x.instanceStopped) {
      x.instanceStopped = true;
      await runStopHook(this.path, old, deadline, this.runtime.clock, (e) =>
        this._report(e, "onStop"),
      );
    }
    // The old instance is done: an async handler of it that resumes later has no context
    // (NoActorContextError), so it cannot spawn or stop anything under the new instance.
    lifecycle.unbind(old);
  }

  /** The second half: a new instance from the factory; the mailbox was kept. */
  protected _recreate(error: Error, attempt: number, delayMs: number): void {
    if (this._closing) {
      this._status = SUSPENDED;
      this._afterWork();
      return;
    }
    try {
      this._instance = this._makeInstance();
    } catch (startError) {
      // Still the old instance's failure from the supervisor's point of view: decide again.
      this._report(startError as Error, "factory");
      this._toSupervisor(startError as Error);
      return;
    }
    const x = this._extras();
    x.restarts++;
    x.restartError = error;
    this._settleFailing(true);
    this._status = STARTING;
    if (this.runtime.listening("restarted"))
      this.runtime.emit("restarted", {
        path: this.path,
        error,
        restarts: x.restarts,
        attempt,
        delayMs,
      });
    this._afterWork();
  }

  /** A permanent child stopped itself: it comes back as a new actor (same name, new ref). */
  protected _respawn(old: ActorCell): void {
    const strategy = this._options.supervision ?? defaultStrategy;
    const window = (old._extras().restartWindow ??= new RestartWindow()); // the new actor keeps it
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
      if (strategy.whenExceeded === "escalate") this._escalate(old, exceeded, true);
      return;
    }
    // As OTP: a permanent child's exit restarts the strategy's group, like a failure would.
    void this._restartGroup(old, exit, window.count, strategy, true);
  }

  /** A new actor in the place (same key, same position among siblings) of a stopped one. */
  protected _replace(old: ActorCell, error: Error, attempt: number, delayMs: number): void {
    const children = this._x?.children;
    // The place may be gone (this supervisor restarted or is stopping meanwhile).
    if (children == null || children.get(old.key) !== old) return;
    if (this._closing || this.runtime.closed) {
      children.delete(old.key);
      return;
    }
    const cell = new ActorCell(this.runtime, this, old.key, old._factory, old._options);
    const x = cell._extras();
    x.restartWindow = old._x?.restartWindow ?? null;
    x.backoffState = old._x?.backoffState ?? null;
    x.restarts = (old._x?.restarts ?? 0) + 1;
    try {
      cell.create();
    } catch (startError) {
      children.delete(old.key);
      this._report(startError as Error, "factory");
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
    (this._extras().children ??= new Map()).set(key, cell);
    return cell.ref as ActorRef<A>; // the cell was made from A's class or factory
  }

  /** The actor stops itself (`context.stop()`): a permanent one is then started anew. */
  stopSelf(drain: boolean, timeoutMs: number): Promise<void> {
    const first = this._x?.stopPromise == null;
    const respawn = first && this._options.restart === "permanent" && this.parent !== null;
    if (respawn) this._extras().respawning = true;
    const done = this.stop({ kind: "stopped" }, drain, timeoutMs);
    if (respawn) {
      const parent = this.parent;
      void done.then(() => parent._respawn(this));
    }
    return done;
  }
}

/** The local cell behind a ref, or throws InvalidOptionError naming `option`. */
export function cellOf(ref: unknown, option: string): ActorCell {
  const delivery = ref instanceof ActorRef ? deliveryOf(ref as ActorRef) : null;
  if (!(delivery instanceof ActorCell))
    throw new InvalidOptionError(option, "an ActorRef of a local actor", ref);
  return delivery;
}
