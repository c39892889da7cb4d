/**
 * The registry (Akka's receptionist): find actors by a typed service key instead of by path.
 * An actor may be registered under many keys and a key may hold many actors, listed in
 * registration order. A stopped actor leaves every key automatically.
 */
import type { Actor } from "../actor/actor.js";
import type { ActorRef } from "../actor/actor-ref.js";
import { InvalidOptionError } from "../errors.js";

/** A typed key: `serviceKey<Fetcher>("fetchers")`. */
export class ServiceKey<A extends Actor = Actor> {
  /** Phantom member carrying the actor type; never set. */
  declare readonly _actor?: (actor: A) => void;
  constructor(readonly id: string) {
    if (typeof id !== "string" || id.length === 0)
      throw new InvalidOptionError("id", "a non-empty string", id);
  }
  toString(): string {
    return `ServiceKey(${this.id})`;
  }
}

export function serviceKey<A extends Actor>(id: string): ServiceKey<A> {
  return new ServiceKey<A>(id);
}

export class Registry {
  readonly #byKey = new Map<string, ActorRef[]>();
  readonly #keysOf = new Map<string, Set<string>>(); // actor path → key ids

  /** Registers `ref` under `key`; registering twice is a no-op. Throws for a stopped actor. */
  register<A extends Actor>(key: ServiceKey<A>, ref: ActorRef<A>): void {
    if (!(key instanceof ServiceKey)) throw new InvalidOptionError("key", "a ServiceKey", key);
    if (!ref.alive) throw new InvalidOptionError("ref", "a live actor", ref);
    const refs = this.#byKey.get(key.id) ?? [];
    if (refs.some((r) => r.equals(ref))) return;
    refs.push(ref);
    this.#byKey.set(key.id, refs);
    let keys = this.#keysOf.get(ref.path);
    if (keys === undefined) this.#keysOf.set(ref.path, (keys = new Set()));
    keys.add(key.id);
  }

  unregister<A extends Actor>(key: ServiceKey<A>, ref: ActorRef<A>): void {
    const refs = this.#byKey.get(key.id);
    if (refs === undefined) return;
    const kept = refs.filter((r) => !r.equals(ref));
    if (kept.length === 0) this.#byKey.delete(key.id);
    else this.#byKey.set(key.id, kept);
    this.#keysOf.get(ref.path)?.delete(key.id);
  }

  /** The live actors registered under `key`, in registration order. */
  lookup<A extends Actor>(key: ServiceKey<A>): ActorRef<A>[] {
    return [...(this.#byKey.get(key.id) ?? [])] as ActorRef<A>[];
  }

  /** @internal Removes a stopped actor from every key. */
  removeAll(ref: ActorRef): void {
    const keys = this.#keysOf.get(ref.path);
    if (keys === undefined) return;
    this.#keysOf.delete(ref.path);
    for (const id of keys) {
      const kept = (this.#byKey.get(id) ?? []).filter((r) => !r.equals(ref));
      if (kept.length === 0) this.#byKey.delete(id);
      else this.#byKey.set(id, kept);
    }
  }
}
