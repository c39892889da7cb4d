/**
 * An actor's protocol is its class: public methods are the messages it accepts, their
 * parameters are the message arguments and their (awaited) return values are the replies.
 * The types here derive that protocol for `ActorRef<A>`; `protocolOf` derives the same set
 * at run time so that an untyped caller cannot reach a lifecycle hook or `Object.prototype`.
 */
import type { Actor } from "./actor.js";

type AnyFunction = (...args: never[]) => unknown;

/** Names of the messages actor `A` accepts: its public methods, minus the base class's. */
export type MessageName<A> = {
  [K in keyof A]-?: K extends keyof Actor
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

const protocols = new WeakMap<object, ReadonlyMap<string, Handler>>();

/**
 * The run-time protocol of an actor instance, as a map from message name to handler: every
 * function-valued property found on its prototype chain below `base` (the Actor prototype),
 * plus function-valued own fields (arrow-function members), minus every name `base` has
 * (lifecycle hooks, even when overridden, and `Object.prototype`'s methods). Getters are
 * not messages. The prototype part is cached per class; resolving the handler once here
 * spares the dispatcher a megamorphic keyed lookup per message.
 */
export function handlersOf(instance: object, base: object): ReadonlyMap<string, Handler> {
  const proto = Object.getPrototypeOf(instance) as object;
  let handlers = protocols.get(proto);
  if (handlers === undefined) {
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
    protocols.set(proto, found);
    handlers = found;
  }
  let own: Map<string, Handler> | null = null;
  for (const key of Object.getOwnPropertyNames(instance)) {
    if (key in base) continue;
    const d = Object.getOwnPropertyDescriptor(instance, key);
    if (d !== undefined && typeof d.value === "function") {
      own ??= new Map(handlers);
      own.set(key, d.value as Handler);
    }
  }
  return own ?? handlers;
}
