/**
 * What an actor can do besides handling messages: spawn and stop children, watch other
 * actors, stash messages for later, and see its place in the tree. Reached as
 * `this.context` inside an actor; typed by the actor's own class.
 */
import type { Actor } from "./actor.js";
import type { ActorRef } from "./actor-ref.js";
import type { ActorCell } from "./cell.js";
import type { ActorClass, ActorFactory } from "./factory.js";
import type { SpawnOptions } from "./spawn-options.js";
import type { ActorSnapshot } from "./snapshot.js";
import type { ActorSystem } from "../system/actor-system.js";
import { InvalidOptionError } from "../errors.js";
import { checkKnownKeys, checkNonNegativeDuration, checkObject } from "../validation.js";

/** Looks up the local cell of a ref (provided by the cell module, which owns the mapping). */
type CellOf = (ref: unknown, option: string) => ActorCell;

export interface StopOptions {
  /**
   * Process the messages already queued before stopping.
   * @default false
   */
  readonly drain?: boolean;
  /**
   * How long in-flight handlers (and, with `drain`, queued messages) get before the rest is
   * rejected with ShutdownTimeoutError, in ms.
   * @default the system's `stopTimeout` (5000 ms)
   */
  readonly timeout?: number;
}

export function checkStopOptions(options: unknown): asserts options is StopOptions | undefined {
  checkObject("options", options);
  if (options === undefined) return;
  const o = options as Record<string, unknown>;
  checkKnownKeys("options", o, ["drain", "timeout"]);
  if (o["drain"] !== undefined && typeof o["drain"] !== "boolean")
    throw new InvalidOptionError("drain", "a boolean", o["drain"]);
  checkNonNegativeDuration("timeout", o["timeout"] === Infinity ? undefined : o["timeout"]);
}

export class ActorContext<Self extends Actor = Actor> {
  readonly #cell: ActorCell;
  readonly #cellOf: CellOf;

  /** @internal */
  constructor(cell: ActorCell, cellOf: CellOf) {
    this.#cell = cell;
    this.#cellOf = cellOf;
  }

  get self(): ActorRef<Self> {
    return this.#cell.ref as ActorRef<Self>;
  }

  get path(): string {
    return this.#cell.path;
  }

  get name(): string {
    return this.#cell.name;
  }

  /** The parent's ref; for a top-level actor, the `/user` guardian's. */
  get parent(): ActorRef {
    return (this.#cell.parent ?? this.#cell).ref;
  }

  get system(): ActorSystem {
    return this.#cell.runtime.system;
  }

  /** Live children in start order. */
  get children(): ActorRef[] {
    return [...this.#cell.children].filter((c) => c.alive).map((c) => c.ref);
  }

  child(name: string): ActorRef | undefined {
    return this.#cell.child(name)?.ref;
  }

  /** Spawns a child, supervised by this actor (see the `supervision` spawn option). */
  spawn<A extends Actor>(
    actor: ActorClass<A> | ActorFactory<A>,
    options?: SpawnOptions,
  ): ActorRef<A> {
    return this.#cell.spawn(actor, options);
  }

  /**
   * Stops this actor (no argument) or one of its children. Returns at once; the stop
   * completes after in-flight handlers finish (watch the actor to learn when). Do not wait
   * for your own stop inside a handler: the stop waits for that handler.
   */
  stop(ref?: ActorRef<Actor>, options?: StopOptions): void {
    checkStopOptions(options);
    const target = ref === undefined ? this.#cell : this.#cellOf(ref, "ref");
    if (target !== this.#cell && target.parent !== this.#cell)
      throw new InvalidOptionError("ref", `${this.path} itself or one of its children`, ref);
    const drain = options?.drain ?? false;
    const timeout = options?.timeout ?? this.#cell.runtime.stopTimeout;
    if (target === this.#cell) void target.stopSelf(drain, timeout);
    else void target.stop({ kind: "stopped" }, drain, timeout);
  }

  /** Get `onTerminated(ref, reason)` once `ref` stops (at once if it already has). */
  watch(ref: ActorRef<Actor>): void {
    this.#cell.watch(this.#cellOf(ref, "ref"));
  }

  /** Stop watching; a termination notice not yet handled is discarded. */
  unwatch(ref: ActorRef<Actor>): void {
    this.#cell.unwatch(this.#cellOf(ref, "ref"));
  }

  /**
   * Keeps the message being handled for later; call it synchronously in the handler. The
   * handler's return value is then ignored, and an ask stays pending (its deadlines run on)
   * until the message is unstashed and handled.
   */
  stash(): void {
    this.#cell.stash();
  }

  /** Puts every stashed message back in front of the mailbox, in the order stashed. */
  unstashAll(): void {
    this.#cell.unstashAll();
  }

  get stashSize(): number {
    return this.#cell.stashSize;
  }

  /**
   * This actor's snapshot with its subtree (status, mailbox depth, in-flight handlers of
   * each child, …): what `system.inspect()` shows for it, at the cost of this subtree only.
   * A router reads its routees' load from it.
   */
  inspect(): ActorSnapshot {
    return this.#cell.snapshot();
  }
}
