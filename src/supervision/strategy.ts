/**
 * How an actor supervises its children: a `decide(error, child)` function that picks a
 * directive, and a restart intensity (at most `maxRestarts` restarts of one child within
 * `within` ms; one more failure stops that child). Strategies are immutable values made by
 * `oneForOne(...)`; pass one as the `supervision` spawn option of the parent, or as the
 * system's `supervision` option for top-level actors.
 *
 * Defaults: restart on every error, at most 5 restarts within 10 s. A restart storm faster
 * than that means a fault that restarting does not fix (a bad config, a dead dependency);
 * stopping the child makes the failure visible instead of burning CPU. Raise the numbers
 * for actors whose failures are expected and transient (network clients).
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
} from "../validation.js";
import { DIRECTIVES, type Directive } from "./directive.js";

export interface OneForOneOptions {
  /**
   * Chooses the directive for a failure.
   * @default () => "restart"
   */
  readonly decide?: (error: Error, child: ActorRef<Actor>) => Directive;
  /**
   * Restarts allowed within the window; 0 means a failure stops the child at once.
   * @default 5
   */
  readonly maxRestarts?: number;
  /**
   * The sliding window for `maxRestarts`, in ms.
   * @default 10_000
   */
  readonly within?: number;
}

export class SupervisorStrategy {
  readonly kind = "one-for-one";
  readonly #decide: (error: Error, child: ActorRef<Actor>) => Directive;
  readonly maxRestarts: number;
  readonly withinMs: number;

  /** @internal Use `oneForOne(...)`. */
  constructor(options: OneForOneOptions = {}) {
    checkObject("supervision", options);
    checkKnownKeys("supervision", options, ["decide", "maxRestarts", "within"]);
    checkFunction("supervision.decide", options.decide);
    checkInteger("supervision.maxRestarts", options.maxRestarts, 0);
    checkDuration("supervision.within", options.within);
    this.#decide = options.decide ?? (() => "restart");
    this.maxRestarts = options.maxRestarts ?? 5;
    this.withinMs = options.within ?? 10_000;
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

  /** A copy with some options changed. */
  with(options: OneForOneOptions): SupervisorStrategy {
    return new SupervisorStrategy({
      decide: this.#decide,
      maxRestarts: this.maxRestarts,
      within: this.withinMs,
      ...options,
    });
  }
}

/** Each failed child is handled on its own (Erlang's one_for_one). */
export function oneForOne(options: OneForOneOptions = {}): SupervisorStrategy {
  return new SupervisorStrategy(options);
}

/** The strategy used when none is given. */
export const defaultStrategy: SupervisorStrategy = oneForOne();
