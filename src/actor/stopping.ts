/**
 * The last steps of stopping an actor, kept out of the cell so each reads on its own:
 * answering every message it still holds, and running `onStop` within the stop deadline.
 * Nothing is lost: an ask is rejected with an error, anything else becomes a dead letter.
 */
import { ActorStoppedError, ShutdownTimeoutError, toError, type DropReason } from "../errors.js";
import { WITHDRAWN } from "../mailbox/envelope.js";
import type { Mailbox } from "../mailbox/mailbox.js";
import type { Runtime } from "../system/runtime.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import { lifecycle, type Actor, type TerminationReason } from "./actor.js";
import { PendingAsk } from "./ask.js";
import { isThenable, type Extras } from "./cell-extras.js";

/**
 * Answers every message still held: queued, stashed, waiting for room, or running (the
 * latter only when the stop deadline passed, `timedOutAfterMs` not null).
 */
export function answerRemaining(
  path: string,
  runtime: Runtime,
  mailbox: Mailbox,
  x: Extras,
  reason: TerminationReason,
  timedOutAfterMs: number | null,
): void {
  const dropReason: DropReason = reason.kind === "shutdown" ? "shutdown" : "actor-stopped";
  const errorFor = (method: string): Error =>
    timedOutAfterMs === null
      ? new ActorStoppedError(path, method)
      : new ShutdownTimeoutError(path, timedOutAfterMs);
  const stashed = x.stash?.drain() ?? [];
  const { queued, waiting } = mailbox.takeAll();
  for (const envelope of [...stashed, ...queued]) {
    const ticket = envelope.ticket;
    if (ticket !== null) {
      if (ticket.state === WITHDRAWN) continue;
      ticket.state = WITHDRAWN;
    }
    if (ticket instanceof PendingAsk) ticket.reject(errorFor(envelope.method));
    else runtime.deadLetter(path, envelope.method, envelope.args, dropReason);
  }
  for (const sender of waiting) {
    const ticket = sender.envelope.ticket;
    const error = errorFor(sender.envelope.method);
    if (ticket !== null) ticket.state = WITHDRAWN;
    if (sender.refused !== null) sender.refused(error);
    else ticket?.reject(error);
  }
  if (x.running !== null) {
    for (const ticket of x.running)
      ticket.reject(errorFor(ticket instanceof PendingAsk ? ticket.method : "(running)"));
    x.running = null;
  }
}

/** Runs `onStop`, waiting for an async one until `deadline`; failures go to `report`. */
export async function runStopHook(
  path: string,
  instance: Actor,
  deadline: number,
  clock: Clock,
  report: (error: Error) => void,
): Promise<void> {
  let result: unknown;
  try {
    result = lifecycle.onStop(instance);
  } catch (error) {
    report(toError(error, path));
    return;
  }
  if (!isThenable(result)) return;
  let timer: TimerHandle | null = null;
  try {
    await Promise.race([
      result,
      new Promise<void>((resolve) => {
        const remaining = deadline - clock.now();
        if (remaining !== Infinity) timer = clock.setTimer(resolve, Math.max(0, remaining));
      }),
    ]);
  } catch (error) {
    report(toError(error, path));
  } finally {
    if (timer !== null) clock.clearTimer(timer);
  }
}
