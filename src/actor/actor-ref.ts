/**
 * An ActorRef is an address (a stable path) plus a way to deliver to it. The local mailbox
 * is one delivery; a remote node will be another, so nothing here assumes the target lives
 * in this process. Refs are typed by the actor's class: a wrong message name or argument
 * is a compile error, and the reply type of `ask` is inferred from the handler.
 */
import { checkDuration, checkKnownKeys, checkObject, checkSignal } from "../validation.js";
import type { Actor } from "./actor.js";
import type { ArgsOf, MessageName, ReplyOf } from "./protocol.js";

/** Per-call options for `ask` (and `send`), set through `ref.with(...)`. */
export interface AskOptions {
  /**
   * The caller's whole wait, from the call until the reply, in ms. On expiry the ask
   * rejects with AskTimeoutError and, if the message has not started, it is withdrawn.
   * `Infinity` waits forever.
   * @default the system's `askTimeout` (5000 ms)
   */
  readonly timeout?: number;
  /**
   * The longest time the message may wait in the mailbox (or for room in a backpressured
   * one) before it starts; on expiry it is withdrawn and the ask rejects with
   * QueueTimeoutError.
   * @default no separate limit (only `timeout`)
   */
  readonly queueTimeout?: number;
  /**
   * The longest time the handler may run once started; on expiry the ask rejects with
   * RunTimeoutError (the handler itself cannot be interrupted and keeps the actor busy).
   * @default no separate limit (only `timeout`)
   */
  readonly runTimeout?: number;
  /** Cancels the ask: a queued message is withdrawn, the ask rejects with AskAbortedError. */
  readonly signal?: AbortSignal;
}

const ASK_OPTION_KEYS = ["timeout", "queueTimeout", "runTimeout", "signal"] as const;

/** Validates ask options; throws InvalidOptionError naming the bad option. */
export function checkAskOptions(options: unknown): asserts options is AskOptions {
  checkObject("options", options);
  if (options === undefined) return;
  const o = options as Record<string, unknown>;
  checkKnownKeys("options", o, ASK_OPTION_KEYS);
  checkDuration("timeout", o["timeout"], true);
  checkDuration("queueTimeout", o["queueTimeout"], true);
  checkDuration("runTimeout", o["runTimeout"], true);
  checkSignal("signal", o["signal"]);
}

/**
 * How messages reach an actor: the local cell implements it, a remote node will too.
 * Arguments arrive packed, as the mailbox stores them: `argc`, then the first two arguments
 * inline, or the array of all arguments in `a0` when there are more than two (`unpackArgs`
 * turns them back into an array). That is what lets a local `tell` allocate nothing.
 */
export interface Delivery {
  readonly path: string;
  readonly name: string;
  tell(method: string, argc: number, a0: unknown, a1: unknown): void;
  ask(
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    options: AskOptions | undefined,
  ): Promise<unknown>;
  send(
    method: string,
    argc: number,
    a0: unknown,
    a1: unknown,
    options: AskOptions | undefined,
  ): Promise<void>;
  /** False once the actor has stopped (a remote delivery may not know). */
  readonly alive: boolean;
}

/** The arguments after the method name, as an array (only for calls with 3 or more). */
function restOf(args: IArguments): unknown[] {
  const out: unknown[] = [];
  for (let i = 1; i < args.length; i++) out.push(args[i]);
  return out;
}

/** The delivery behind a ref, for the runtime only (set by ActorRef's static block). */
export let deliveryOf!: (ref: ActorRef<Actor>) => Delivery;

/** A typed handle to an actor. Cheap to copy and compare by `path`. */
// `out`: a ref to a Counter is a ref to an Actor, but not the other way round, and refs
// to actors with different protocols are not interchangeable.
export class ActorRef<out A extends Actor = Actor> {
  readonly #delivery: Delivery;
  readonly #options: AskOptions | undefined;

  /** @internal Refs come from spawn, lookup or the registry, never from user code. */
  constructor(delivery: Delivery, options?: AskOptions) {
    this.#delivery = delivery;
    this.#options = options;
  }

  /** The actor's full path, e.g. `/user/app/workers/w1`. Stable; usable as an id. */
  get path(): string {
    return this.#delivery.path;
  }

  /** The last segment of the path. */
  get name(): string {
    return this.#delivery.name;
  }

  /** False once the actor has stopped. */
  get alive(): boolean {
    return this.#delivery.alive;
  }

  /**
   * Fire and forget. Messages from one sender to one receiver arrive in order. Throws
   * UnknownMessageError for a method the actor does not have and MailboxFullError when a
   * bounded mailbox refuses; a message to a stopped actor becomes a dead letter.
   */
  tell<K extends MessageName<A>>(method: K, ...args: ArgsOf<A[K]>): void;
  tell(method: MessageName<A>, a0?: unknown, a1?: unknown, ..._more: unknown[]): void {
    // `arguments` instead of a rest parameter: no array for the common 0-2 arguments.
    const argc = arguments.length - 1;
    if (argc <= 2) this.#delivery.tell(method, argc, a0, a1);
    else this.#delivery.tell(method, argc, restOf(arguments), undefined); // eslint-disable-line prefer-rest-params
  }

  /**
   * Sends a message and resolves with the handler's (awaited) return value. Rejects with the
   * handler's error if it throws, with AskTimeoutError / QueueTimeoutError / RunTimeoutError
   * past each deadline, AskAbortedError when its signal aborts, and ActorStoppedError at once
   * when the actor is stopped.
   */
  ask<K extends MessageName<A>>(method: K, ...args: ArgsOf<A[K]>): Promise<ReplyOf<A[K]>>;
  ask(method: MessageName<A>, a0?: unknown, a1?: unknown, ..._more: unknown[]): Promise<unknown> {
    const argc = arguments.length - 1;
    return argc <= 2
      ? this.#delivery.ask(method, argc, a0, a1, this.#options)
      : this.#delivery.ask(method, argc, restOf(arguments), undefined, this.#options); // eslint-disable-line prefer-rest-params
  }

  /**
   * Tell that waits for room: resolves once the message is in the mailbox. With the
   * `backpressure` overflow policy this is how producers are slowed down; with other
   * policies it behaves like tell and resolves at once. Honours `queueTimeout`, `timeout`
   * and `signal` of the view for the wait.
   */
  send<K extends MessageName<A>>(method: K, ...args: ArgsOf<A[K]>): Promise<void>;
  send(method: MessageName<A>, a0?: unknown, a1?: unknown, ..._more: unknown[]): Promise<void> {
    const argc = arguments.length - 1;
    return argc <= 2
      ? this.#delivery.send(method, argc, a0, a1, this.#options)
      : this.#delivery.send(method, argc, restOf(arguments), undefined, this.#options); // eslint-disable-line prefer-rest-params
  }

  /**
   * A view of this ref with per-call options: `ref.with({ timeout: 100, signal }).ask(...)`.
   * Options merge over this view's; two signals both apply (either one aborts). The view is
   * cheap and shares the actor.
   */
  with(options: AskOptions): ActorRef<A> {
    checkAskOptions(options);
    const own = this.#options;
    if (own === undefined) return new ActorRef<A>(this.#delivery, options);
    const merged: AskOptions =
      own.signal !== undefined && options.signal !== undefined && own.signal !== options.signal
        ? { ...own, ...options, signal: AbortSignal.any([own.signal, options.signal]) }
        : { ...own, ...options };
    return new ActorRef<A>(this.#delivery, merged);
  }

  /** True when both refs point at the same actor. */
  equals(other: ActorRef<Actor>): boolean {
    return other.#delivery === this.#delivery;
  }

  toString(): string {
    return `ActorRef(${this.path})`;
  }

  static {
    deliveryOf = (ref) => ref.#delivery;
  }
}
