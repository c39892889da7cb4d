/**
 * Fixtures shared by the supervision suites. `Node` is an actor that writes its lifecycle
 * into a shared `LifecycleLog` ("start b#2", "stop b#1") and spawns the children its spec
 * lists, in order, from `onStart` (so a restart creates them again). Instances are numbered
 * per name, so a test tells a restart (same ref, next number) from an untouched sibling
 * (same number) and reads who stopped and started in which order from one array, as OTP's
 * supervisor suite does with its child pids.
 */
import {
  Actor,
  type ActorFailedEvent,
  type ActorRef,
  type ActorRestartedEvent,
  type ActorSystem,
  type EscalatedEvent,
  type FatalEvent,
  type RestartType,
  type SpawnOptions,
  type SupervisorStrategy,
  type SystemEvents,
} from "../../src/index.js";

/** Lifecycle steps of every Node in a test, in the order they happened. */
export class LifecycleLog {
  readonly entries: string[] = [];
  readonly #instances = new Map<string, number>();

  /** The next instance number for `name`: 1 for the first instance, 2 after a restart… */
  nextInstance(name: string): number {
    const n = (this.#instances.get(name) ?? 0) + 1;
    this.#instances.set(name, n);
    return n;
  }

  /** Returns what was logged so far and empties the log. */
  take(): string[] {
    return this.entries.splice(0);
  }
}

/** A node of a test tree: its spawn options and its own children, in start order. */
export interface NodeSpec {
  readonly name: string;
  readonly restart?: RestartType;
  readonly supervision?: SupervisorStrategy;
  readonly shutdownTimeout?: number;
  readonly concurrency?: number;
  readonly children?: readonly NodeSpec[];
}

export class Node extends Actor {
  readonly #log: LifecycleLog;
  readonly #children: readonly NodeSpec[];
  readonly #id: string;

  constructor(log: LifecycleLog, children: readonly NodeSpec[] = []) {
    super();
    this.#log = log;
    this.#children = children;
    const name = this.context.name;
    this.#id = `${name}#${log.nextInstance(name)}`;
  }

  /** Which instance this is: "b#2" is the second instance of b. */
  id(): string {
    return this.#id;
  }

  fail(message = `${this.#id} failed`): void {
    throw new Error(message);
  }

  /** A normal exit: the actor stops itself. */
  stopSelf(): void {
    this.context.stop();
  }

  /** Logs "<id> <label>", so a test sees which instance handled a message. */
  note(label: string): string {
    this.#log.entries.push(`${this.#id} ${label}`);
    return label;
  }

  /** A handler that never settles. */
  hang(): Promise<never> {
    return new Promise<never>(() => {});
  }

  /** Names of the running children, in start order. */
  children(): string[] {
    return this.context.children.map((c) => c.name);
  }

  protected override onStart(): void {
    this.#log.entries.push(`start ${this.#id}`);
    for (const spec of this.#children)
      spawnChild((factory, options) => this.context.spawn(factory, options), this.#log, spec);
  }

  protected override onStop(): void {
    this.#log.entries.push(`stop ${this.#id}`);
  }
}

/** The spawn options a spec describes (only the keys it sets). */
export function spawnOptionsOf(spec: NodeSpec): SpawnOptions {
  return {
    name: spec.name,
    ...(spec.restart === undefined ? {} : { restart: spec.restart }),
    ...(spec.supervision === undefined ? {} : { supervision: spec.supervision }),
    ...(spec.shutdownTimeout === undefined ? {} : { shutdownTimeout: spec.shutdownTimeout }),
    ...(spec.concurrency === undefined ? {} : { concurrency: spec.concurrency }),
  };
}

type Spawn = (factory: () => Node, options: SpawnOptions) => ActorRef<Node>;

function spawnChild(spawn: Spawn, log: LifecycleLog, spec: NodeSpec): ActorRef<Node> {
  return spawn(() => new Node(log, spec.children ?? []), spawnOptionsOf(spec));
}

/** Spawns a top-level Node (and, from its onStart, its subtree). */
export function spawnNode(system: ActorSystem, log: LifecycleLog, spec: NodeSpec): ActorRef<Node> {
  return spawnChild((factory, options) => system.spawn(factory, options), log, spec);
}

/** The live Node at `path` (relative to /user); throws if there is none. */
export function nodeAt(system: ActorSystem, path: string): ActorRef<Node> {
  const ref = system.lookup<Node>(path);
  if (ref === undefined) throw new Error(`no live actor at ${path}`);
  return ref;
}

/** Leaf specs, one per letter of `names` ("abc" → a, b, c), all with the same restart type. */
export function leaves(names: string, restart?: RestartType): NodeSpec[] {
  return [...names].map((name) => (restart === undefined ? { name } : { name, restart }));
}

export type StoppedEvent = SystemEvents["stopped"][0];

/** Everything the system reports about supervision, in arrival order. */
export interface Recorded {
  readonly stopped: StoppedEvent[];
  readonly restarted: ActorRestartedEvent[];
  readonly failed: ActorFailedEvent[];
  readonly escalated: EscalatedEvent[];
  readonly fatal: FatalEvent[];
}

export function recordEvents(system: ActorSystem): Recorded {
  const recorded: Recorded = { stopped: [], restarted: [], failed: [], escalated: [], fatal: [] };
  system.events.on("stopped", (e) => recorded.stopped.push(e));
  system.events.on("restarted", (e) => recorded.restarted.push(e));
  system.events.on("failed", (e) => recorded.failed.push(e));
  system.events.on("escalated", (e) => recorded.escalated.push(e));
  system.events.on("fatal", (e) => recorded.fatal.push(e));
  return recorded;
}

/** The error a stopped event carries, when it stopped for a failure. */
export function failureOf(event: StoppedEvent | undefined): Error | undefined {
  return event?.reason.kind === "failed" ? event.reason.error : undefined;
}
