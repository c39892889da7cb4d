/**
 * What a full bounded mailbox means for a message, by policy (the mailbox itself only
 * says "no room"): `reject` and `backpressure` refuse it (a tell throws, an ask rejects with
 * MailboxFullError), `drop-newest` drops it, `drop-oldest` drops the oldest queued one to
 * make room. A dropped message becomes a dead letter and its ask rejects with
 * MessageDroppedError, so nothing is lost silently. Every overflow is an `overflow` event.
 */
import { MailboxFullError, MessageDroppedError, type DropReason } from "../errors.js";
import { Envelope, WITHDRAWN } from "../mailbox/envelope.js";
import type { Mailbox } from "../mailbox/mailbox.js";
import type { Runtime } from "../system/runtime.js";
import type { PendingAsk } from "./ask.js";

/** Applies the overflow policy to a message that found the mailbox full. */
export function overflow(
  path: string,
  runtime: Runtime,
  mailbox: Mailbox,
  method: string,
  argc: number,
  a0: unknown,
  a1: unknown,
  ask: PendingAsk | null,
): void {
  emitOverflow(path, runtime, mailbox);
  switch (mailbox.overflow) {
    case "reject":
    case "backpressure": {
      const error = new MailboxFullError(
        path,
        mailbox.capacity,
        mailbox.overflow === "backpressure"
          ? 'use "await ref.send(...)" to wait for room'
          : undefined,
      );
      if (ask === null) throw error;
      ask.reject(error);
      return;
    }
    case "drop-newest":
      drop(path, runtime, new Envelope(method, argc, a0, a1, ask), "dropped-newest");
      return;
    case "drop-oldest": {
      const oldest = mailbox.take();
      if (oldest !== undefined) drop(path, runtime, oldest, "dropped-oldest");
      mailbox.push(method, argc, a0, a1, ask);
      return;
    }
    default:
      mailbox.overflow satisfies never;
  }
}

/** A message that will never run: its ask (if any) is rejected, and it is a dead letter. */
function drop(path: string, runtime: Runtime, envelope: Envelope, reason: DropReason): void {
  const ticket = envelope.ticket;
  if (ticket !== null) {
    ticket.state = WITHDRAWN;
    ticket.reject(new MessageDroppedError(path, envelope.method, reason));
  }
  runtime.deadLetter(path, envelope.method, envelope.args, reason);
}

export function emitOverflow(path: string, runtime: Runtime, mailbox: Mailbox): void {
  if (runtime.listening("overflow"))
    runtime.emit("overflow", { path, policy: mailbox.overflow, capacity: mailbox.capacity });
}
