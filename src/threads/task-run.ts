/**
 * One task on its way through the pool: the caller's promise, its abort sources and timers,
 * and its slot in the shared state array. A run is answered once (`done`), but stays in the
 * pool until Piscina gives its thread back (`posted` false), because an aborted task may still
 * be running until it notices, or until its thread is replaced.
 */
import type { TransferListItem } from "node:worker_threads";
import type { Clock, TimerHandle } from "../time/clock.js";
import type { SlotRef } from "./task-slots.js";
import type { TaskHandle } from "./task-module.js";

export class TaskRun {
  /** Answered (resolved or rejected): later outcomes are dropped. */
  done = false;
  /** Posted to Piscina and not yet given back. */
  posted = false;
  /** Sent inside a batch of tiny tasks. */
  batched = false;
  /** Never batch it (it is sent alone: its batch failed to clone, or it was alone anyway). */
  solo = false;
  /** Its abort grace ran out: its thread is to be replaced, whatever else runs there. */
  doomed = false;
  slot: SlotRef | null = null;
  timers: TimerHandle[] | null = null;
  cleanup: (() => void) | null = null;

  constructor(
    readonly handle: TaskHandle,
    readonly args: readonly unknown[],
    readonly transfer: readonly TransferListItem[] | undefined,
    readonly map: boolean,
    readonly runTimeout: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: Error) => void,
  ) {}

  /** Answers the caller once, and drops its abort listeners and timers. */
  answer(clock: Clock, ok: boolean, value: unknown): void {
    if (this.done) return;
    this.done = true;
    this.release(clock);
    if (ok) this.resolve(value);
    else this.reject(value as Error);
  }

  release(clock: Clock): void {
    if (this.cleanup !== null) {
      this.cleanup();
      this.cleanup = null;
    }
    if (this.timers !== null) {
      for (const timer of this.timers) clock.clearTimer(timer);
      this.timers = null;
    }
  }
}
