/**
 * The system's event emitter: eventemitter3, with one difference that matters to a
 * runtime: a listener that throws does not keep the event from the listeners after it, and
 * does not break the actor that caused the event. Its error is rethrown on a fresh
 * macrotask, where it surfaces as an uncaught exception of the listener's own (as xstate
 * does), instead of unwinding into the dispatcher.
 *
 * Listeners are wrapped when added; removal, `listeners()` and `once` work with the
 * functions the caller passed.
 */
import { EventEmitter } from "eventemitter3";
import type { SystemEventName, SystemEvents } from "./events.js";

type Wrapped = ((...args: unknown[]) => void) & { readonly original: object };

const wrappers = new WeakMap<object, Wrapped>();

function wrap(listener: object): Wrapped {
  let wrapped = wrappers.get(listener);
  if (wrapped === undefined) {
    const safe = function (this: unknown, ...args: unknown[]): void {
      try {
        (listener as (...a: unknown[]) => void).apply(this, args);
      } catch (error) {
        setImmediate(() => {
          throw error;
        });
      }
    };
    wrapped = Object.assign(safe, { original: listener });
    wrappers.set(listener, wrapped);
  }
  return wrapped;
}

type Fn<E extends SystemEventName> = EventEmitter.EventListener<SystemEvents, E>;

export class SystemEventBus extends EventEmitter<SystemEvents> {
  override on<E extends SystemEventName>(event: E, fn: Fn<E>, context?: unknown): this {
    return super.on(event, wrap(fn), context);
  }

  override addListener<E extends SystemEventName>(event: E, fn: Fn<E>, context?: unknown): this {
    return super.addListener(event, wrap(fn), context);
  }

  override once<E extends SystemEventName>(event: E, fn: Fn<E>, context?: unknown): this {
    return super.once(event, wrap(fn), context);
  }

  override removeListener<E extends SystemEventName>(
    event: E,
    fn?: Fn<E>,
    context?: unknown,
    once?: boolean,
  ): this {
    const wrapped = fn === undefined ? undefined : (wrappers.get(fn) ?? fn);
    return super.removeListener(event, wrapped, context, once);
  }

  override off<E extends SystemEventName>(
    event: E,
    fn?: Fn<E>,
    context?: unknown,
    once?: boolean,
  ): this {
    return this.removeListener(event, fn, context, once);
  }

  override listeners<E extends SystemEventName>(event: E): Fn<E>[] {
    return super
      .listeners(event)
      .map((fn) => ((fn as unknown as Partial<Wrapped>).original ?? fn) as Fn<E>);
  }
}
