/**
 * How an actor supervises its children. A strategy is an immutable value made by one of
 * three builders, as in Erlang/OTP:
 * - `oneForOne()`: only the failed child is restarted;
 * - `oneForAll()`: every child is restarted (stopped in reverse start order, started again
 *   in start order), for children that only make sense together;
 * - `restForOne()`: the failed child and the children started after it are restarted, for
 *   chains where later children depend on earlier ones.
 *
 * Each has a `decide(error, child)` function that picks a directive (default: restart), a
 * restart intensity (at most `maxRestarts` restarts of a child within `within` ms) and an
 * optional restart backoff. Pass one as
 * the `supervision` spawn option of the parent, as the system's `supervision` option for
 * top-level actors, or as `strategy` of a declarative `supervisor(...)`.
 *
 * Defaults: restart on every error, at most 5 restarts within 10 s, no backoff. A restart storm faster than that means a fault that restarting does not fix
 * (a bad configuration, a dead dependency); stopping makes it visible instead of burning
 * CPU. Past the limit, `whenExceeded` decides: `"stop-child"` (Akka's way, the default for
 * `spawn`) stops the child and the parent carries on; `"escalate"` (OTP's way, the default
 * of declarative supervisors) stops all the supervisor's children in reverse start order
 * and fails the supervisor itself, so that its own supervisor decides.
 *
 * Dangers: a large `maxRestarts` with a short `within` hides a crash loop; `oneForAll`
 * restarts healthy siblings too (use it only when they share state); redelivery retries a
 * message that may itself be the cause (keep the limit small); a long backoff keeps
 * messages waiting (bounded by the mailbox capacity) and callers' asks may time out.
 */
import type { Actor } from "../actor/actor.js";
import type { ActorRef } from "../actor/actor-ref.js";
import { InvalidOptionError } from "../errors.js";
import {
  checkDuration,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkObject,
  checkOneOf,
} from "../validation.js";
import { BackoffPolicy } from "./backoff.js";
import { DIRECTIVES, type Directive } from "./directive.js";

export const STRATEGY_KINDS = ["one-for-one", "one-for-all", "rest-for-one"] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/** What a supervisor does when a child exceeds its restart intensity. */
export type WhenExceeded = "stop-child" | "escalate";

export interface StrategyOptions {
  /**
   * Chooses the directive for a failure.
   * @default () => "restart"
   */
  readonly decide?: (error: Error, child: ActorRef<Actor>) => Directive;
  /**
   * Restarts of one child allowed within the window; 0 means the first failure exceeds it.
   * @default 5
   */
  readonly maxRestarts?: number;
  /**
   * The sliding window for `maxRestarts`, in ms.
   * @default 10_000
   */
  readonly within?: number;
  /**
   * Past the limit: stop the child, or escalate (stop all children, fail the supervisor).
   * @default "stop-child" ("escalate" for declarative supervisors)
   */
  readonly whenExceeded?: WhenExceeded;
  /**
   * Wait before each restart: `backoff({ min: 100, max: 3000 })`. While a child waits, its
   * messages stay queued in its mailbox, bounded by its mailbox capacity (overflow applies).
   * @default none: restart at once
   */
  readonly backoff?: BackoffPolicy;
  /**
   * Most messages an actor holds while it waits out a backoff delay (those already queued
   * count); more are dropped to dead letters ("dropped-newest"; an ask rejects with
   * MessageDroppedError), as Akka's backoff supervisor does, so a dead dependency does not
   * pile up an unbounded queue.
   * @default 1000
   */
  readonly backoffBuffer?: number;
  /**
   * Hand the message whose handler failed to the restarted actor again, at most this many
   * times; its ask (if any) stays pending meanwhile. Past the limit it is rejected with the
   * last error and recorded as a dead letter with reason "poison".
   * @default 0 (the failing message is not retried: its ask rejects with the error)
   */
  readonly redeliver?: number;
}

/** @deprecated The options of every strategy; use StrategyOptions. */
export type OneForOneOptions = StrategyOptions;

const OPTION_KEYS = [
  "decide",
  "maxRestarts",
  "within",
  "whenExceeded",
  "backoff",
  "backoffBuffer",
  "redeliver",
] as const;

export class SupervisorStrategy {
  readonly kind: StrategyKind;
  readonly #decide: (error: Error, child: ActorRef<Actor>) => Directive;
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly whenExceeded: WhenExceeded;
  readonly backoff: BackoffPolicy | null;
  readonly redeliver: number;
  readonly backoffBuffer: number;
  /** Whether `whenExceeded` was given, so a declarative supervisor may pick its default. */
  readonly #whenExceededGiven: boolean;

  /** @internal Use `oneForOne`, `oneForAll` or `restForOne`. */
  constructor(kind: StrategyKind, options: StrategyOptions = {}) {
    checkObject("supervision", options);
    checkKnownKeys("supervision", options, OPTION_KEYS);
    checkFunction("supervision.decide", options.decide);
    checkInteger("supervision.maxRestarts", options.maxRestarts, 0);
    checkDuration("supervision.within", options.within);
    checkOneOf("supervision.whenExceeded", options.whenExceeded, ["stop-child", "escalate"]);
    if (options.backoff !== undefined && !(options.backoff instanceof BackoffPolicy))
      throw new InvalidOptionError(
        "supervision.backoff",
        "a policy made by backoff({ min, max })",
        options.backoff,
      );
    checkInteger("supervision.redeliver", options.redeliver, 0);
    checkInteger("supervision.backoffBuffer", options.backoffBuffer, 0);
    this.kind = kind;
    this.#decide = options.decide ?? (() => "restart");
    this.maxRestarts = options.maxRestarts ?? 5;
    this.withinMs = options.within ?? 10_000;
    this.whenExceeded = options.whenExceeded ?? "stop-child";
    this.#whenExceededGiven = options.whenExceeded !== undefined;
    this.backoff = options.backoff ?? null;
    this.redeliver = options.redeliver ?? 0;
    this.backoffBuffer = options.backoffBuffer ?? 1000;
    Object.freeze(this);
  }

  /**
   * Asks `decide`. A `decide` that throws escalates (the supervisor cannot handle this
   * failure); one that returns something other than a directive throws InvalidOptionError.
   */
  decide(error: Error, child: ActorRef<Actor>): Directive {
    let directive: unknown;
    try {
      directive = this.#decide(error, child);
    } catch {
      return "escalate";
    }
    if (!(DIRECTIVES as readonly unknown[]).includes(directive))
      throw new InvalidOptionError(
        "supervision.decide()",
        `one of ${DIRECTIVES.join(", ")}`,
        directive,
      );
    return directive as Directive;
  }

  /** A copy with some options changed (the kind stays). */
  with(options: StrategyOptions): SupervisorStrategy {
    return new SupervisorStrategy(this.kind, { ...this.#options(), ...options });
  }

  /** @internal The strategy a declarative supervisor uses: OTP's escalation unless told. */
  forSupervisor(): SupervisorStrategy {
    return this.#whenExceededGiven ? this : this.with({ whenExceeded: "escalate" });
  }

  #options(): StrategyOptions {
    return {
      decide: this.#decide,
      maxRestarts: this.maxRestarts,
      within: this.withinMs,
      ...(this.#whenExceededGiven ? { whenExceeded: this.whenExceeded } : {}),
      ...(this.backoff === null ? {} : { backoff: this.backoff }),
      redeliver: this.redeliver,
      backoffBuffer: this.backoffBuffer,
    };
  }
}

/** Each failed child is handled on its own (Erlang's one_for_one). */
export function oneForOne(options: StrategyOptions = {}): SupervisorStrategy {
  return new SupervisorStrategy("one-for-one", options);
}

/** A failure restarts every child (Erlang's one_for_all). */
export function oneForAll(options: StrategyOptions = {}): SupervisorStrategy {
  return new SupervisorStrategy("one-for-all", options);
}

/** A failure restarts the failed child and every child started after it (rest_for_one). */
export function restForOne(options: StrategyOptions = {}): SupervisorStrategy {
  return new SupervisorStrategy("rest-for-one", options);
}

/** The strategy used when none is given. */
export const defaultStrategy: SupervisorStrategy = oneForOne();
