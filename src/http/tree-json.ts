/**
 * The supervision tree as the HTTP server sends it, and the sums read from it. An actor
 * snapshot is already plain data; this file only picks fields and walks it.
 */
import type { ActorSnapshot } from "../actor/snapshot.js";
import type { SystemSnapshot } from "../system/actor-system.js";
import type { ThreadsJson, TreeJson } from "./protocol.js";

export function treeJson(snapshot: SystemSnapshot): TreeJson {
  const { name, status, deadLetters, actors } = snapshot;
  return { name, status, deadLetters, actors };
}

/** The pool's counters, or null until it has started. */
export function threadsJson(snapshot: SystemSnapshot): ThreadsJson | null {
  const stats = snapshot.threads;
  if (stats === null || !stats.started) return null;
  const { threads, queued, inFlight, completed, replaced, utilization } = stats;
  return { threads, queued, inFlight, completed, replaced, utilization };
}

/** Every actor of the tree, parents before children. */
export function* walk(actors: readonly ActorSnapshot[]): Generator<ActorSnapshot> {
  for (const actor of actors) {
    yield actor;
    yield* walk(actor.children);
  }
}

/** The actor at an absolute path in a tree, if any. */
export function findActor(
  actors: readonly ActorSnapshot[],
  path: string,
): ActorSnapshot | undefined {
  for (const actor of actors) {
    if (actor.path === path) return actor;
    if (path.startsWith(`${actor.path}/`)) return findActor(actor.children, path);
  }
  return undefined;
}
