/**
 * Declarative supervision trees, OTP-style: describe the tree as values, start it with
 * `system.start(tree)`. Children start in the order listed (each after the previous one is
 * spawned) and stop in reverse order. A supervisor node is an actor whose only job is to
 * start and supervise its children; its strategy defaults to OTP's (one-for-one,
 * `whenExceeded: "escalate"`), and `child(...)` specs default to OTP's `permanent` restart.
 *
 * ```ts
 * const app = system.start(
 *   supervisor({ name: "app", strategy: oneForAll({ maxRestarts: 5, within: 60_000 }) }, [
 *     child(Database, { name: "db" }),
 *     supervisor({ name: "workers" }, [
 *       child(() => new Fetcher(limiter), { name: "f1", restart: "transient" }),
 *     ]),
 *   ]),
 * );
 * await app.ask("children"); // resolves once the root has spawned its children in order
 * ```
 */
import { Actor } from "../actor/actor.js";
import type { ActorClass, ActorFactory } from "../actor/factory.js";
import {
  resolveSpawnOptions,
  type RestartType,
  type SpawnOptions,
} from "../actor/spawn-options.js";
import { InvalidOptionError } from "../errors.js";
import { checkKnownKeys, checkObject } from "../validation.js";
import { SupervisorStrategy, oneForOne } from "./strategy.js";

/** A child in a tree: what `spawn` would get, with OTP's `permanent` restart by default. */
export class ChildSpec {
  readonly kind = "child";
  constructor(
    readonly actor: ActorClass<Actor> | ActorFactory<Actor>,
    readonly options: SpawnOptions,
  ) {
    Object.freeze(this);
  }
}

export interface SupervisorOptions {
  /** Unique among siblings (see spawn's `name`). @default a generated name */
  readonly name?: string;
  /**
   * How the children are supervised.
   * @default oneForOne() with whenExceeded "escalate" (a strategy without an explicit
   * whenExceeded also gets "escalate" here)
   */
  readonly strategy?: SupervisorStrategy;
  /** The supervisor's own restart type under its parent. @default "permanent" */
  readonly restart?: RestartType;
  /** How long the supervisor (and so its subtree) gets when its parent stops it, in ms. */
  readonly shutdownTimeout?: number;
}

/** A supervisor in a tree: a strategy and its children, in start order. */
export class SupervisorSpec {
  readonly kind = "supervisor";
  constructor(
    readonly options: SupervisorOptions,
    readonly children: readonly TreeSpec[],
  ) {
    Object.freeze(this);
  }
}

export type TreeSpec = ChildSpec | SupervisorSpec;

/** A child of a declarative supervisor; `spec` takes spawn's options. */
export function child<A extends Actor>(
  actor: ActorClass<A> | ActorFactory<A>,
  spec: SpawnOptions = {},
): ChildSpec {
  if (typeof actor !== "function")
    throw new InvalidOptionError(
      "actor",
      "an Actor subclass or a factory function returning an actor",
      actor,
    );
  checkObject("spec", spec);
  const options: SpawnOptions = { restart: "permanent", ...spec };
  resolveSpawnOptions(options); // validate now, not when the supervisor starts
  return new ChildSpec(actor, options);
}

/** A supervisor node with its children, started in order. */
export function supervisor(
  options: SupervisorOptions,
  children: readonly TreeSpec[],
): SupervisorSpec {
  checkObject("options", options);
  checkKnownKeys("options", options, ["name", "strategy", "restart", "shutdownTimeout"]);
  if (options.strategy !== undefined && !(options.strategy instanceof SupervisorStrategy))
    throw new InvalidOptionError(
      "strategy",
      "a strategy made by oneForOne, oneForAll or restForOne",
      options.strategy,
    );
  if (!Array.isArray(children))
    throw new InvalidOptionError(
      "children",
      "an array of child(...) and supervisor(...) specs",
      children,
    );
  children.forEach((c: unknown, i) => {
    if (!(c instanceof ChildSpec) && !(c instanceof SupervisorSpec))
      throw new InvalidOptionError(`children[${i}]`, "a child(...) or supervisor(...) spec", c);
  });
  const spec = new SupervisorSpec(options, children.slice());
  resolveSpawnOptions(supervisorSpawnOptions(spec)); // validate now, not when it starts
  return spec;
}

/** The spawn options of a supervisor node. */
export function supervisorSpawnOptions(spec: SupervisorSpec): SpawnOptions {
  const o = spec.options;
  return {
    ...(o.name === undefined ? {} : { name: o.name }),
    supervision: (o.strategy ?? oneForOne()).forSupervisor(),
    restart: o.restart ?? "permanent",
    ...(o.shutdownTimeout === undefined ? {} : { shutdownTimeout: o.shutdownTimeout }),
  };
}

/**
 * The actor behind a supervisor node. It starts its children in `onStart`, in order, so a
 * restart of the supervisor starts them again; a child that fails to start (its factory
 * throws) fails the supervisor's start with an ActorStartError naming the child's path.
 */
export class Supervisor extends Actor {
  readonly #children: readonly TreeSpec[];

  constructor(children: readonly TreeSpec[]) {
    super();
    this.#children = children;
  }

  /**
   * Paths of the live children, in start order. Answered after this supervisor's onStart has
   * spawned them all; a child with an async onStart may still be starting.
   */
  children(): string[] {
    return this.context.children.map((c) => c.path);
  }

  protected override onStart(): void {
    for (const spec of this.#children) {
      if (spec instanceof ChildSpec) this.context.spawn(spec.actor, spec.options);
      else this.context.spawn(() => new Supervisor(spec.children), supervisorSpawnOptions(spec));
    }
  }
}
