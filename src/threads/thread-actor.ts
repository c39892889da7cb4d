/**
 * Thread-resident actors: an actor whose instance lives in its own worker thread, exposed
 * with comlink, behind the same ActorRef (typed tell and ask) and the same supervision. The
 * main thread holds a host actor that forwards each message to the instance, one at a time
 * (or `concurrency` at a time), so the instance keeps the actor model's guarantees while its
 * CPU work runs in parallel with everything on the event loop.
 *
 * A crash or exit of the thread is a failure of the actor (phase "thread"); a restart calls
 * the factory again, which starts a new thread with a fresh instance. Stopping the actor
 * releases the proxy and ends the thread (terminated after a grace period).
 *
 * ```ts
 * // counter.ts (runs in the thread): a plain class; its public methods are the messages
 * export class Counter { #n = 0; constructor(start: number) { this.#n = start; } inc() { return ++this.#n; } }
 * // main
 * const counter = system.spawn(threadActor<typeof import("./counter.js"), "Counter">(url, "Counter", 10));
 * await counter.ask("inc"); // 11, computed in the counter's own thread
 * ```
 */
import { Worker } from "node:worker_threads";
import { releaseProxy, wrap, type Remote } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { Actor, lifecycle } from "../actor/actor.js";
import { ForwardingProtocol } from "../actor/forwarding-protocol.js";
import { ownProtocol, type Handler } from "../actor/protocol.js";
import { ActorThreadError, InvalidOptionError } from "../errors.js";
import { reviveError } from "./error-data.js";
import { workerScript } from "./worker-script.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor's shape
type AnyClass = abstract new (...args: any[]) => object;
type AnyFn = (...args: never[]) => unknown;

/** The actor type of a thread-resident `T`: each public method answers with a promise. */
export type ThreadActor<T> = Actor & {
  [K in keyof T as K extends string ? (T[K] extends AnyFn ? K : never) : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/** Constructor arguments of export `K` of module `M`. */
export type ThreadActorArgs<M, K extends keyof M> = M[K] extends abstract new (
  ...args: infer A
) => object
  ? A
  : never;

/** comlink sends an error's name, message and stack: give built-in classes their class back. */
function rebuild(thrown: unknown): unknown {
  if (!(thrown instanceof Error)) return thrown;
  return reviveError({
    name: thrown.name,
    message: thrown.message,
    stack: thrown.stack,
    fields: {},
    cause: undefined,
  });
}

interface Spec {
  readonly url: string;
  readonly exportName: string;
  readonly args: readonly unknown[];
}

/** How long a stopping thread gets to exit by itself before it is terminated, ms. */
const EXIT_GRACE = 1_000;

class ThreadActorHost extends Actor {
  readonly [ownProtocol]: ForwardingProtocol;
  readonly #spec: Spec;
  #worker: Worker | null = null;
  #remote: Remote<Record<string, (...args: unknown[]) => Promise<unknown>>> | null = null;
  #stopping = false;

  constructor(spec: Spec) {
    super();
    this.#spec = spec;
    this[ownProtocol] = new ForwardingProtocol(
      (method): Handler =>
        (...args) =>
          this.#call(method, args),
    );
  }

  #call(method: string, args: unknown[]): Promise<unknown> {
    const remote = this.#remote;
    if (remote === null)
      return Promise.reject(new ActorThreadError(this.context.path, "is not running"));
    const fn = remote[method] as (...args: unknown[]) => Promise<unknown>;
    return fn(...args).catch((thrown: unknown) => {
      throw rebuild(thrown);
    });
  }

  protected override onStart(): Promise<void> {
    const script = workerScript(import.meta.url, "thread-actor-entry");
    const worker = new Worker(script.url, {
      workerData: { troupeActor: this.#spec },
      execArgv: script.execArgv,
    });
    this.#worker = worker;
    const path = this.context.path;
    return new Promise<void>((resolve, reject) => {
      const onReady = (message: unknown): void => {
        const methods = (message as { troupeReady?: unknown } | null)?.troupeReady;
        if (!Array.isArray(methods)) return;
        cleanup();
        this[ownProtocol].define(methods as string[]);
        this.#remote = wrap(nodeEndpoint(worker));
        this.#watch(worker);
        resolve();
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(new ActorThreadError(path, `failed to start (${error.message})`, error));
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new ActorThreadError(path, `exited with code ${code} while starting`));
      };
      const cleanup = (): void => {
        worker.off("message", onReady);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      worker.on("message", onReady);
      worker.on("error", onError);
      worker.on("exit", onExit);
    });
  }

  /** After start: a crash or an unexpected exit of the thread fails the actor. */
  #watch(worker: Worker): void {
    const cell = lifecycle.cellOf(this);
    if (cell === null) return;
    const incarnation = cell.incarnation;
    const path = cell.path;
    worker.on("error", (error: Error) => {
      if (!this.#stopping)
        cell.failFromOutside(
          new ActorThreadError(path, `crashed (${error.message})`, error),
          "thread",
          incarnation,
        );
    });
    worker.on("exit", (code: number) => {
      this.#remote = null;
      if (!this.#stopping)
        cell.failFromOutside(
          new ActorThreadError(path, `exited with code ${code}`),
          "thread",
          incarnation,
        );
    });
  }

  protected override async onStop(): Promise<void> {
    this.#stopping = true;
    const worker = this.#worker;
    this.#worker = null;
    const remote = this.#remote;
    this.#remote = null;
    if (worker === null) return;
    if (remote !== null) remote[releaseProxy]();
    if (worker.threadId === -1) return; // already gone
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    await Promise.race([
      exited,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, EXIT_GRACE))),
    ]);
    clearTimeout(timer);
    await worker.terminate();
  }
}

/**
 * A factory for `system.spawn` (or `context.spawn`, `child(...)`) that runs an instance of
 * class `exportName` from the module at `url` in its own worker thread, constructed with
 * `args` (structured-cloned). Pass the module's type for typed messages:
 * `threadActor<typeof import("./counter.js"), "Counter">(url, "Counter", 10)`.
 */
export function threadActor<M, K extends keyof M & string>(
  url: URL | string,
  exportName: K,
  ...args: ThreadActorArgs<M, K>
): () => ThreadActor<InstanceType<Extract<M[K], AnyClass>>> {
  let href: string;
  try {
    href = (url instanceof URL ? url : new URL(url)).href;
  } catch {
    throw new InvalidOptionError("url", "a file: URL of the actor's module", url);
  }
  if (typeof exportName !== "string" || exportName.length === 0)
    throw new InvalidOptionError("exportName", "the name of an exported class", exportName);
  try {
    structuredClone(args);
  } catch (error) {
    throw new InvalidOptionError(
      "args",
      `constructor arguments that can be copied to a thread (${(error as Error).message})`,
      args,
    );
  }
  const spec: Spec = { url: href, exportName, args };
  return () =>
    new ThreadActorHost(spec) as unknown as ThreadActor<InstanceType<Extract<M[K], AnyClass>>>;
}
