/**
 * Retiring threads: a thread is retired when it asks to be recycled (after N tasks, above a
 * heap size) or when a task on it ignored its abort past the grace period. A retiring thread
 * gets no new task (see balancer.ts) and is terminated once no other task runs on it, so
 * retiring never fails an unrelated task; tasks handed to it that had not started are
 * resubmitted by the pool when Piscina gives them back. Also counts replaced threads.
 */
import type { Piscina } from "piscina";
import type { TaskRun } from "./task-run.js";
import { ABORTING, RUNNING, stateOf, threadOf } from "./task-slots.js";

export class Retirement {
  /** Threads that take no new task. */
  readonly retiring = new Set<number>();
  /** Threads already counted as replaced (a crash rejects every task of its thread). */
  readonly #dead = new Set<number>();
  #replaced = 0;

  constructor(
    /** The pool's runs in flight, to see what else runs on a thread. */
    private readonly posted: ReadonlySet<TaskRun>,
  ) {}

  /** Threads replaced so far: crashed, terminated for an abort, or recycled. */
  get replaced(): number {
    return this.#replaced;
  }

  /** Counts `thread` as replaced, once. */
  died(thread: number): void {
    if (this.#dead.has(thread)) return;
    this.#dead.add(thread);
    this.#replaced++;
  }

  /** No new task goes to `thread`; it is terminated once nothing else runs there. */
  retire(piscina: Piscina, thread: number): void {
    this.retiring.add(thread);
    this.check(piscina, thread);
  }

  /** Terminates `thread` if it is retiring and nothing but doomed tasks runs on it. */
  check(piscina: Piscina, thread: number): void {
    if (!this.retiring.has(thread)) return;
    for (const run of this.posted) {
      if (run.doomed || run.slot === null) continue;
      const state = stateOf(run.slot);
      if ((state === RUNNING || state === ABORTING) && threadOf(run.slot) === thread) return;
    }
    const worker = piscina.threads.find((w) => w.threadId === thread);
    if (worker === undefined) {
      this.retiring.delete(thread);
      return;
    }
    this.died(thread);
    void worker.terminate();
  }

  /** Forgets threads that are gone (a dead Worker's threadId reads -1, so by what is live). */
  keepOnly(live: ReadonlySet<number>): void {
    for (const id of this.retiring) if (!live.has(id)) this.retiring.delete(id);
  }
}
