/**
 * troupe: supervised actors on the event loop, CPU work on worker threads.
 * This module only re-exports; each concept lives in its own file.
 */
export { Actor, type TerminationReason } from "./actor/actor.js";
export { ActorRef, type AskOptions } from "./actor/actor-ref.js";
export { askAll, askAllSettled, askFirst, askAsCompleted } from "./actor/ask-many.js";
export type { ActorContext, StopOptions } from "./actor/context.js";
export type { Timers } from "./actor/timers.js";
export type { ActorClass, ActorFactory } from "./actor/factory.js";
export type { ActorSnapshot, ActorStatus, BackoffSnapshot } from "./actor/snapshot.js";
export type {
  MailboxOptions,
  OffloadMode,
  RestartType,
  SpawnOptions,
} from "./actor/spawn-options.js";
export type { MessageName, ArgsOf, ReplyOf, MessageArgs, MessageReply } from "./actor/protocol.js";
export type { OverflowPolicy } from "./mailbox/mailbox.js";
export type { DispatcherOptions } from "./dispatch/dispatcher.js";
export {
  ActorSystem,
  type ActorSystemOptions,
  type ShutdownOptions,
  type SystemSnapshot,
  type SystemStatus,
} from "./system/actor-system.js";
export type {
  ActorFailedEvent,
  ActorRestartedEvent,
  DeadLetter,
  EscalatedEvent,
  FailurePhase,
  FatalEvent,
  MailboxOverflowEvent,
  MaxRestartsExceededEvent,
  SystemEventEmitter,
  SystemEventName,
  SystemEvents,
} from "./system/events.js";
export { Registry, ServiceKey, serviceKey } from "./system/registry.js";
export {
  oneForOne,
  oneForAll,
  restForOne,
  SupervisorStrategy,
  type OneForOneOptions,
  type StrategyKind,
  type StrategyOptions,
  type WhenExceeded,
} from "./supervision/strategy.js";
export {
  child,
  supervisor,
  ChildSpec,
  Supervisor,
  SupervisorSpec,
  type SupervisorOptions,
  type TreeSpec,
} from "./supervision/tree.js";
export {
  backoff,
  BackoffPolicy,
  BackoffState,
  type BackoffOptions,
  type BackoffStep,
} from "./supervision/backoff.js";
export type { Directive } from "./supervision/directive.js";
export { systemClock, type Clock, type TimerHandle } from "./time/clock.js";
export {
  Semaphore,
  type SemaphoreAcquireOptions,
  type SemaphoreOptions,
  type SemaphoreRelease,
} from "./concurrency/semaphore.js";
export {
  RateLimiter,
  type RateLimiterAcquireOptions,
  type RateLimiterOptions,
} from "./concurrency/rate-limiter.js";
export { timeout, type TimeoutOptions } from "./concurrency/timeout.js";
export {
  retry,
  retryPolicy,
  RetryPolicy,
  type RetryOptions,
  type RetryPolicyOptions,
} from "./concurrency/retry.js";
export {
  gather,
  gatherSettled,
  firstCompleted,
  asCompleted,
  wait,
  type Awaitable,
  type CombinatorOptions,
  type Indexed,
  type IndexedOutcome,
  type Outcome,
  type OutcomesOf,
  type Pending,
  type ResultOf,
  type ResultsOf,
  type WaitOptions,
  type WaitResult,
  type Work,
} from "./concurrency/combinators.js";
export { ThreadPool, type ThreadPoolStats } from "./threads/thread-pool.js";
export type { MapOptions, RunOptions } from "./threads/run-options.js";
export type { ThreadPoolOptions } from "./threads/pool-options.js";
export { threadActor, type ThreadActor, type ThreadActorArgs } from "./threads/thread-actor.js";
export {
  taskModule,
  TaskHandle,
  type TaskArgsOf,
  type TaskContext,
  type TaskModule,
  type TaskResultOf,
} from "./threads/task-module.js";
export {
  TroupeError,
  InvalidOptionError,
  InvalidNameError,
  DuplicateNameError,
  MailboxFullError,
  MessageDroppedError,
  AskTimeoutError,
  QueueTimeoutError,
  RunTimeoutError,
  AskAbortedError,
  ActorStoppedError,
  UnknownMessageError,
  ActorStartError,
  NoActorContextError,
  StashOverflowError,
  StashOutsideHandlerError,
  SystemShutDownError,
  ShutdownTimeoutError,
  MaxRestartsExceededError,
  NonErrorThrownError,
  ThreadPoolClosedError,
  TaskQueueFullError,
  TaskNotFoundError,
  TaskAbortedError,
  TaskQueueTimeoutError,
  TaskRunTimeoutError,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
  TaskDataCloneError,
  TaskNonErrorThrownError,
  WorkerUncaughtError,
  ActorThreadError,
  TimeoutError,
  OperationAbortedError,
  RetriesExhaustedError,
  AllFailedError,
  type TaskPhase,
  type DropReason,
} from "./errors.js";
