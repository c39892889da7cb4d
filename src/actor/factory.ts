/**
 * How `spawn` makes instances: from an Actor subclass (`spawn(Counter)`) or from a factory
 * (`spawn(() => new Fetcher(limiter))`). Either way restart calls it again, so a restarted
 * actor always starts from a fresh instance, never from the failed one.
 */
import { Actor } from "./actor.js";
import { InvalidOptionError } from "../errors.js";

/** A class whose instances are actors, or a factory that makes one (called again on restart). */
export type ActorClass<A extends Actor> = new () => A;
export type ActorFactory<A extends Actor> = () => A;

/** Checks what spawn was given; true for an Actor subclass, false for a factory function. */
export function isActorClass<A extends Actor>(actor: ActorClass<A> | ActorFactory<A>): boolean {
  if (typeof actor !== "function")
    throw new InvalidOptionError(
      "actor",
      "an Actor subclass or a factory function returning an actor",
      actor,
    );
  return actor.prototype instanceof Actor;
}
