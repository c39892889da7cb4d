/**
 * An actor's protocol is its class: public methods are the messages it accepts, their
 * parameters are the message arguments and their (awaited) return values are the replies.
 * The types here derive that protocol for `ActorRef<A>`; `protocolOf` derives the same set
 * at run time so that an untyped caller cannot reach a lifecycle hook or `Object.prototype`.
 */
import type { Actor } from "./actor.js";

type AnyFunction = (...args: never[]) => unknown;

/**
 * The lifecycle hooks: never messages, even when a subclass overrides one without
 * `protected` (TypeScript allows widening it to public).
 */
type LifecycleHook = "onStart" | "onStop" | "onRestart" | "onTerminated";

/** Names of the messages actor `A` accepts: its public methods, minus the base class's. */
export type MessageName<A> = {
  [K in keyof A]-?: K extends LifecycleHook
    ? never
    : K extends keyof Actor
      ? never
      : K extends string
        ? A[K] extends AnyFunction
          ? K
          : never
        : never;
}[keyof A];

/** The argument tuple of a message handler. */
export type ArgsOf<F> = F extends (...args: infer P) => unknown ? P : never;

/** The reply type of a message handler: its return value, awaited. */
export type ReplyOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/** Arguments of message `K` of actor `A`. */
export type MessageArgs<A, K extends keyof A> = ArgsOf<A[K]>;

/** Reply to message `K` of actor `A`. */
export type MessageReply<A, K extends keyof A> = ReplyOf<A[K]>;

/** A message handler as stored for dispatch. */
export type Handler = (...args: unknown[]) => unknown;

/**
 * The messages of one actor class: name → handler, plus a one-entry cache of the last name
 * looked up (floods repeat one name, and a string compare of the same literal is a pointer
 * compare). Shared by every instance of the class, so an idle actor does not pay for it.
 */
export class Protocol {
  #lastMethod = "";
  #lastHandler: Handler | undefined = undefined;
  /**
   * Own field names of the class's instances (from the first one): arrow-function fields are
   * per instance, so each new instance is checked for function values under these names.
   */
  fieldNames: readonly string[] | null = null;
  /** Handlers declared `async`: they run attributed (see system/stray-rejections.ts). */
  readonly asyncHandlers: ReadonlySet<Handler>;
  constructor(readonly handlers: ReadonlyMap<string, Handler>) {
    this.asyncHandlers = new Set(
      [...handlers.values()].filter((h) => h.constructor.name === "AsyncFunction"),
    );
  }

  /** The handler for `method`, or undefined when the actor has no such message. */
  lookup(method: string): Handler | undefined {
    if (method === this.#lastMethod) return this.#lastHandler;
    const handler = this.handlers.get(method);
    if (handler !== undefined) {
      this.#lastMethod = method;
      this.#lastHandler = handler;
    }
    return handler;
  }
}

const protocols = new WeakMap<object, Protocol>();

/**
 * An actor whose messages are not its own methods (a thread-resident actor forwards them to
 * its thread) carries its Protocol under this key.
 */
export const ownProtocol = Symbol("troupe.ownProtocol");

/**
 * The run-time protocol of an actor instance, as a map from message name to handler: every
 * function-valued property found on its prototype chain below `base` (the Actor prototype),
 * plus function-valued own fields (arrow-function members), minus every name `base` has
 * (lifecycle hooks, even when overridden, and `Object.prototype`'s methods). Getters are
 * not messages. The prototype part is cached per class; resolving the handler once here
 * spares the dispatcher a megamorphic keyed lookup per message.
 */
export function protocolOf(instance: object, base: object): Protocol {
  if (ownProtocol in instance) return (instance as { [ownProtocol]: Protocol })[ownProtocol];
  const proto = Object.getPrototypeOf(instance) as object;
  let protocol = protocols.get(proto);
  if (protocol === undefined) {
    const found = new Map<string, Handler>();
    for (
      let p: object | null = proto;
      p !== null && p !== base;
      p = Object.getPrototypeOf(p) as object | null
    ) {
      for (const key of Object.getOwnPropertyNames(p)) {
        if (key in base || found.has(key)) continue; // constructor, hooks, Object.prototype
        const d = Object.getOwnPropertyDescriptor(p, key);
        if (d !== undefined && typeof d.value === "function") found.set(key, d.value as Handler);
      }
    }
    protocol = new Protocol(found);
    protocols.set(proto, protocol);
  }
  // Arrow-function fields are per instance. Field names come from the first instance (a
  // class defines the same fields on each), so later spawns read a few properties and
  // allocate nothing.
  const fieldNames = (protocol.fieldNames ??= Object.keys(instance).filter((k) => !(k in base)));
  let own: Map<string, Handler> | null = null;
  for (const key of fieldNames) {
    const value = (instance as Record<string, unknown>)[key];
    if (typeof value === "function") {
      own ??= new Map(protocol.handlers);
      own.set(key, value as Handler);
    }
  }
  return own === null ? protocol : new Protocol(own);
}
