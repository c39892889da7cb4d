/**
 * The typed event stream of an ActorSystem (`system.events`, an eventemitter3 emitter).
 * Events are built and emitted only when someone listens, so observability costs nothing
 * when unused. A listener that throws does not break the runtime: its error is rethrown on a
 * fresh macrotask, where it surfaces as an uncaught exception of the listener's own.
 */
import type { EventEmitter } from "eventemitter3";
import type { DropReason, WorkerUncaughtError } from "../errors.js";
import type { TerminationReason } from "../actor/actor.js";

/** A message that could not be delivered or processed. */
export interface DeadLetter {
  /** Path of the actor the message was for. */
  readonly recipient: string;
  readonly method: string;
  readonly args: readonly unknown[];
  readonly reason: DropReason;
  /** Clock time (ms) when it was recorded. */
  readonly timestamp: number;
}

/** Where in an actor's life a failure happened. */
/** `escalated`: a child's failure that this actor's supervisor strategy escalated. */
export type FailurePhase =
  | "handler"
  | "onStart"
  | "onRestart"
  | "onStop"
  | "onTerminated"
  | "factory"
  | "escalated"
  /** A promise an async handler started and left rejected (not returned or awaited). */
  | "stray-rejection"
  /** An offloaded task piped to the actor (`pipeToSelf` without `onError`) failed. */
  | "offload"
  /** The thread of a thread-resident actor crashed or exited. */
  | "thread";

export interface ActorFailedEvent {
  readonly path: string;
  readonly error: Error;
  readonly phase: FailurePhase;
  /** The message whose handler failed, when phase is "handler". */
  readonly method?: string;
}

export interface ActorRestartedEvent {
  readonly path: string;
  readonly error: Error;
  /** Restarts of this actor so far, this one included. */
  readonly restarts: number;
  /** This restart's number within the supervisor's restart-intensity window (1 = first). */
  readonly attempt: number;
  /** How long the restart waited (the strategy's backoff), in ms. */
  readonly delayMs: number;
}

/** A supervisor could not handle a child's failure and failed itself with it. */
export interface EscalatedEvent {
  /** The supervisor that escalates. */
  readonly path: string;
  /** The child whose failure it was. */
  readonly child: string;
  readonly error: Error;
}

/** A child failed more often than its supervisor's restart intensity allows. */
export interface MaxRestartsExceededEvent {
  readonly path: string;
  readonly maxRestarts: number;
  readonly withinMs: number;
  /** What the supervisor does about it (its strategy's `whenExceeded`). */
  readonly then: "stop-child" | "escalate";
}

/** A failure escalated past the top-level actor: the system's fatal policy applies. */
export interface FatalEvent {
  /** The top-level actor whose tree is stopped. */
  readonly path: string;
  readonly error: Error;
}

export interface MailboxOverflowEvent {
  readonly path: string;
  readonly policy: "reject" | "drop-newest" | "drop-oldest" | "backpressure";
  readonly capacity: number;
}

/** Event name → listener arguments. */
export interface SystemEvents {
  started: [{ readonly path: string }];
  stopped: [{ readonly path: string; readonly reason: TerminationReason }];
  restarted: [ActorRestartedEvent];
  escalated: [EscalatedEvent];
  maxRestartsExceeded: [MaxRestartsExceededEvent];
  fatal: [FatalEvent];
  failed: [ActorFailedEvent];
  deadLetter: [DeadLetter];
  overflow: [MailboxOverflowEvent];
  /** A worker thread failed outside any task (e.g. work left running after a task returned). */
  threadError: [WorkerUncaughtError];
}

export type SystemEventName = keyof SystemEvents;
export type SystemEventEmitter = EventEmitter<SystemEvents>;
