/**
 * The base class of every actor. An actor is a class: its public methods are its protocol
 * (the messages it accepts), a return value is the reply to an ask, and the protected hooks
 * below are its lifecycle, which TypeScript keeps out of the protocol. One message runs at a
 * time unless the actor was spawned with `concurrency: n`.
 *
 * ```ts
 * class Counter extends Actor {
 *   #count = 0;
 *   inc(by = 1) { this.#count += by; }
 *   get() { return this.#count; }
 * }
 * ```
 */
import { NoActorContextError } from "../errors.js";
import type { ActorRef } from "./actor-ref.js";
import type { ActorCell } from "./cell.js";
import type { ActorContext } from "./context.js";
import type { Timers } from "./timers.js";
import type { TaskArgsOf, TaskHandle, TaskResultOf } from "../threads/task-module.js";
import type { RunOptions } from "../threads/run-options.js";
import { offloadFrom } from "./offload.js";
import { recordCall } from "./call-recorder.js";
import { toError } from "../errors.js";

/** Why a watched actor terminated, as passed to `onTerminated`. */
export type TerminationReason =
  | { readonly kind: "stopped" }
  | { readonly kind: "failed"; readonly error: Error }
  | { readonly kind: "shutdown" };

/** Calls into the protected hooks, for the runtime only (set by the class's static block). */
export interface Lifecycle {
  onStart(actor: Actor): unknown;
  onStop(actor: Actor): unknown;
  onRestart(actor: Actor, error: Error): unknown;
  onTerminated(actor: Actor, ref: ActorRef, reason: TerminationReason): unknown;
  /** Ties a fresh instance to its cell; false if the instance was bound before (reused). */
  bind(actor: Actor, cell: ActorCell): boolean;
  cellOf(actor: Actor): ActorCell | null;
  /** Cuts a replaced instance off from its cell (it keeps `#bound`, so it is never reused). */
  unbind(actor: Actor): void;
}

export let lifecycle!: Lifecycle;

let constructing: ActorCell | null = null;

/** Runs an actor factory so that the actor's constructor can already use its context. */
export function constructWith(
  cell: ActorCell,
  factory: (new () => Actor) | (() => Actor),
  isClass: boolean,
): unknown {
  const outer = constructing;
  constructing = cell;
  try {
    return isClass ? new (factory as new () => Actor)() : (factory as () => Actor)();
  } finally {
    constructing = outer;
  }
}

export abstract class Actor {
  #cell: ActorCell | null;
  /** Set once the runtime adopts this instance; a factory must not hand it out again. */
  #bound = false;

  constructor() {
    this.#cell = constructing;
  }

  /**
   * This actor's own ref, to pass to others. Inside the class its type is `ActorRef<this>`,
   * whose message names TypeScript cannot check yet; to tell yourself, name the class:
   * `const self: ActorRef<Counter> = this.self`.
   */
  protected get self(): ActorRef<this> {
    return this.#context("self").ref as ActorRef<this>; // the cell holds this very actor
  }

  /** Spawn children, stop, watch, stash, and the actor's place in the tree. */
  protected get context(): ActorContext<this> {
    return this.#context("context").context as ActorContext<this>;
  }

  /**
   * Keyed timers that send messages to this actor; cancelled on stop and restart.
   * `this.timers.periodic("tick", 1000, (self) => self.tick())`.
   */
  protected get timers(): Timers<this> {
    return this.#context("timers").timers as Timers<this>;
  }

  /**
   * Runs `task(...args)` on the system's thread pool and resolves with its result. The task
   * belongs to this actor: it is aborted when the actor stops or restarts (`this.signal` in
   * the task; the promise rejects with TaskAbortedError). Awaited in a handler, it keeps
   * the handler (and with `concurrency: 1`, the actor) busy; to keep taking messages while
   * it runs, pipe it instead: `this.pipeToSelf(this.offload(...), (self, r) => self.done(r))`.
   *
   * ```ts
   * const tasks = taskModule<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
   * class Hasher extends Actor {
   *   async hash(data: Uint8Array) { return await this.offload(tasks.sha256, data); }
   * }
   * ```
   */
  protected offload<T extends TaskHandle>(
    task: T,
    ...args: TaskArgsOf<T>
  ): Promise<TaskResultOf<T>> {
    return offloadFrom(this.#context("offload"), task, args, undefined) as Promise<TaskResultOf<T>>;
  }

  /** `offload` with per-task options: `signal`, `transfer`, `queueTimeout`, `runTimeout`. */
  protected offloadWith<T extends TaskHandle>(
    options: RunOptions,
    task: T,
    ...args: TaskArgsOf<T>
  ): Promise<TaskResultOf<T>> {
    return offloadFrom(this.#context("offloadWith"), task, args, options) as Promise<
      TaskResultOf<T>
    >;
  }

  /**
   * Delivers the outcome of `promise` to this actor as a message, so that the handler that
   * started it can return at once (Akka's pipeToSelf): `onResult(self, value)` names the
   * message, like a timer does, `(self, r) => self.done(r)`. Without `onError`, a rejection
   * is a failure of this actor (phase "offload"), for its supervisor to decide; after a
   * restart or stop it is only reported. The message goes through the mailbox like any other.
   */
  protected pipeToSelf<T>(
    promise: PromiseLike<T>,
    onResult: (self: this, value: T) => unknown,
    onError?: (self: this, error: Error) => unknown,
  ): void {
    const cell = this.#context("pipeToSelf");
    const incarnation = cell.incarnation;
    const ref = cell.ref as unknown as { tell(method: string, ...args: unknown[]): void };
    const deliver = (call: (self: this) => unknown): void => {
      const { method, args } = recordCall("onResult", call);
      ref.tell(method, ...args);
    };
    promise.then(
      (value) => deliver((self) => onResult(self, value)),
      (thrown: unknown) => {
        const error = toError(thrown, cell.path);
        if (onError === undefined) cell.failFromOutside(error, "offload", incarnation);
        else deliver((self) => onError(self, error));
      },
    );
  }

  /**
   * Aborted when this actor's current incarnation ends (it stops or restarts): pass it to
   * fetch, timers or anything else that should not outlive the instance.
   */
  protected get signal(): AbortSignal {
    return this.#context("signal").incarnationSignal;
  }

  /**
   * Runs before the first message, and again after each restart (following `onRestart`).
   * Messages wait until it settles. If it throws, the actor fails and its supervisor decides.
   */
  protected onStart(): void | Promise<void> {}

  /**
   * Runs once when the actor stops, and on the old instance before a restart, after its
   * children have stopped. An error here is reported as a failure event; the stop completes.
   */
  protected onStop(): void | Promise<void> {}

  /** Runs on the new instance after a restart, before `onStart`, with the failure that caused it. */
  protected onRestart(_error: Error): void | Promise<void> {}

  /** Runs when an actor this one watches (`context.watch(ref)`) has stopped. */
  protected onTerminated(_ref: ActorRef, _reason: TerminationReason): void | Promise<void> {}

  #context(what: string): ActorCell {
    if (this.#cell === null) throw new NoActorContextError(`this.${what}`);
    return this.#cell;
  }

  static {
    lifecycle = {
      onStart: (actor) => actor.onStart(),
      onStop: (actor) => actor.onStop(),
      onRestart: (actor, error) => actor.onRestart(error),
      onTerminated: (actor, ref, reason) => actor.onTerminated(ref, reason),
      bind: (actor, cell) => {
        if (actor.#bound) return false;
        actor.#bound = true;
        actor.#cell = cell;
        return true;
      },
      cellOf: (actor) => actor.#cell,
      unbind: (actor) => {
        actor.#cell = null;
      },
    };
  }
}
