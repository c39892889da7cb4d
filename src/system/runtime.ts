/**
 * What an actor cell needs from its system, as an interface so that the cell does not import
 * the ActorSystem class (and a test can build a runtime without one).
 */
import type { ActorSystem } from "./actor-system.js";
import type { Clock } from "../time/clock.js";
import type { DeadlineQueue } from "../time/deadline-queue.js";
import type { Dispatcher } from "../dispatch/dispatcher.js";
import type { DropReason } from "../errors.js";
import type { SystemEventEmitter, SystemEventName, SystemEvents } from "./events.js";
import type { ActorCell } from "../actor/cell.js";

export interface Runtime {
  readonly system: ActorSystem;
  readonly name: string;
  readonly clock: Clock;
  readonly deadlines: DeadlineQueue;
  readonly dispatcher: Dispatcher;
  readonly events: SystemEventEmitter;
  /** Default `timeout` of asks, ms (Infinity for none). */
  readonly askTimeout: number;
  /** Default time a stopping actor gets to finish in-flight work, ms. */
  readonly stopTimeout: number;
  /** True once shutdown has begun: no new actors. */
  readonly closed: boolean;
  /** True once shutdown has finished: every call fails fast. */
  readonly terminated: boolean;
  /** Throws SystemShutDownError once the system is closed. */
  checkOpen(what: string): void;
  /** True when someone listens to `event` (check before building a payload). */
  listening(event: SystemEventName): boolean;
  emit<E extends SystemEventName>(event: E, ...args: SystemEvents[E]): void;
  deadLetter(recipient: string, method: string, args: readonly unknown[], reason: DropReason): void;
  /** A fresh number for a generated actor name (`$` + base 36), unique in the system. */
  nextId(): number;
  /** A failure escalated past a top-level actor: `fatal` event, then the `onFatal` hook. */
  fatal(path: string, error: Error): void;
  /** Called when a cell has stopped for good (registry clean-up). */
  cellStopped(cell: ActorCell): void;
}
