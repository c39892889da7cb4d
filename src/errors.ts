/**
 * Every error troupe throws or rejects with. Each class has a stable `code` in Node's
 * `ERR_*` style (match on it, not on the message), structured fields that name what went
 * wrong, and a message that says what to do about it. `cause` carries the underlying
 * error where there is one.
 */

/** Base class of every troupe error; `code` is stable across releases. */
export abstract class TroupeError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Describes a received value for messages: `-1 (number)`, `"x" (string)`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  switch (typeof value) {
    case "string":
      return `${JSON.stringify(value)} (string)`;
    case "number":
    case "boolean":
    case "bigint":
      return `${String(value)} (${typeof value})`;
    case "function":
      return `a function (${(value as { name?: string }).name || "anonymous"})`;
    case "symbol":
      return `${String(value)} (symbol)`;
    case "object":
      return Array.isArray(value)
        ? "an array"
        : `an object (${value.constructor?.name ?? "Object"})`;
    case "undefined":
      return "undefined";
    default:
      return "a value of an unknown kind"; // typeof has no other results; TS cannot prove it
  }
}

/** An option passed to a public entry point is out of its contract. */
export class InvalidOptionError extends TroupeError {
  readonly code = "ERR_INVALID_OPTION";
  constructor(
    readonly option: string,
    readonly expected: string,
    readonly received: unknown,
  ) {
    super(`Option "${option}" must be ${expected}; received ${describeValue(received)}.`);
  }
}

/** An actor name is not a valid path segment. */
export class InvalidNameError extends TroupeError {
  readonly code = "ERR_INVALID_NAME";
  constructor(readonly actorName: unknown) {
    super(
      `Actor name ${describeValue(actorName)} is not valid: use 1-128 characters from ` +
        `letters, digits and _ - ~ @ : + = ($ too, but not first: a leading "$" is reserved ` +
        `for generated names); no dots, spaces, "/", "*" or ">".`,
    );
  }
}

/** A sibling with that name already exists under the same parent. */
export class DuplicateNameError extends TroupeError {
  readonly code = "ERR_DUPLICATE_NAME";
  constructor(
    readonly actorName: string,
    readonly parentPath: string,
  ) {
    super(
      `An actor named "${actorName}" already exists under ${parentPath}; choose another name, ` +
        `stop the existing actor first, or omit the name to get a generated one.`,
    );
  }
}

/** A bounded mailbox had no room and its overflow policy is "reject" (or "backpressure" with tell). */
export class MailboxFullError extends TroupeError {
  readonly code = "ERR_MAILBOX_FULL";
  constructor(
    readonly actorPath: string,
    readonly capacity: number,
    hint = "slow the sender down, raise mailbox.capacity, or choose another overflow policy",
  ) {
    super(`The mailbox of ${actorPath} is full (capacity ${capacity}); ${hint}.`);
  }
}

/** Why a message went to dead letters or was dropped. */
export type DropReason =
  | "mailbox-full"
  | "dropped-newest"
  | "dropped-oldest"
  | "actor-stopped"
  | "timed-out"
  | "aborted"
  | "unknown-message"
  | "shutdown"
  /** A message whose handler kept failing past the strategy's `redeliver` limit. */
  | "poison";

/** An ask whose message was dropped by the mailbox's overflow policy before it ran. */
export class MessageDroppedError extends TroupeError {
  readonly code = "ERR_MESSAGE_DROPPED";
  constructor(
    readonly actorPath: string,
    readonly method: string,
    readonly reason: DropReason,
  ) {
    super(
      `The message "${method}" to ${actorPath} was dropped (${reason}) before it ran; ` +
        `the mailbox overflowed — raise mailbox.capacity or slow the sender down.`,
    );
  }
}

/** The caller's whole wait for an ask's reply exceeded `timeout`. */
export class AskTimeoutError extends TroupeError {
  readonly code = "ERR_ASK_TIMEOUT";
  constructor(
    readonly actorPath: string,
    readonly method: string,
    readonly timeoutMs: number,
    readonly started: boolean,
  ) {
    super(
      `Ask "${method}" to ${actorPath} timed out after ${timeoutMs} ms ` +
        `(${started ? "the handler was running" : "the message was still queued and has been withdrawn"}); ` +
        `raise the timeout with ref.with({ timeout }) or find what keeps the actor busy.`,
    );
  }
}

/** An ask's message waited in the mailbox longer than `queueTimeout` and was withdrawn. */
export class QueueTimeoutError extends TroupeError {
  readonly code = "ERR_QUEUE_TIMEOUT";
  constructor(
    readonly actorPath: string,
    readonly method: string,
    readonly timeoutMs: number,
    readonly mailboxDepth: number,
  ) {
    super(
      `The message "${method}" to ${actorPath} waited more than ${timeoutMs} ms without starting ` +
        `(${mailboxDepth} messages still queued) and was withdrawn; the actor is ` +
        `overloaded — add actors, slow producers down, or raise queueTimeout.`,
    );
  }
}

/** An ask's handler started but did not finish within `runTimeout`. */
export class RunTimeoutError extends TroupeError {
  readonly code = "ERR_RUN_TIMEOUT";
  constructor(
    readonly actorPath: string,
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(
      `The handler "${method}" of ${actorPath} ran longer than ${timeoutMs} ms; the reply ` +
        `was abandoned (the handler itself cannot be interrupted and still holds the actor ` +
        `until it settles). Raise runTimeout or make the handler faster.`,
    );
  }
}

/** An ask was cancelled through its AbortSignal; `cause` is the signal's reason. */
export class AskAbortedError extends TroupeError {
  readonly code = "ERR_ASK_ABORTED";
  constructor(
    readonly actorPath: string,
    readonly method: string,
    readonly started: boolean,
    cause: unknown,
  ) {
    super(
      `Ask "${method}" to ${actorPath} was aborted by its signal ` +
        `(${started ? "while the handler was running" : "before it ran; the message was withdrawn"}).`,
      { cause },
    );
  }
}

/** The target actor is stopped (or stopping) and takes no more messages. */
export class ActorStoppedError extends TroupeError {
  readonly code = "ERR_ACTOR_STOPPED";
  constructor(
    readonly actorPath: string,
    readonly method?: string,
  ) {
    super(
      `${actorPath} is stopped${method === undefined ? "" : `; "${method}" was not delivered`}. ` +
        `Look the actor up again or watch it to learn when it stops.`,
    );
  }
}

/** A message named a method that is not part of the actor's protocol. */
export class UnknownMessageError extends TroupeError {
  readonly code = "ERR_UNKNOWN_MESSAGE";
  constructor(
    readonly actorPath: string,
    readonly method: string,
    readonly known: readonly string[],
  ) {
    super(
      `${actorPath} has no message "${method}"; its public methods are: ` +
        `${known.length === 0 ? "(none)" : known.join(", ")}.`,
    );
  }
}

/** The actor's factory or constructor threw while spawning or restarting. */
export class ActorStartError extends TroupeError {
  readonly code = "ERR_ACTOR_START";
  constructor(
    readonly actorPath: string,
    cause: unknown,
  ) {
    super(
      `Could not create ${actorPath}: its factory or constructor threw (see cause). ` +
        `Move fallible set-up into onStart so that supervision can retry it.`,
      { cause },
    );
  }
}

/** Actor context (self, spawn, timers, …) used outside an actor created by spawn. */
export class NoActorContextError extends TroupeError {
  readonly code = "ERR_NO_ACTOR_CONTEXT";
  constructor(what: string) {
    super(
      `${what} is only available to an actor created by spawn(); ` +
        `do not construct actors with "new" outside a spawn factory.`,
    );
  }
}

/** stash() was called too many times without unstashAll(). */
export class StashOverflowError extends TroupeError {
  readonly code = "ERR_STASH_OVERFLOW";
  constructor(
    readonly actorPath: string,
    readonly capacity: number,
  ) {
    super(
      `The stash of ${actorPath} is full (capacity ${capacity}); call unstashAll() sooner ` +
        `or raise the stashCapacity spawn option.`,
    );
  }
}

/** stash() called outside of a message handler's synchronous part. */
export class StashOutsideHandlerError extends TroupeError {
  readonly code = "ERR_STASH_OUTSIDE_HANDLER";
  constructor(readonly actorPath: string) {
    super(
      `stash() on ${actorPath} was called outside a message handler; call it synchronously ` +
        `at the start of the handler whose message you want to keep for later.`,
    );
  }
}

/** The actor system has shut down (or is shutting down) and takes no more work. */
export class SystemShutDownError extends TroupeError {
  readonly code = "ERR_SYSTEM_SHUT_DOWN";
  constructor(
    readonly systemName: string,
    what: string,
  ) {
    super(`${what} failed: actor system "${systemName}" has been shut down; create a new system.`);
  }
}

/** Work still pending when shutdown's deadline passed. */
export class ShutdownTimeoutError extends TroupeError {
  readonly code = "ERR_SHUTDOWN_TIMEOUT";
  constructor(
    readonly actorPath: string,
    readonly timeoutMs: number,
  ) {
    super(
      `${actorPath} did not finish its work within the shutdown deadline of ${timeoutMs} ms; ` +
        `its remaining messages were rejected. Raise shutdown({ timeout }) or make handlers settle.`,
    );
  }
}

/** An actor exceeded its supervisor's restart intensity and was stopped. */
export class MaxRestartsExceededError extends TroupeError {
  readonly code = "ERR_MAX_RESTARTS_EXCEEDED";
  constructor(
    readonly actorPath: string,
    readonly maxRestarts: number,
    readonly withinMs: number,
    cause: unknown,
  ) {
    super(
      `${actorPath} failed more than ${maxRestarts} times within ${withinMs} ms and was ` +
        `stopped; the last failure is the cause. Fix the failure or loosen the restart limit.`,
      { cause },
    );
  }
}

/** A value thrown by a handler that was not an Error; the value is kept in `value`. */
export class NonErrorThrownError extends TroupeError {
  readonly code = "ERR_NON_ERROR_THROWN";
  constructor(
    readonly value: unknown,
    readonly actorPath: string,
  ) {
    super(`A handler of ${actorPath} threw a non-Error value: ${describeValue(value)}.`);
  }
}

/** Normalises anything thrown into an Error, keeping Errors as they are. */
export function toError(thrown: unknown, actorPath: string): Error {
  return thrown instanceof Error ? thrown : new NonErrorThrownError(thrown, actorPath);
}

// ---------------------------------------------------------------- threads

/** Where a task was when something ended it. */
export type TaskPhase = "queued" | "running";

/** `run`/`offload` after the pool (or its system) has shut down. */
export class ThreadPoolClosedError extends TroupeError {
  readonly code = "ERR_THREAD_POOL_CLOSED";
  constructor(readonly task: string) {
    super(
      `Cannot run task ${task}: the thread pool is closed (its system shut down). ` +
        `Run tasks before shutdown, or create a new ActorSystem.`,
    );
  }
}

/** The pool's queue holds `maxQueue` tasks already (from `run`; `offload` waits instead). */
export class TaskQueueFullError extends TroupeError {
  readonly code = "ERR_TASK_QUEUE_FULL";
  constructor(
    readonly task: string,
    readonly maxQueue: number,
  ) {
    super(
      `Cannot queue task ${task}: the thread pool's queue is full (maxQueue ${maxQueue}). ` +
        `Wait for pool.drained() before submitting more, raise "threads.maxQueue", or offload ` +
        `from an actor, which waits for room instead of failing.`,
    );
  }
}

/** A task module has no exported function of that name. */
export class TaskNotFoundError extends TroupeError {
  readonly code = "ERR_TASK_NOT_FOUND";
  constructor(
    readonly moduleUrl: string,
    readonly exportName: string,
  ) {
    super(
      `Task module ${moduleUrl} has no exported function "${exportName}". Export it ` +
        `(a named export of a plain function) or fix the name.`,
    );
  }
}

/** A task's signal was aborted; `phase` says whether it had started. */
export class TaskAbortedError extends TroupeError {
  readonly code = "ERR_TASK_ABORTED";
  constructor(
    readonly task: string,
    readonly phase: TaskPhase,
    cause: unknown,
  ) {
    super(
      phase === "queued"
        ? `Task ${task} was aborted before it started; it never ran.`
        : `Task ${task} was aborted while running. Check \`this.signal\` in the task to stop ` +
            `early; a task that does not stop within the grace period has its worker replaced.`,
      { cause },
    );
  }
}

/** A task waited longer than `queueTimeout` for a free worker; it never ran. */
export class TaskQueueTimeoutError extends TroupeError {
  readonly code = "ERR_TASK_QUEUE_TIMEOUT";
  constructor(
    readonly task: string,
    readonly timeoutMs: number,
    readonly queued: number,
  ) {
    super(
      `Task ${task} waited ${timeoutMs} ms for a free worker (queueTimeout) and never ran; ` +
        `${queued} task(s) were queued. Add threads, submit less, or raise queueTimeout.`,
    );
  }
}

/** A task ran longer than `runTimeout`; it was aborted (cooperatively, then by force). */
export class TaskRunTimeoutError extends TroupeError {
  readonly code = "ERR_TASK_RUN_TIMEOUT";
  constructor(
    readonly task: string,
    readonly timeoutMs: number,
  ) {
    super(
      `Task ${task} ran longer than ${timeoutMs} ms (runTimeout) and was aborted. Split the ` +
        `work into smaller tasks, check \`this.signal\` in the task, or raise runTimeout.`,
    );
  }
}

/** The worker running a task exited or crashed; the worker was replaced. */
export class WorkerCrashedError extends TroupeError {
  readonly code = "ERR_WORKER_CRASHED";
  constructor(
    readonly task: string,
    cause: unknown,
  ) {
    super(
      `The worker thread running task ${task} exited or crashed before the task finished ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); it was replaced. The ` +
        `cause holds the worker's error.`,
      { cause },
    );
  }
}

/** A task's worker ran out of memory (past the pool's `resourceLimits`); it was replaced. */
export class WorkerOutOfMemoryError extends TroupeError {
  readonly code = "ERR_WORKER_OUT_OF_MEMORY";
  constructor(
    readonly task: string,
    readonly resourceLimits: object | undefined,
    cause: unknown,
  ) {
    super(
      `Task ${task} ran its worker out of memory` +
        (resourceLimits === undefined
          ? ""
          : ` (resourceLimits ${JSON.stringify(resourceLimits)})`) +
        `; the worker was replaced. Process the data in smaller pieces or raise ` +
        `"threads.resourceLimits".`,
      { cause },
    );
  }
}

/** A task's arguments or result cannot be copied between threads (structured clone). */
export class TaskDataCloneError extends TroupeError {
  readonly code = "ERR_TASK_DATA_CLONE";
  constructor(
    readonly task: string,
    readonly what: "arguments" | "result",
    cause: unknown,
  ) {
    super(
      `The ${what} of task ${task} cannot be copied between threads ` +
        `(${cause instanceof Error ? cause.message : String(cause)}). Pass plain data: ` +
        `objects, arrays, primitives, typed arrays, Map/Set/Date; not functions, class ` +
        `methods, symbols or promises.`,
      { cause },
    );
  }
}

/** A task threw something that is not an Error; the value (a copy) is in `value`. */
export class TaskNonErrorThrownError extends TroupeError {
  readonly code = "ERR_TASK_NON_ERROR_THROWN";
  constructor(
    readonly task: string,
    readonly value: unknown,
  ) {
    super(`Task ${task} threw a non-Error value: ${describeValue(value)}. Throw Errors.`);
  }
}

/** An uncaught error in a worker outside any task (after its task finished). */
export class WorkerUncaughtError extends TroupeError {
  readonly code = "ERR_WORKER_UNCAUGHT";
  constructor(cause: unknown) {
    super(
      `A worker thread had an uncaught error outside any task ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); the worker was ` +
        `replaced and no task failed. A task left work running after it returned: await it.`,
      { cause },
    );
  }
}

/** A thread-resident actor's thread failed to start, crashed or exited. */
export class ActorThreadError extends TroupeError {
  readonly code = "ERR_ACTOR_THREAD";
  constructor(
    readonly actorPath: string,
    readonly detail: string,
    cause?: unknown,
  ) {
    super(
      `The thread of ${actorPath} ${detail}; the actor fails and its supervisor decides ` +
        `(a restart starts a new thread).`,
      cause === undefined ? undefined : { cause },
    );
  }
}

// ---------------------------------------------------------------- concurrency toolkit

/** A wait or a piece of work passed its time limit (`timeout`, a Semaphore acquire, …). */
export class TimeoutError extends TroupeError {
  readonly code = "ERR_TIMEOUT";
  constructor(
    /** What timed out: "timeout", "semaphore.acquire", "rateLimiter.acquire", "wait". */
    readonly operation: string,
    readonly timeoutMs: number,
    /** The clock time (ms, the system's clock) at which it expired. */
    readonly deadline: number,
  ) {
    super(
      `${operation} did not finish within ${timeoutMs} ms (deadline ${deadline} on its ` +
        `clock); it was aborted. Raise the limit, or make the work faster or smaller.`,
    );
  }
}

/** A wait or a piece of work was aborted through its AbortSignal; `cause` is the reason. */
export class OperationAbortedError extends TroupeError {
  readonly code = "ERR_OPERATION_ABORTED";
  constructor(
    /** What was aborted: "semaphore.acquire", "rateLimiter.acquire", "retry", … */
    readonly operation: string,
    cause: unknown,
  ) {
    super(`${operation} was aborted by its signal; the cause holds the abort reason.`, { cause });
  }
}

/** `retry` gave up: every attempt failed (or `retryIf` refused); `cause` is the last error. */
export class RetriesExhaustedError extends TroupeError {
  readonly code = "ERR_RETRIES_EXHAUSTED";
  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `Gave up after ${attempts} attempt(s); the cause holds the last error. Fix the cause, ` +
        `or allow more attempts (maxAttempts) or longer backoff.`,
      { cause },
    );
  }
}

/** Every competitor of `firstCompleted` (or `any`-style wait) failed; `errors` in input order. */
export class AllFailedError extends TroupeError {
  readonly code = "ERR_ALL_FAILED";
  constructor(readonly errors: readonly unknown[]) {
    super(
      `All ${errors.length} competitor(s) failed; \`errors\` holds each failure in input order.`,
    );
  }
}

// ---------------------------------------------------------------- remote (troupe/nats)

/** Why a message could not be encoded for another node (see MessageEncodeError). */
export type MessageEncodeReason =
  "cyclic" | "too-deep" | "too-large" | "unsupported-type" | "invalid-envelope";

/**
 * A message or a reply could not be encoded for another node, so nothing was sent: `tell`
 * and `ask` throw it synchronously. `reason` says why and `detail` where in the data.
 */
export class MessageEncodeError extends TroupeError {
  readonly code = "ERR_MESSAGE_ENCODE";
  constructor(
    readonly reason: MessageEncodeReason,
    /** Where and what, e.g. `args[0].onDone is a function (onDone)`. */
    readonly detail: string,
    /** The target's path or service key (tell/ask); undefined for a reply. */
    readonly target: string | undefined,
    /** The message's method (tell/ask); undefined for a reply. */
    readonly method: string | undefined,
    /** The ask a reply answers; undefined for tell/ask. */
    readonly requestId: number | undefined,
    /** "too-large": the encoded size in bytes, or a lower bound when encoding stopped early. */
    readonly size?: number,
    /** "too-large": the limit in bytes (`maxBytes`). */
    readonly limit?: number,
  ) {
    const what =
      requestId !== undefined
        ? `the reply to request ${requestId}`
        : `"${method ?? "?"}" to ${target ?? "?"}`;
    super(`Cannot send ${what}: ${detail}. ${encodeAdvice(reason)}`);
  }
}

function encodeAdvice(reason: MessageEncodeReason): string {
  switch (reason) {
    case "cyclic":
      return (
        "A message is copied to the other node, not shared: send data without cycles " +
        "(e.g. ids instead of back-references)."
      );
    case "too-deep":
      return "Flatten the data (e.g. an array instead of a deeply linked chain).";
    case "too-large":
      return (
        "Send less per message (split it, or send a key the receiver can fetch the data " +
        "with), or raise maxBytes."
      );
    case "unsupported-type":
      return (
        "Send plain data: objects, arrays, strings, numbers, booleans, null, undefined, " +
        "bigint, Date, Map, Set, typed arrays, ArrayBuffer, DataView, and Errors (which " +
        "carry their name, message and cause only)."
      );
    case "invalid-envelope":
      return "Check the target and the method name; otherwise report this as a bug in troupe.";
    default:
      return reason satisfies never;
  }
}
