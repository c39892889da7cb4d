/**
 * Routers: a pool of identical actors (routees) behind one actor. The router spawns the
 * routees as its own children, so its supervision strategy (the `supervision` spawn option;
 * one-for-one by default) restarts a failing routee in place, same ref and mailbox, while the
 * router and the other routees carry on. Each message goes to one routee picked by the
 * routing policy, or to all of them (`broadcast`):
 *
 * - `round-robin`: routee 0, 1, 2, ... in pool order, wrapping round;
 * - `random`: uniform, from `options.random` (seed it in tests);
 * - `least-loaded`: the routee with the fewest messages queued plus handlers running, read
 *   from `this.context.inspect()` (this router's subtree only); ties go round-robin;
 * - `broadcast`: every routee; an ask replies with the array of replies, in pool order;
 * - `{ consistentHash: (method, args) => key }`: a hash ring with virtual nodes, so the same
 *   key always reaches the same routee and resizing moves only about 1/n of the keys.
 *
 * The router never waits for a routee: a tell is forwarded from the router's handler, and an
 * ask first asks the router which routee(s) to use (`select`), then asks them directly, so a
 * slow or failing routee never blocks or fails the router. `routed(ref)` wraps the router's
 * ref in a handle typed by the routee's protocol that does this:
 *
 * ```ts
 * class Worker extends Actor {
 *   work(n: number): number { return n * 2; }
 * }
 * const ref = system.spawn(router(Worker, { routees: 4, routing: "least-loaded" }), { name: "workers" });
 * const workers = routed(ref);
 * workers.tell("work", 1);                  // to one routee
 * const twice = await workers.ask("work", 21); // 42, typed number
 * workers.resize(8);                         // grow; shrinking drains the stopped routees
 * ```
 *
 * Ordering: tells from one sender through one router keep their order per routee (the router
 * is a single sender to each routee). An ask goes straight to its routee, so it is not ordered
 * against tells sent through the router.
 */
import {
  Actor,
  InvalidOptionError,
  TroupeError,
  child,
  type ActorClass,
  type ActorFactory,
  type ActorRef,
  type ArgsOf,
  type AskOptions,
  type MessageName,
  type ReplyOf,
  type SpawnOptions,
} from "../src/index.js";
import { HashRing } from "./router-ring.js";

/** The routing policies that need no parameters. */
export type RoutingPolicy = "round-robin" | "random" | "least-loaded" | "broadcast";
const POLICIES: readonly RoutingPolicy[] = ["round-robin", "random", "least-loaded", "broadcast"];

/** One call of a routee message as the hash key function sees it: narrow on `method`. */
export type RoutedCall<A> = {
  [K in MessageName<A>]: [method: K, args: ArgsOf<A[K]>];
}[MessageName<A>];

/** Consistent-hash routing: messages with equal keys go to the same routee. */
export interface ConsistentHash<A> {
  readonly consistentHash: (...call: RoutedCall<A>) => string;
}

export type Routing<A> = RoutingPolicy | ConsistentHash<A>;

/** Whether a routed message reaches one routee or all of them (`broadcast`). */
export type Fanout = "one" | "all";

export interface RouterOptions<A extends Actor> {
  /** Routees to start with: an integer >= 1. Change it later with `resize`. */
  readonly routees: number;
  /**
   * How a routee is picked for each message.
   * @default "round-robin"
   */
  readonly routing?: Routing<A>;
  /**
   * The random source of `random` routing: numbers in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * Points per routee on the consistent-hash ring: more spread keys more evenly and cost
   * memory and a slower resize.
   * @default 100
   */
  readonly virtualNodes?: number;
  /**
   * Spawn options of every routee (its mailbox, `concurrency`, a shared `rateLimit`,
   * `restart`, `shutdownTimeout`, …); the router names the routees itself.
   * @default {}
   */
  readonly routeeOptions?: Omit<SpawnOptions, "name">;
}

const OPTION_KEYS = ["routees", "routing", "random", "virtualNodes", "routeeOptions"];

/** A router was asked to route while it has no routee (all of them stopped for good). */
export class NoRouteesError extends TroupeError {
  readonly code = "ERR_NO_ROUTEES";
  constructor(readonly routerPath: string) {
    super(
      `Router ${routerPath} has no routees left (each stopped for good); resize it to add some.`,
    );
  }
}

/** What `select` answers: where an ask goes, and whether its reply is an array. */
export interface Selection<A extends Actor, F extends Fanout> {
  readonly fanout: F;
  readonly routees: readonly ActorRef<A>[];
}

interface RouterSpec<A extends Actor> {
  readonly routee: ActorClass<A> | ActorFactory<A>;
  readonly routees: number;
  readonly routing: Routing<A>;
  readonly random: () => number;
  readonly virtualNodes: number;
  readonly routeeOptions: Omit<SpawnOptions, "name">;
}

interface Routee<A extends Actor> {
  readonly name: string;
  readonly ref: ActorRef<A>;
}

/** The untyped view the router needs to forward a message it only knows by name. */
interface Forward {
  tell(method: string, ...args: unknown[]): void;
}

function checkSize(option: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
    throw new InvalidOptionError(option, "an integer >= 1", value);
}

/**
 * The router actor. Its messages are the routing protocol; send routee messages through
 * `routed(ref)`, which types them by the routee's class.
 */
export class Router<A extends Actor, F extends Fanout = Fanout> extends Actor {
  /** "all" for broadcast routers (an ask replies with an array), otherwise "one". */
  readonly fanout: F;
  readonly #spec: RouterSpec<A>;
  readonly #ring: HashRing | null;
  #routees: Routee<A>[] = [];
  #nextName = 0;
  #next = 0;

  /** @internal Made by `router(...)`. */
  constructor(spec: RouterSpec<A>, fanout: F) {
    super();
    this.#spec = spec;
    this.fanout = fanout;
    this.#ring = typeof spec.routing === "object" ? new HashRing(spec.virtualNodes) : null;
  }

  protected override onStart(): void {
    this.#grow(this.#spec.routees);
  }

  /**
   * Forwards a tell to the routee(s) the policy picks. A routee that refuses it (a bounded
   * mailbox that is full, a message name it does not have: only possible around the typed
   * `routed(ref)`) throws here, which fails the router, and its restart restarts the pool.
   */
  route(method: MessageName<A>, args: readonly unknown[]): void {
    for (const ref of this.#pick(method, args)) (ref as unknown as Forward).tell(method, ...args);
  }

  /** The routee(s) an ask should go to; counts as a routing step, like `route`. */
  select(method: MessageName<A>, args: readonly unknown[]): Selection<A, F> {
    return { fanout: this.fanout, routees: this.#pick(method, args) };
  }

  /**
   * Grows or shrinks the pool to `size` routees. New routees join at the end; shrinking
   * removes the newest first, which take no new messages and stop after draining what they
   * have queued. An invalid size throws, which fails the router (`routed(ref).resize`
   * checks it before sending).
   */
  resize(size: number): void {
    checkSize("size", size);
    const current = this.#routees.length;
    if (size > current) this.#grow(size - current);
    else for (let i = current; i > size; i--) this.#retire();
  }

  /** The current routees, in pool order. */
  routees(): ActorRef<A>[] {
    return this.#routees.map((r) => r.ref);
  }

  /** A routee that stopped for good (past its restart limit, or stopped by hand) leaves. */
  protected override onTerminated(ref: ActorRef): void {
    const index = this.#routees.findIndex((r) => r.ref.equals(ref));
    if (index === -1) return;
    this.#ring?.remove((this.#routees[index] as Routee<A>).name);
    this.#routees.splice(index, 1);
  }

  #grow(count: number): void {
    for (let i = 0; i < count; i++) {
      const name = `routee-${this.#nextName++}`;
      const ref = this.context.spawn(this.#spec.routee, { ...this.#spec.routeeOptions, name });
      this.context.watch(ref);
      this.#routees.push({ name, ref });
      this.#ring?.add(name);
    }
  }

  #retire(): void {
    const last = this.#routees.pop();
    if (last === undefined) return;
    this.#ring?.remove(last.name);
    this.context.unwatch(last.ref);
    this.context.stop(last.ref, { drain: true });
  }

  #pick(method: MessageName<A>, args: readonly unknown[]): ActorRef<A>[] {
    const pool = this.#routees;
    const n = pool.length;
    if (n === 0) throw new NoRouteesError(this.context.path);
    const routing = this.#spec.routing;
    if (typeof routing === "object") {
      const key = (routing.consistentHash as (m: string, a: readonly unknown[]) => string)(
        method,
        args,
      );
      const name = (this.#ring as HashRing).lookup(String(key));
      const owner = pool.find((r) => r.name === name) ?? pool[0]; // the ring holds the pool's names
      return owner === undefined ? [] : [owner.ref];
    }
    switch (routing) {
      case "broadcast":
        return pool.map((r) => r.ref);
      case "round-robin": {
        const at = this.#next % n;
        this.#next = at + 1;
        return [(pool[at] as Routee<A>).ref];
      }
      case "random": {
        const at = Math.min(n - 1, Math.floor(this.#spec.random() * n));
        return [(pool[Math.max(0, at)] as Routee<A>).ref];
      }
      case "least-loaded":
        return [this.#leastLoaded()];
      default:
        return routing satisfies never;
    }
  }

  /**
   * The routee with the fewest messages queued plus handlers running; among equals, the
   * first at or after the round-robin position, so an idle pool is used in turn. Reads this
   * router's own snapshot: the cost grows with the routees, not with the system.
   */
  #leastLoaded(): ActorRef<A> {
    const loads = this.#loads();
    const pool = this.#routees;
    const n = pool.length;
    let best = this.#next % n;
    let bestLoad = Infinity;
    for (let k = 0; k < n; k++) {
      const at = (this.#next + k) % n;
      const load = loads.get((pool[at] as Routee<A>).ref.path) ?? 0;
      if (load < bestLoad) {
        best = at;
        bestLoad = load;
      }
    }
    this.#next = best + 1;
    return (pool[best] as Routee<A>).ref;
  }

  /** Each routee's messages queued plus handlers running, from this router's own subtree. */
  #loads(): Map<string, number> {
    return new Map(this.context.inspect().children.map((c) => [c.path, c.mailbox + c.inFlight]));
  }
}

/**
 * A factory for `system.spawn` (or `context.spawn`, `child(...)`) that makes a router over
 * `options.routees` instances of `routee` (an Actor subclass or a factory, called once per
 * routee and again on each routee restart). Options are checked here, eagerly. The router's
 * type says whether an ask replies with one value or (`broadcast`) an array; when `routing`
 * is only known at run time it is `Router<A, Fanout>` and the reply is either.
 *
 * ```ts
 * const ref = system.spawn(router(() => new Fetcher(limiter), { routees: 3, routing: "random" }));
 * await routed(ref).ask("fetch", url);
 * ```
 */
export function router<A extends Actor>(
  routee: ActorClass<A> | ActorFactory<A>,
  options: RouterOptions<A> & { readonly routing: "broadcast" },
): ActorFactory<Router<A, "all">>;
export function router<A extends Actor>(
  routee: ActorClass<A> | ActorFactory<A>,
  options: RouterOptions<A> & { readonly routing?: Exclude<Routing<A>, "broadcast"> },
): ActorFactory<Router<A, "one">>;
export function router<A extends Actor>(
  routee: ActorClass<A> | ActorFactory<A>,
  options: RouterOptions<A>,
): ActorFactory<Router<A>>;
export function router<A extends Actor>(
  routee: ActorClass<A> | ActorFactory<A>,
  options: RouterOptions<A>,
): ActorFactory<Router<A>> {
  if (typeof routee !== "function")
    throw new InvalidOptionError(
      "routee",
      "an Actor subclass or a factory function returning an actor",
      routee,
    );
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError("options", "an object", options);
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.includes(key))
      throw new InvalidOptionError(
        `options.${key}`,
        `one of the known options (${OPTION_KEYS.join(", ")})`,
        (options as object as Record<string, unknown>)[key],
      );
  checkSize("routees", options.routees);
  const routing = options.routing ?? "round-robin";
  const isHash =
    typeof routing === "object" &&
    routing !== null &&
    typeof (routing as { consistentHash?: unknown }).consistentHash === "function";
  if (!isHash && !POLICIES.includes(routing as RoutingPolicy))
    throw new InvalidOptionError(
      "routing",
      `one of ${POLICIES.map((p) => `"${p}"`).join(", ")} or { consistentHash: (method, args) => key }`,
      routing,
    );
  const random = options.random ?? Math.random;
  if (typeof random !== "function")
    throw new InvalidOptionError("random", "a function returning numbers in [0, 1)", random);
  const virtualNodes = options.virtualNodes ?? 100;
  checkSize("virtualNodes", virtualNodes);
  const routeeOptions = options.routeeOptions ?? {};
  if ("name" in routeeOptions)
    throw new InvalidOptionError(
      "routeeOptions.name",
      "absent: the router names its routees (routee-1, routee-2, …)",
      routeeOptions.name,
    );
  child(routee, routeeOptions); // validates the spawn options now, not at the first spawn
  const spec: RouterSpec<A> = {
    routee,
    routees: options.routees,
    routing,
    random,
    virtualNodes,
    routeeOptions,
  };
  const fanout: Fanout = routing === "broadcast" ? "all" : "one";
  return () => new Router(spec, fanout);
}

/** The reply of an ask through a router: an array of replies for a broadcast router. */
export type RoutedReply<R, F extends Fanout> = F extends "all" ? R[] : R;

/** The untyped view of a router's ref that `RoutedRef` drives (its typed API is its own). */
interface RawRouter {
  tell(method: string, ...args: unknown[]): void;
  ask(method: string, ...args: unknown[]): Promise<unknown>;
  with(options: AskOptions): RawRouter;
}
interface RawRoutee {
  ask(method: string, ...args: unknown[]): Promise<unknown>;
  with(options: AskOptions): RawRoutee;
}

/**
 * A router's ref typed by its routees' protocol: `tell` and `ask` take the routee's message
 * names and arguments and infer the reply. Cheap; make one wherever the ref is used.
 */
export class RoutedRef<A extends Actor, F extends Fanout> {
  readonly #router: ActorRef<Router<A, F>>;
  readonly #options: AskOptions | undefined;

  /** @internal Made by `routed(ref)`. */
  constructor(router: ActorRef<Router<A, F>>, options: AskOptions | undefined) {
    this.#router = router;
    this.#options = options;
  }

  /** The router's own ref (to watch, stop or register it). */
  get ref(): ActorRef<Router<A, F>> {
    return this.#router;
  }

  /**
   * Fire and forget, to the routee(s) the policy picks (all of them when broadcasting).
   * A message to a stopped router becomes a dead letter.
   */
  tell<K extends MessageName<A>>(method: K, ...args: ArgsOf<A[K]>): void {
    this.#raw().tell("route", method, args);
  }

  /**
   * Asks the router for a routee, then asks that routee: resolves with its reply (with the
   * array of every routee's reply, in pool order, when broadcasting). Errors are the
   * routee's own, or the router's (ActorStoppedError). Options set with `with` apply to
   * each of the two asks: the `timeout` bounds each hop, not their sum.
   */
  ask<K extends MessageName<A>>(
    method: K,
    ...args: ArgsOf<A[K]>
  ): Promise<RoutedReply<ReplyOf<A[K]>, F>>;
  async ask(method: string, ...args: unknown[]): Promise<unknown> {
    const selection = (await this.#raw().ask("select", method, args)) as Selection<A, F>;
    const asks = selection.routees.map((routee) => {
      const raw = routee as unknown as RawRoutee;
      return (this.#options === undefined ? raw : raw.with(this.#options)).ask(method, ...args);
    });
    if (selection.fanout === "all") return Promise.all(asks);
    return asks[0];
  }

  /** Resizes the pool (see Router.resize); `size` must be an integer >= 1. */
  resize(size: number): void {
    checkSize("size", size);
    this.#raw().tell("resize", size);
  }

  /** The current routees, in pool order. */
  routees(): Promise<ActorRef<A>[]> {
    return this.#raw().ask("routees") as Promise<ActorRef<A>[]>;
  }

  /** A view with per-call ask options: `routed(ref).with({ timeout: 100 }).ask(...)`. */
  with(options: AskOptions): RoutedRef<A, F> {
    this.#router.with(options); // checks the options, as ActorRef.with does
    const own = this.#options;
    if (own === undefined) return new RoutedRef(this.#router, options);
    const merged: AskOptions =
      own.signal !== undefined && options.signal !== undefined && own.signal !== options.signal
        ? { ...own, ...options, signal: AbortSignal.any([own.signal, options.signal]) }
        : { ...own, ...options };
    return new RoutedRef(this.#router, merged);
  }

  #raw(): RawRouter {
    const raw = this.#router as unknown as RawRouter;
    return this.#options === undefined ? raw : raw.with(this.#options);
  }
}

/** Wraps a router's ref in a handle typed by the routees' protocol. */
export function routed<A extends Actor, F extends Fanout>(
  ref: ActorRef<Router<A, F>>,
): RoutedRef<A, F> {
  return new RoutedRef(ref, undefined);
}
