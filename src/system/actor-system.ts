/**
 * The ActorSystem owns everything actors share: the dispatcher, the clock and its deadline
 * queue, the event stream, dead letters, the registry, and the root of the tree (`/user`).
 *
 * ```ts
 * const system = new ActorSystem({ name: "demo" });
 * const counter = system.spawn(Counter, { name: "counter" });
 * counter.tell("inc", 2);
 * const n = await counter.ask("get");
 * await system.shutdown();
 * ```
 *
 * Status: `running` → `shutting-down` (no new actors or messages; the tree drains and stops
 * bottom-up) → `terminated` (every call fails fast with SystemShutDownError).
 */
import { Actor } from "../actor/actor.js";
import type { ActorRef } from "../actor/actor-ref.js";
import { ActorCell, cellOf } from "../actor/cell.js";
import type { ActorClass, ActorFactory } from "../actor/factory.js";
import type { ActorSnapshot } from "../actor/snapshot.js";
import { checkStopOptions, type StopOptions } from "../actor/context.js";
import { resolveSpawnOptions, type SpawnOptions } from "../actor/spawn-options.js";
import { Dispatcher, type DispatcherOptions } from "../dispatch/dispatcher.js";
import { InvalidOptionError, SystemShutDownError, type DropReason } from "../errors.js";
import { RingBuffer } from "../mailbox/ring-buffer.js";
import { SupervisorStrategy } from "../supervision/strategy.js";
import { systemClock, type Clock } from "../time/clock.js";
import { DeadlineQueue } from "../time/deadline-queue.js";
import {
  checkDuration,
  checkFunction,
  checkInteger,
  checkClock,
  checkKnownKeys,
  checkNonNegativeDuration,
  checkObject,
} from "../validation.js";
import type { DeadLetter, SystemEventEmitter, SystemEventName, SystemEvents } from "./events.js";
import { Registry } from "./registry.js";
import { systemEnded, systemStarted } from "./stray-rejections.js";
import { Supervisor, SupervisorSpec, supervisorSpawnOptions } from "../supervision/tree.js";
import { SystemEventBus } from "./event-bus.js";
import type { Runtime } from "./runtime.js";
import { ThreadPool, type ThreadPoolStats } from "../threads/thread-pool.js";
import { resolvePoolOptions, type ThreadPoolOptions } from "../threads/pool-options.js";

export interface ActorSystemOptions {
  /**
   * Shown in errors and inspection.
   * @default "troupe"
   */
  readonly name?: string;
  /**
   * Default `timeout` of every ask, in ms; `Infinity` for none.
   * @default 5000
   */
  readonly askTimeout?: number;
  /**
   * Default time a stopping actor gets to finish in-flight work, in ms.
   * @default 5000
   */
  readonly stopTimeout?: number;
  /** Time source for deadlines and timers; pass a VirtualClock in tests. @default the real clock */
  readonly clock?: Clock;
  readonly dispatcher?: DispatcherOptions;
  /**
   * How top-level actors are supervised.
   * @default oneForOne(): restart, at most 5 times in 10 s
   */
  readonly supervision?: SupervisorStrategy;
  /**
   * How many recent dead letters `deadLetters.recent()` keeps.
   * @default 100
   */
  readonly deadLetterHistory?: number;
  /**
   * Called when a failure escalates past a top-level actor (after the `fatal` event); the
   * failed top-level tree is then stopped cleanly. Use it to log, alert, or exit the
   * process in your own way. An error it throws is rethrown on a fresh macrotask.
   * @default none (the `fatal` event is still emitted)
   */
  readonly onFatal?: (error: Error, path: string) => void;
  /** The thread pool for CPU-bound work (`system.threads`, `offload`); started on first use. */
  readonly threads?: ThreadPoolOptions;
}

export interface ShutdownOptions {
  /**
   * How long actors get to process what is queued and finish in-flight handlers, in ms;
   * what remains is then rejected with ShutdownTimeoutError.
   * @default the system's `stopTimeout`
   */
  readonly timeout?: number;
}

export type SystemStatus = "running" | "shutting-down" | "terminated";

export interface SystemSnapshot {
  readonly name: string;
  readonly status: SystemStatus;
  readonly deadLetters: number;
  /** Top-level actors with their subtrees. */
  readonly actors: readonly ActorSnapshot[];
  /** The thread pool's counters; null until something uses `system.threads`. */
  readonly threads: ThreadPoolStats | null;
}

/** The root of user actors; it has no protocol of its own. */
class UserGuardian extends Actor {}

class SystemRuntime implements Runtime {
  readonly system: ActorSystem;
  readonly name: string;
  readonly clock: Clock;
  readonly deadlines: DeadlineQueue;
  readonly dispatcher: Dispatcher;
  readonly events: SystemEventEmitter = new SystemEventBus();
  readonly askTimeout: number;
  readonly stopTimeout: number;
  readonly registry = new Registry();
  readonly recentDeadLetters: RingBuffer<DeadLetter>;
  readonly deadLetterHistory: number;
  deadLetterCount = 0;
  status: SystemStatus = "running";
  /** Clock time when the system was created. */
  readonly createdAt: number;
  readonly terminated$: Promise<void>;
  markTerminated!: () => void;
  readonly #onFatal: ((error: Error, path: string) => void) | undefined;
  #nextId = 0;

  constructor(system: ActorSystem, options: ActorSystemOptions) {
    this.system = system;
    this.name = options.name ?? "troupe";
    this.clock = options.clock ?? systemClock;
    this.deadlines = new DeadlineQueue(this.clock);
    this.dispatcher = new Dispatcher(options.dispatcher);
    this.askTimeout = options.askTimeout ?? 5000;
    this.stopTimeout = options.stopTimeout ?? 5000;
    this.deadLetterHistory = options.deadLetterHistory ?? 100;
    this.#onFatal = options.onFatal;
    this.recentDeadLetters = new RingBuffer(Math.min(this.deadLetterHistory, 1024));
    this.createdAt = this.clock.now();
    this.terminated$ = new Promise((resolve) => (this.markTerminated = resolve));
  }

  get closed(): boolean {
    return this.status !== "running";
  }

  get terminated(): boolean {
    return this.status === "terminated";
  }

  checkOpen(what: string): void {
    if (this.status !== "running") throw new SystemShutDownError(this.name, what);
  }

  listening(event: SystemEventName): boolean {
    return this.events.listenerCount(event) > 0;
  }

  emit<E extends SystemEventName>(event: E, ...args: SystemEvents[E]): void {
    // SystemEventBus isolates throwing listeners; see event-bus.ts.
    (this.events.emit as (event: E, ...args: SystemEvents[E]) => boolean)(event, ...args);
  }

  deadLetter(
    recipient: string,
    method: string,
    args: readonly unknown[],
    reason: DropReason,
  ): void {
    this.deadLetterCount++;
    if (this.deadLetterHistory === 0 && !this.listening("deadLetter")) return;
    const letter: DeadLetter = { recipient, method, args, reason, timestamp: this.clock.now() };
    if (this.deadLetterHistory > 0) {
      if (this.recentDeadLetters.length >= this.deadLetterHistory) this.recentDeadLetters.shift();
      this.recentDeadLetters.push(letter);
    }
    if (this.listening("deadLetter")) this.emit("deadLetter", letter);
  }

  fatal(path: string, error: Error): void {
    if (this.listening("fatal")) this.emit("fatal", { path, error });
    const hook = this.#onFatal;
    if (hook === undefined) return;
    try {
      hook(error, path);
    } catch (hookError) {
      setImmediate(() => {
        throw hookError;
      });
    }
  }

  nextId(): number {
    return this.#nextId++;
  }

  cellStopped(cell: ActorCell): void {
    this.registry.removeAll(cell.ref);
  }
}

const OPTION_KEYS = [
  "name",
  "askTimeout",
  "stopTimeout",
  "clock",
  "dispatcher",
  "supervision",
  "deadLetterHistory",
  "onFatal",
  "threads",
] as const;

function checkSystemOptions(options: ActorSystemOptions): void {
  checkObject("options", options);
  checkKnownKeys("options", options, OPTION_KEYS);
  if (options.name !== undefined && (typeof options.name !== "string" || options.name.length === 0))
    throw new InvalidOptionError("name", "a non-empty string", options.name);
  checkDuration("askTimeout", options.askTimeout, true);
  checkNonNegativeDuration(
    "stopTimeout",
    options.stopTimeout === Infinity ? undefined : options.stopTimeout,
  );
  checkClock("clock", options.clock);
  checkObject("dispatcher", options.dispatcher);
  if (options.dispatcher !== undefined) {
    checkKnownKeys("dispatcher", options.dispatcher, ["throughput", "yieldAfterMs"]);
    checkInteger("dispatcher.throughput", options.dispatcher.throughput, 1);
    checkDuration("dispatcher.yieldAfterMs", options.dispatcher.yieldAfterMs);
  }
  if (options.supervision !== undefined && !(options.supervision instanceof SupervisorStrategy))
    throw new InvalidOptionError(
      "supervision",
      "a strategy made by oneForOne, oneForAll or restForOne",
      options.supervision,
    );
  checkInteger("deadLetterHistory", options.deadLetterHistory, 0);
  checkFunction("onFatal", options.onFatal);
  resolvePoolOptions(options.threads);
}

export class ActorSystem {
  readonly #runtime: SystemRuntime;
  readonly #guardian: ActorCell;
  #shutdown: Promise<void> | null = null;
  readonly #threadOptions: ThreadPoolOptions | undefined;
  #threads: ThreadPool | null = null;

  constructor(options: ActorSystemOptions = {}) {
    checkSystemOptions(options);
    this.#threadOptions = options.threads;
    this.#runtime = new SystemRuntime(this, options);
    const guardianOptions = resolveSpawnOptions(
      options.supervision === undefined
        ? { name: "user" }
        : { name: "user", supervision: options.supervision },
    );
    this.#guardian = new ActorCell(
      this.#runtime,
      null,
      "user",
      () => new UserGuardian(),
      guardianOptions,
    );
    this.#guardian.create();
    systemStarted();
  }

  get name(): string {
    return this.#runtime.name;
  }

  get status(): SystemStatus {
    return this.#runtime.status;
  }

  /** Typed event stream: started, stopped, restarted, failed, deadLetter, overflow. */
  get events(): SystemEventEmitter {
    return this.#runtime.events;
  }

  get clock(): Clock {
    return this.#runtime.clock;
  }

  /** Time since the system was created, in ms of its clock. */
  get uptime(): number {
    return this.#runtime.clock.now() - this.#runtime.createdAt;
  }

  /**
   * Resolves when the system has terminated (after `shutdown()` completes, whoever called
   * it). Servers and other resources tied to the system close on it.
   */
  get whenTerminated(): Promise<void> {
    return this.#runtime.terminated$;
  }

  /**
   * The system's thread pool for CPU-bound work: `run`, `map`, `broadcast`, `stats`. Its
   * threads start on first use and stop with the system; after shutdown it rejects with
   * ThreadPoolClosedError. Actors use `this.offload(...)`, which ties tasks to the actor.
   */
  get threads(): ThreadPool {
    if (this.#threads === null) {
      const runtime = this.#runtime;
      this.#threads = new ThreadPool(this.#threadOptions, runtime.clock, (error) => {
        if (runtime.listening("threadError")) runtime.emit("threadError", error);
      });
      if (runtime.status === "terminated") void this.#threads.close();
    }
    return this.#threads;
  }

  /** Find actors by service key. */
  get registry(): Registry {
    return this.#runtime.registry;
  }

  /** Dead-letter count and the most recent ones (see the `deadLetterHistory` option). */
  get deadLetters(): { readonly count: number; recent(): DeadLetter[] } {
    const runtime = this.#runtime;
    return {
      get count() {
        return runtime.deadLetterCount;
      },
      recent: () => {
        const out = runtime.recentDeadLetters.drain();
        for (const letter of out) runtime.recentDeadLetters.push(letter);
        return out;
      },
    };
  }

  /**
   * Starts a top-level actor under `/user`. `actor` is an Actor subclass or a factory called
   * again on every restart. Throws InvalidNameError, DuplicateNameError, InvalidOptionError,
   * ActorStartError (the factory threw) or SystemShutDownError.
   */
  spawn<A extends Actor>(
    actor: ActorClass<A> | ActorFactory<A>,
    options?: SpawnOptions,
  ): ActorRef<A> {
    return this.#guardian.spawn(actor, options);
  }

  /**
   * Starts a declarative supervision tree (see `supervisor` and `child`) under `/user` and
   * returns the ref of its root supervisor; `await ref.ask("children")` resolves once the
   * root has spawned its children (in order). Children stop in reverse order.
   */
  start(tree: SupervisorSpec): ActorRef<Supervisor> {
    if (!(tree instanceof SupervisorSpec))
      throw new InvalidOptionError("tree", "a tree made by supervisor(...)", tree);
    return this.#guardian.spawn(() => new Supervisor(tree.children), supervisorSpawnOptions(tree));
  }

  /** Stops an actor and its subtree; resolves when it has stopped. */
  stop(ref: ActorRef<Actor>, options?: StopOptions): Promise<void> {
    checkStopOptions(options);
    const cell = cellOf(ref, "ref");
    if (cell === this.#guardian) return this.shutdown(options);
    return cell.stop(
      { kind: "stopped" },
      options?.drain ?? false,
      options?.timeout ?? this.#runtime.stopTimeout,
    );
  }

  /**
   * The actor at `path`: absolute (`/user/app/db`) or relative to `/user` (`app/db`).
   * Undefined when there is none (or it has stopped). `lookup<Counter>("counter")` types the
   * ref; the type is not checked at run time, each message is.
   */
  lookup<A extends Actor = Actor>(path: string): ActorRef<A> | undefined {
    if (typeof path !== "string") throw new InvalidOptionError("path", "a string", path);
    const segments = path.split("/").filter((s) => s.length > 0);
    if (path.startsWith("/")) {
      if (segments[0] !== "user") return undefined;
      segments.shift();
    }
    let cell: ActorCell | undefined = this.#guardian;
    for (const segment of segments) {
      cell = cell.child(segment);
      if (cell === undefined) return undefined;
    }
    // The type argument is the caller's claim (as with querySelector<T>); every message is
    // still checked against the actor's run-time protocol.
    return cell === this.#guardian || !cell.alive ? undefined : (cell.ref as ActorRef<A>);
  }

  /** The live tree: status, mailbox depth, processed/failed counts and restarts per actor. */
  inspect(): SystemSnapshot {
    return {
      name: this.name,
      status: this.status,
      deadLetters: this.#runtime.deadLetterCount,
      actors: [...this.#guardian.children].map((c) => c.snapshot()),
      threads: this.#threads?.stats ?? null,
    };
  }

  /**
   * Graceful shutdown: stops taking new work, lets every actor process what is queued and
   * finish in-flight handlers until the deadline, stops the tree bottom-up (children before
   * parents, reverse start order), rejects whatever remains with ShutdownTimeoutError, and
   * ends. Idempotent. Afterwards every call fails fast with SystemShutDownError.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    checkObject("options", options);
    if (options !== undefined) {
      checkKnownKeys("options", options, ["timeout"]);
      checkNonNegativeDuration(
        "timeout",
        options.timeout === Infinity ? undefined : options.timeout,
      );
    }
    return (this.#shutdown ??= this.#shutdownProcedure(
      options?.timeout ?? this.#runtime.stopTimeout,
    ));
  }

  async #shutdownProcedure(timeoutMs: number): Promise<void> {
    const runtime = this.#runtime;
    runtime.status = "shutting-down";
    await this.#guardian.stop({ kind: "shutdown" }, true, timeoutMs);
    if (this.#threads !== null) await this.#threads.close(timeoutMs);
    runtime.deadlines.clear();
    runtime.status = "terminated";
    systemEnded();
    runtime.markTerminated();
  }
}
