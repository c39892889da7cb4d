/**
 * Attributes stray promise rejections to the actor that started them. An async handler that
 * starts a promise it neither returns nor awaits (`void save(...)`) would otherwise leave
 * its rejection to the process: with Node's default, a crash. Async handlers run inside an
 * AsyncLocalStorage context naming their actor; Node emits `unhandledRejection` in the
 * context of the rejected promise, so the listener knows whose it was, and hands the error
 * to that actor as a failure (phase "stray-rejection"), for its supervisor to decide.
 *
 * Only async handlers (declared `async`) run in the context: a synchronous handler pays
 * nothing. The process listener is installed while at least one ActorSystem runs. A
 * rejection no actor owns keeps Node's behaviour: if no other listener is registered it is
 * rethrown as an uncaught exception, as Node's default `--unhandled-rejections=throw` does.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What the listener needs from an actor. */
export interface RejectionOwner {
  readonly alive: boolean;
  strayRejection(reason: unknown): void;
}

const context = new AsyncLocalStorage<RejectionOwner>();
let systems = 0;

function onUnhandledRejection(reason: unknown): void {
  const owner = context.getStore();
  if (owner !== undefined && owner.alive) {
    owner.strayRejection(reason);
    return;
  }
  // Not an actor's: behave as if we were not listening.
  if (process.listenerCount("unhandledRejection") === 1) {
    process.nextTick(() => {
      throw reason;
    });
  }
}

/** Runs `call` so that promises it starts are attributed to `owner`. */
export function runAttributed<T>(owner: RejectionOwner, call: () => T): T {
  return context.run(owner, call);
}

/** A system starts: the listener is installed for the first one. */
export function systemStarted(): void {
  if (systems++ === 0) process.on("unhandledRejection", onUnhandledRejection);
}

/** A system ends: the listener is removed with the last one. */
export function systemEnded(): void {
  if (--systems === 0) process.off("unhandledRejection", onUnhandledRejection);
}
