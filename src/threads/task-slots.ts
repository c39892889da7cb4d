/**
 * Per-task state shared between the pool and its workers, in one SharedArrayBuffer handed to
 * every worker at start. Each task in flight owns a slot of two Int32s: its state and the
 * thread that runs it. The pool learns without any message whether a task has started (so an
 * abort or a queue timeout knows its phase, and a task that never started can be resubmitted
 * when its worker dies); a running task sees an abort by reading its slot, even in a
 * synchronous loop that never yields to its event loop.
 *
 * States: QUEUED (the pool's, until a worker claims it), RUNNING (claimed by `thread`),
 * CANCELLED (abort or queue timeout won the race: the worker skips it), ABORTING (abort
 * requested while running: the task's signal reads aborted).
 */

export const QUEUED = 0;
export const RUNNING = 1;
export const CANCELLED = 2;
export const ABORTING = 3;

/** Slots in the shared buffer; beyond this, a task carries its own two-Int32 buffer. */
export const SHARED_SLOTS = 1 << 16;

/** Where a task's state lives: the shared array and an index, or a private array. */
export interface SlotRef {
  readonly states: Int32Array;
  readonly index: number;
}

export class TaskSlots {
  /** Two Int32 per slot: [state, threadId]. */
  readonly states = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * 8));
  readonly #free: number[] = [];
  #next = 0;

  /** A fresh slot in state QUEUED; a private buffer when the shared one is used up. */
  acquire(): SlotRef {
    let index = this.#free.pop();
    if (index === undefined) {
      if (this.#next === SHARED_SLOTS)
        return { states: new Int32Array(new SharedArrayBuffer(8)), index: 0 };
      index = this.#next++;
    }
    Atomics.store(this.states, index * 2, QUEUED);
    Atomics.store(this.states, index * 2 + 1, 0);
    return { states: this.states, index };
  }

  release(slot: SlotRef): void {
    if (slot.states === this.states) this.#free.push(slot.index);
  }
}

export function stateOf(slot: SlotRef): number {
  return Atomics.load(slot.states, slot.index * 2);
}

export function threadOf(slot: SlotRef): number {
  return Atomics.load(slot.states, slot.index * 2 + 1);
}

/** Moves QUEUED → CANCELLED; true if the task had not started (the worker will skip it). */
export function cancelQueued(slot: SlotRef): boolean {
  return Atomics.compareExchange(slot.states, slot.index * 2, QUEUED, CANCELLED) === QUEUED;
}

/** Moves RUNNING → ABORTING and wakes a task waiting on its signal; false if not running. */
export function requestAbort(slot: SlotRef): boolean {
  const i = slot.index * 2;
  if (Atomics.compareExchange(slot.states, i, RUNNING, ABORTING) !== RUNNING) return false;
  Atomics.notify(slot.states, i);
  return true;
}
