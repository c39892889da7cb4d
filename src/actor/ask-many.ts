/**
 * Asking many actors at once, with the toolkit's combinators (concurrency/combinators.ts):
 * the same message to each ref, typed by the actors' protocol. Asks whose answer is no
 * longer wanted are aborted through their signal: a message still in a mailbox is withdrawn
 * (it never runs), a running one is answered into the void.
 *
 * ```ts
 * const totals = await askAll(shards, "total");            // number[], in ref order
 * const { index, value } = await askFirst(replicas, "get", key); // the fastest replica
 * ```
 */
import {
  asCompleted,
  firstCompleted,
  gather,
  gatherSettled,
  type Outcome,
} from "../concurrency/combinators.js";
import { InvalidOptionError } from "../errors.js";
import type { Actor } from "./actor.js";
import { ActorRef } from "./actor-ref.js";
import type { ArgsOf, MessageName, ReplyOf } from "./protocol.js";

type Asker<R> = (signal: AbortSignal) => Promise<R>;

function askers<A extends Actor, K extends MessageName<A>>(
  refs: readonly ActorRef<A>[],
  method: K,
  args: ArgsOf<A[K]>,
): Array<Asker<ReplyOf<A[K]>>> {
  const list: readonly ActorRef<A>[] = refs;
  if (!Array.isArray(refs) || list.some((ref) => !(ref instanceof ActorRef)))
    throw new InvalidOptionError("refs", "an array of ActorRefs", refs);
  return list.map(
    (ref) => (signal: AbortSignal) =>
      (
        ref.with({ signal }) as unknown as {
          ask(m: string, ...a: unknown[]): Promise<ReplyOf<A[K]>>;
        }
      ).ask(method, ...(args as unknown[])),
  );
}

/**
 * Asks every ref and resolves with the replies in ref order; rejects with the first failure
 * and aborts the other asks (asyncio's `gather`).
 */
export function askAll<A extends Actor, K extends MessageName<A>>(
  refs: readonly ActorRef<A>[],
  method: K,
  ...args: ArgsOf<A[K]>
): Promise<Array<ReplyOf<A[K]>>> {
  return gather(askers(refs, method, args));
}

/** Asks every ref; resolves with each reply or error in ref order (`return_exceptions=True`). */
export function askAllSettled<A extends Actor, K extends MessageName<A>>(
  refs: readonly ActorRef<A>[],
  method: K,
  ...args: ArgsOf<A[K]>
): Promise<Array<Outcome<ReplyOf<A[K]>>>> {
  return gatherSettled(askers(refs, method, args));
}

/**
 * Asks every ref and resolves with the first reply, `{ index, value }`; the other asks are
 * aborted. Rejects with AllFailedError if every ask fails.
 */
export function askFirst<A extends Actor, K extends MessageName<A>>(
  refs: readonly ActorRef<A>[],
  method: K,
  ...args: ArgsOf<A[K]>
): Promise<{ readonly index: number; readonly value: ReplyOf<A[K]> }> {
  return firstCompleted(askers(refs, method, args));
}

/**
 * Asks every ref and yields `{ index, value }` as replies arrive; a failed ask is thrown at
 * its turn, and leaving the loop early aborts the asks still pending.
 */
export function askAsCompleted<A extends Actor, K extends MessageName<A>>(
  refs: readonly ActorRef<A>[],
  method: K,
  ...args: ArgsOf<A[K]>
): AsyncIterableIterator<{ readonly index: number; readonly value: ReplyOf<A[K]> }> {
  return asCompleted(askers(refs, method, args)) as AsyncIterableIterator<{
    readonly index: number;
    readonly value: ReplyOf<A[K]>;
  }>;
}
