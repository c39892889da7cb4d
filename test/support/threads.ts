/**
 * What the thread tests share: the fixture task module's handles, and flags in shared
 * memory through which a test and a task on a thread wait for each other (never sleeps).
 */
import { taskModule } from "../../src/index.js";
import type * as TaskFunctions from "../fixtures/threads/tasks.js";

export const tasksUrl = new URL("../fixtures/threads/tasks.ts", import.meta.url);
export const tasks = taskModule<typeof TaskFunctions>(tasksUrl);

/** A shared Int32Array of `length` zeros. */
export function flags(length = 2): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}

/** Resolves once a task has stored something other than 0 in `flag[0]`. */
export async function started(flag: Int32Array): Promise<void> {
  const wait = Atomics.waitAsync(flag, 0, 0);
  if (wait.async) await wait.value;
}

/** Lets a `hold` task return. */
export function release(flag: Int32Array): void {
  Atomics.store(flag, 1, 1);
  Atomics.notify(flag, 1);
}

const held: Int32Array[] = [];

/** A flag for `hold`, released by releaseHeld() in teardown whatever happens. */
export function holdFlag(): Int32Array {
  const flag = flags();
  held.push(flag);
  return flag;
}

/** Releases every `hold` task a test left blocked, so no thread stays stuck. */
export function releaseHeld(): void {
  for (const flag of held.splice(0)) release(flag);
}
