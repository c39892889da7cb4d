/**
 * Offloading from an actor: the task runs on the system's thread pool, but belongs to the
 * actor. It is aborted when the actor's incarnation ends (stop or restart: `incarnationSignal`),
 * the spawn option `offload` says whether the mailbox keeps draining while it runs, and while
 * the pool is saturated the offload waits for room holding one of the actor's concurrency
 * slots: the actor takes no new message, its mailbox fills, and its senders feel it
 * (`send` waits, `tell` meets the overflow policy) instead of the pool's queue growing.
 */
import { checkRunOptions, type RunOptions } from "../threads/run-options.js";
import type { TaskHandle } from "../threads/task-module.js";
import type { ActorCell } from "./cell.js";

export async function offloadFrom(
  cell: ActorCell,
  task: TaskHandle,
  args: readonly unknown[],
  options: RunOptions | undefined,
): Promise<unknown> {
  checkRunOptions(options);
  const pool = cell.runtime.system.threads;
  const own = cell.incarnationSignal;
  const signal = options?.signal === undefined ? own : AbortSignal.any([own, options.signal]);
  const runOptions: RunOptions = options === undefined ? { signal } : { ...options, signal };
  const pause = cell.offloadMode === "pause";
  let held = pool.saturated ? cell.holdSlot() : -1;
  try {
    if (held !== -1) {
      await pool.whenRoom();
      if (!pause) {
        cell.releaseSlot(held);
        held = -1;
      }
    } else if (pause) held = cell.holdSlot();
    return await pool.submit(task, args, runOptions, false);
  } finally {
    if (held !== -1) cell.releaseSlot(held);
  }
}
