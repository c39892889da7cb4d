/**
 * Piscina's load balancer, with two rules added: a retiring thread (recycled, or hosting a
 * task whose abort grace ran out) gets no new task, and a pinned task (a broadcast catch-up)
 * goes to its thread while that thread is still there. Otherwise: least busy, like Piscina's.
 */
import { Piscina } from "piscina";

/** Piscina's balancer type (its package does not export the name). */
type PiscinaLoadBalancer = NonNullable<
  NonNullable<ConstructorParameters<typeof Piscina>[0]>["loadBalancer"]
>;

export interface WorkerView {
  readonly id: number;
  readonly currentUsage: number;
}

export function retiringAwareBalancer(
  maximumUsage: number,
  workers: ReadonlyMap<number, WorkerView>,
  retiring: ReadonlySet<number>,
): PiscinaLoadBalancer {
  return (task, candidates) => {
    const pin = (task as unknown as Record<symbol, unknown>)[Piscina.queueOptionsSymbol];
    const pinned = typeof pin === "number" && workers.has(pin) && !retiring.has(pin) ? pin : 0;
    let candidate = null;
    let least = maximumUsage;
    for (const worker of candidates) {
      if (retiring.has(worker.id) || (pinned !== 0 && worker.id !== pinned)) continue;
      if (worker.currentUsage === 0) return worker;
      if (worker.currentUsage < least) {
        candidate = worker;
        least = worker.currentUsage;
      }
    }
    return candidate;
  };
}
