/**
 * The error hierarchy and input validation: every error class has a stable `code`, its
 * class name, structured fields and a message that says what to do; `describeValue` formats
 * received values; and every public entry rejects bad options with InvalidOptionError
 * naming the option, the contract and the value received.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as errorsModule from "../src/errors.js";
import { MessageEncodeError, describeValue, toError } from "../src/errors.js";
import {
  Actor,
  ActorStartError,
  ActorStoppedError,
  ActorSystem,
  AskAbortedError,
  AskTimeoutError,
  DuplicateNameError,
  InvalidNameError,
  InvalidOptionError,
  MailboxFullError,
  MaxRestartsExceededError,
  MessageDroppedError,
  NoActorContextError,
  NonErrorThrownError,
  ActorThreadError,
  AllFailedError,
  OperationAbortedError,
  RetriesExhaustedError,
  TimeoutError,
  TaskAbortedError,
  TaskDataCloneError,
  TaskNonErrorThrownError,
  TaskNotFoundError,
  TaskQueueFullError,
  TaskQueueTimeoutError,
  TaskRunTimeoutError,
  ThreadPoolClosedError,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
  WorkerUncaughtError,
  QueueTimeoutError,
  RunTimeoutError,
  ShutdownTimeoutError,
  StashOutsideHandlerError,
  StashOverflowError,
  SystemShutDownError,
  TroupeError,
  UnknownMessageError,
  oneForOne,
  type ActorClass,
  type ActorRef,
  type ActorSystemOptions,
  type AskOptions,
  type OneForOneOptions,
  type ShutdownOptions,
  type SpawnOptions,
  type StopOptions,
} from "../src/index.js";
import type { VirtualClock } from "../src/testing/index.js";
import { thrownBy } from "./support/thrown-by.js";
import { startVirtualSystem, stopVirtualSystem } from "./support/virtual-system.js";

/** Runs `fn`, expecting InvalidOptionError for `option`; returns it for further checks. */
function invalidOption(fn: () => unknown, option: string): InvalidOptionError {
  const error = thrownBy(fn, InvalidOptionError);
  expect(error.code).toBe("ERR_INVALID_OPTION");
  expect(error.option).toBe(option);
  expect(error.message).toBe(
    `Option "${option}" must be ${error.expected}; received ${describeValue(error.received)}.`,
  );
  return error;
}

describe("error classes", () => {
  const cause = new Error("underlying");
  const cases: {
    error: TroupeError;
    type: abstract new (...args: never[]) => TroupeError;
    code: string;
    fields: Record<string, unknown>;
    message: string[];
  }[] = [
    {
      error: new InvalidOptionError("timeout", "a number > 0", -1),
      type: InvalidOptionError,
      code: "ERR_INVALID_OPTION",
      fields: { option: "timeout", expected: "a number > 0", received: -1 },
      message: ['Option "timeout" must be a number > 0; received -1 (number).'],
    },
    {
      error: new InvalidNameError("a.b"),
      type: InvalidNameError,
      code: "ERR_INVALID_NAME",
      fields: { actorName: "a.b" },
      message: [
        'Actor name "a.b" (string) is not valid',
        "use 1-128 characters",
        'a leading "$" is reserved',
      ],
    },
    {
      error: new DuplicateNameError("db", "/user/app"),
      type: DuplicateNameError,
      code: "ERR_DUPLICATE_NAME",
      fields: { actorName: "db", parentPath: "/user/app" },
      message: ['An actor named "db" already exists under /user/app', "choose another name"],
    },
    {
      error: new MailboxFullError("/user/a", 10),
      type: MailboxFullError,
      code: "ERR_MAILBOX_FULL",
      fields: { actorPath: "/user/a", capacity: 10 },
      message: ["The mailbox of /user/a is full (capacity 10)", "raise mailbox.capacity"],
    },
    {
      error: new MessageDroppedError("/user/a", "put", "dropped-oldest"),
      type: MessageDroppedError,
      code: "ERR_MESSAGE_DROPPED",
      fields: { actorPath: "/user/a", method: "put", reason: "dropped-oldest" },
      message: [
        'The message "put" to /user/a was dropped (dropped-oldest)',
        "raise mailbox.capacity",
      ],
    },
    {
      error: new AskTimeoutError("/user/a", "get", 100, false),
      type: AskTimeoutError,
      code: "ERR_ASK_TIMEOUT",
      fields: { actorPath: "/user/a", method: "get", timeoutMs: 100, started: false },
      message: [
        'Ask "get" to /user/a timed out after 100 ms',
        "the message was still queued and has been withdrawn",
        "raise the timeout with ref.with({ timeout })",
      ],
    },
    {
      error: new AskTimeoutError("/user/a", "get", 100, true),
      type: AskTimeoutError,
      code: "ERR_ASK_TIMEOUT",
      fields: { started: true },
      message: ["the handler was running"],
    },
    {
      error: new QueueTimeoutError("/user/a", "get", 50, 7),
      type: QueueTimeoutError,
      code: "ERR_QUEUE_TIMEOUT",
      fields: { actorPath: "/user/a", method: "get", timeoutMs: 50, mailboxDepth: 7 },
      message: [
        "/user/a waited more than 50 ms",
        "(7 messages still queued)",
        "raise queueTimeout",
      ],
    },
    {
      error: new RunTimeoutError("/user/a", "crunch", 30),
      type: RunTimeoutError,
      code: "ERR_RUN_TIMEOUT",
      fields: { actorPath: "/user/a", method: "crunch", timeoutMs: 30 },
      message: ['The handler "crunch" of /user/a ran longer than 30 ms', "Raise runTimeout"],
    },
    {
      error: new AskAbortedError("/user/a", "get", false, cause),
      type: AskAbortedError,
      code: "ERR_ASK_ABORTED",
      fields: { actorPath: "/user/a", method: "get", started: false, cause },
      message: ['Ask "get" to /user/a was aborted by its signal', "the message was withdrawn"],
    },
    {
      error: new ActorStoppedError("/user/a", "get"),
      type: ActorStoppedError,
      code: "ERR_ACTOR_STOPPED",
      fields: { actorPath: "/user/a", method: "get" },
      message: ['/user/a is stopped; "get" was not delivered', "Look the actor up again"],
    },
    {
      error: new ActorStoppedError("/user/a"),
      type: ActorStoppedError,
      code: "ERR_ACTOR_STOPPED",
      fields: { actorPath: "/user/a", method: undefined },
      message: ["/user/a is stopped. Look the actor up again"],
    },
    {
      error: new UnknownMessageError("/user/a", "nope", ["get", "put"]),
      type: UnknownMessageError,
      code: "ERR_UNKNOWN_MESSAGE",
      fields: { actorPath: "/user/a", method: "nope", known: ["get", "put"] },
      message: ['/user/a has no message "nope"; its public methods are: get, put.'],
    },
    {
      error: new UnknownMessageError("/user/a", "nope", []),
      type: UnknownMessageError,
      code: "ERR_UNKNOWN_MESSAGE",
      fields: { known: [] },
      message: ["its public methods are: (none)."],
    },
    {
      error: new ActorStartError("/user/a", cause),
      type: ActorStartError,
      code: "ERR_ACTOR_START",
      fields: { actorPath: "/user/a", cause },
      message: ["Could not create /user/a", "Move fallible set-up into onStart"],
    },
    {
      error: new NoActorContextError("this.self"),
      type: NoActorContextError,
      code: "ERR_NO_ACTOR_CONTEXT",
      fields: {},
      message: [
        "this.self is only available to an actor created by spawn()",
        'do not construct actors with "new"',
      ],
    },
    {
      error: new StashOverflowError("/user/a", 5),
      type: StashOverflowError,
      code: "ERR_STASH_OVERFLOW",
      fields: { actorPath: "/user/a", capacity: 5 },
      message: [
        "The stash of /user/a is full (capacity 5)",
        "raise the stashCapacity spawn option",
      ],
    },
    {
      error: new StashOutsideHandlerError("/user/a"),
      type: StashOutsideHandlerError,
      code: "ERR_STASH_OUTSIDE_HANDLER",
      fields: { actorPath: "/user/a" },
      message: ["stash() on /user/a was called outside a message handler", "call it synchronously"],
    },
    {
      error: new SystemShutDownError("shop", "spawn"),
      type: SystemShutDownError,
      code: "ERR_SYSTEM_SHUT_DOWN",
      fields: { systemName: "shop" },
      message: ['spawn failed: actor system "shop" has been shut down; create a new system.'],
    },
    {
      error: new ShutdownTimeoutError("/user/a", 100),
      type: ShutdownTimeoutError,
      code: "ERR_SHUTDOWN_TIMEOUT",
      fields: { actorPath: "/user/a", timeoutMs: 100 },
      message: [
        "did not finish its work within the shutdown deadline of 100 ms",
        "Raise shutdown({ timeout })",
      ],
    },
    {
      error: new MaxRestartsExceededError("/user/a", 5, 10_000, cause),
      type: MaxRestartsExceededError,
      code: "ERR_MAX_RESTARTS_EXCEEDED",
      fields: { actorPath: "/user/a", maxRestarts: 5, withinMs: 10_000, cause },
      message: ["/user/a failed more than 5 times within 10000 ms", "loosen the restart limit"],
    },
    {
      error: new NonErrorThrownError("oops", "/user/a"),
      type: NonErrorThrownError,
      code: "ERR_NON_ERROR_THROWN",
      fields: { value: "oops", actorPath: "/user/a" },
      message: ['A handler of /user/a threw a non-Error value: "oops" (string).'],
    },
    {
      error: new ThreadPoolClosedError("fib (tasks.js)"),
      type: ThreadPoolClosedError,
      code: "ERR_THREAD_POOL_CLOSED",
      fields: { task: "fib (tasks.js)" },
      message: [
        "Cannot run task fib (tasks.js): the thread pool is closed",
        "create a new ActorSystem",
      ],
    },
    {
      error: new TaskQueueFullError("fib (tasks.js)", 8),
      type: TaskQueueFullError,
      code: "ERR_TASK_QUEUE_FULL",
      fields: { task: "fib (tasks.js)", maxQueue: 8 },
      message: ["queue is full (maxQueue 8)", "offload from an actor"],
    },
    {
      error: new TaskNotFoundError("file:///t.js", "nope"),
      type: TaskNotFoundError,
      code: "ERR_TASK_NOT_FOUND",
      fields: { moduleUrl: "file:///t.js", exportName: "nope" },
      message: ['Task module file:///t.js has no exported function "nope"'],
    },
    {
      error: new TaskAbortedError("fib (tasks.js)", "queued", cause),
      type: TaskAbortedError,
      code: "ERR_TASK_ABORTED",
      fields: { task: "fib (tasks.js)", phase: "queued", cause },
      message: ["Task fib (tasks.js) was aborted before it started; it never ran."],
    },
    {
      error: new TaskAbortedError("fib (tasks.js)", "running", cause),
      type: TaskAbortedError,
      code: "ERR_TASK_ABORTED",
      fields: { phase: "running" },
      message: ["was aborted while running", "this.signal"],
    },
    {
      error: new TaskQueueTimeoutError("fib (tasks.js)", 50, 3),
      type: TaskQueueTimeoutError,
      code: "ERR_TASK_QUEUE_TIMEOUT",
      fields: { task: "fib (tasks.js)", timeoutMs: 50, queued: 3 },
      message: [
        "waited 50 ms for a free worker (queueTimeout) and never ran; 3 task(s) were queued",
      ],
    },
    {
      error: new TaskRunTimeoutError("fib (tasks.js)", 20),
      type: TaskRunTimeoutError,
      code: "ERR_TASK_RUN_TIMEOUT",
      fields: { task: "fib (tasks.js)", timeoutMs: 20 },
      message: ["ran longer than 20 ms (runTimeout) and was aborted"],
    },
    {
      error: new WorkerCrashedError("fib (tasks.js)", cause),
      type: WorkerCrashedError,
      code: "ERR_WORKER_CRASHED",
      fields: { task: "fib (tasks.js)", cause },
      message: ["exited or crashed before the task finished", "it was replaced"],
    },
    {
      error: new WorkerOutOfMemoryError("fib (tasks.js)", { maxOldGenerationSizeMb: 16 }, cause),
      type: WorkerOutOfMemoryError,
      code: "ERR_WORKER_OUT_OF_MEMORY",
      fields: { task: "fib (tasks.js)", resourceLimits: { maxOldGenerationSizeMb: 16 }, cause },
      message: ['ran its worker out of memory (resourceLimits {"maxOldGenerationSizeMb":16})'],
    },
    {
      error: new TaskDataCloneError("fib (tasks.js)", "result", cause),
      type: TaskDataCloneError,
      code: "ERR_TASK_DATA_CLONE",
      fields: { task: "fib (tasks.js)", what: "result", cause },
      message: [
        "The result of task fib (tasks.js) cannot be copied between threads",
        "Pass plain data",
      ],
    },
    {
      error: new TaskNonErrorThrownError("fib (tasks.js)", 42),
      type: TaskNonErrorThrownError,
      code: "ERR_TASK_NON_ERROR_THROWN",
      fields: { task: "fib (tasks.js)", value: 42 },
      message: ["Task fib (tasks.js) threw a non-Error value: 42 (number)."],
    },
    {
      error: new WorkerUncaughtError(cause),
      type: WorkerUncaughtError,
      code: "ERR_WORKER_UNCAUGHT",
      fields: { cause },
      message: ["uncaught error outside any task", "no task failed"],
    },
    {
      error: new ActorThreadError("/user/a", "exited with code 1", cause),
      type: ActorThreadError,
      code: "ERR_ACTOR_THREAD",
      fields: { actorPath: "/user/a", detail: "exited with code 1", cause },
      message: ["The thread of /user/a exited with code 1", "a restart starts a new thread"],
    },
    {
      error: new TimeoutError("semaphore.acquire", 250, 1250),
      type: TimeoutError,
      code: "ERR_TIMEOUT",
      fields: { operation: "semaphore.acquire", timeoutMs: 250, deadline: 1250 },
      message: ["semaphore.acquire did not finish within 250 ms (deadline 1250 on its clock)"],
    },
    {
      error: new OperationAbortedError("retry", cause),
      type: OperationAbortedError,
      code: "ERR_OPERATION_ABORTED",
      fields: { operation: "retry", cause },
      message: ["retry was aborted by its signal"],
    },
    {
      error: new RetriesExhaustedError(4, cause),
      type: RetriesExhaustedError,
      code: "ERR_RETRIES_EXHAUSTED",
      fields: { attempts: 4, cause },
      message: ["Gave up after 4 attempt(s)", "maxAttempts"],
    },
    {
      error: new AllFailedError([cause, "x"]),
      type: AllFailedError,
      code: "ERR_ALL_FAILED",
      fields: { errors: [cause, "x"] },
      message: ["All 2 competitor(s) failed"],
    },
    {
      error: new MessageEncodeError(
        "too-large",
        "it encodes to 2000 bytes, over the limit of 1000 bytes",
        "/user/a",
        "put",
        undefined,
        2000,
        1000,
      ),
      type: MessageEncodeError,
      code: "ERR_MESSAGE_ENCODE",
      fields: {
        reason: "too-large",
        target: "/user/a",
        method: "put",
        requestId: undefined,
        size: 2000,
        limit: 1000,
      },
      message: [
        'Cannot send "put" to /user/a: it encodes to 2000 bytes, over the limit of 1000 bytes.',
        "raise maxBytes",
      ],
    },
  ];

  it.each(cases.map((c) => [`${c.type.name} (${c.code})`, c] as const))(
    "%s has its code, name, fields and an actionable message",
    (_label, { error, type, code, fields, message }) => {
      expect(error).toBeInstanceOf(type);
      expect(error).toBeInstanceOf(TroupeError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(type.name);
      expect(String(error)).toContain(`${type.name}: `);
      for (const [key, value] of Object.entries(fields))
        expect((error as unknown as Record<string, unknown>)[key]).toEqual(value);
      for (const part of message) expect(error.message).toContain(part);
      expect(error.stack).toContain(type.name);
    },
  );

  it("covers every error class that src/errors.ts exports", () => {
    const exported = Object.entries(errorsModule)
      .filter(([, value]) => typeof value === "function" && value.prototype instanceof TroupeError)
      .map(([name]) => name)
      .sort();
    const tested = [...new Set(cases.map((c) => c.type.name))].sort();
    expect(tested).toEqual(exported);
  });

  it("keeps codes unique per class", () => {
    const codes = new Map<string, string>();
    for (const { type, code } of cases) {
      const owner = codes.get(code);
      expect(
        owner === undefined || owner === type.name,
        `${code} used by ${owner} and ${type.name}`,
      ).toBe(true);
      codes.set(code, type.name);
    }
  });

  it("toError keeps Errors and wraps anything else in NonErrorThrownError", () => {
    const error = new TypeError("typed");
    expect(toError(error, "/user/a")).toBe(error);
    const wrapped = toError(42, "/user/a");
    expect(wrapped).toBeInstanceOf(NonErrorThrownError);
    expect(wrapped).toMatchObject({
      value: 42,
      actorPath: "/user/a",
      code: "ERR_NON_ERROR_THROWN",
    });
  });
});

describe("describeValue", () => {
  function named(): void {}
  class Custom {}
  it.each([
    [null, "null"],
    [undefined, "undefined"],
    ["x", '"x" (string)'],
    ["", '"" (string)'],
    [1.5, "1.5 (number)"],
    [-1, "-1 (number)"],
    [Number.NaN, "NaN (number)"],
    [Infinity, "Infinity (number)"],
    [true, "true (boolean)"],
    [10n, "10 (bigint)"],
    [Symbol("s"), "Symbol(s) (symbol)"],
    [named, "a function (named)"],
    [[() => 1][0], "a function (anonymous)"],
    [Custom, "a function (Custom)"],
    [[1, 2], "an array"],
    [{}, "an object (Object)"],
    [Object.create(null) as object, "an object (Object)"],
    [new Map(), "an object (Map)"],
    [new Custom(), "an object (Custom)"],
  ])("describes %o as %s", (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});

describe("bad options", () => {
  let clock: VirtualClock;
  let system: ActorSystem;

  class Plain extends Actor {
    ping(): string {
      return "pong";
    }
    throwString(): never {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
      throw "not an error";
    }
  }

  beforeEach(() => {
    ({ clock, system } = startVirtualSystem());
  });

  afterEach(() => stopVirtualSystem(system, clock));

  describe("new ActorSystem(options)", () => {
    const clockLike = { now: () => 0, setTimer: () => ({}), clearTimer: () => {} };
    it.each([
      ["options", null],
      ["options", 5],
      ["options", []],
      ["options.nmae", { nmae: "typo" }],
      ["name", { name: "" }],
      ["name", { name: 5 }],
      ["askTimeout", { askTimeout: 0 }],
      ["askTimeout", { askTimeout: -1 }],
      ["askTimeout", { askTimeout: "1000" }],
      ["askTimeout", { askTimeout: Number.NaN }],
      ["stopTimeout", { stopTimeout: -1 }],
      ["stopTimeout", { stopTimeout: "5000" }],
      ["clock", { clock: {} }],
      ["clock", { clock: { ...clockLike, clearTimer: undefined } }],
      ["clock", { clock: 5 }],
      ["dispatcher", { dispatcher: 5 }],
      ["dispatcher.throughput", { dispatcher: { throughput: 0 } }],
      ["dispatcher.throughput", { dispatcher: { throughput: 1.5 } }],
      ["dispatcher.yieldAfterMs", { dispatcher: { yieldAfterMs: 0 } }],
      ["dispatcher.yieldAfterMs", { dispatcher: { yieldAfterMs: "5" } }],
      ["dispatcher.fairness", { dispatcher: { fairness: true } }],
      ["supervision", { supervision: {} }],
      ["supervision", { supervision: () => "restart" }],
      ["deadLetterHistory", { deadLetterHistory: -1 }],
      ["deadLetterHistory", { deadLetterHistory: 1.5 }],
      ["deadLetterHistory", { deadLetterHistory: "100" }],
    ])("rejects %s = %o", (option, options) => {
      invalidOption(() => new ActorSystem(options as unknown as ActorSystemOptions), option);
    });

    it("accepts the documented edge values", async () => {
      const ok = new ActorSystem({
        name: "x",
        askTimeout: Infinity,
        stopTimeout: 0,
        clock: clockLike,
        dispatcher: { throughput: 1, yieldAfterMs: 1 },
        supervision: oneForOne(),
        deadLetterHistory: 0,
      });
      expect(ok.name).toBe("x");
      await ok.shutdown();
    });
  });

  describe("spawn(actor, options)", () => {
    it.each([
      ["options", null],
      ["options", "counter"],
      ["options.nmae", { nmae: "typo" }],
      ["mailbox", { mailbox: 10 }],
      ["mailbox.size", { mailbox: { size: 10 } }],
      ["mailbox.capacity", { mailbox: { capacity: 0 } }],
      ["mailbox.capacity", { mailbox: { capacity: -1 } }],
      ["mailbox.capacity", { mailbox: { capacity: 1.5 } }],
      ["mailbox.capacity", { mailbox: { capacity: "x" } }],
      ["mailbox.capacity", { mailbox: { capacity: Number.NaN } }],
      ["mailbox.overflow", { mailbox: { overflow: "nope" } }],
      ["concurrency", { concurrency: 0 }],
      ["concurrency", { concurrency: 1.5 }],
      ["stashCapacity", { stashCapacity: -1 }],
      ["supervision", { supervision: {} }],
    ])("rejects %s = %o", (option, options) => {
      invalidOption(() => system.spawn(Plain, options as unknown as SpawnOptions), option);
      expect(system.inspect().actors).toEqual([]);
    });

    it("names the allowed overflow policies in the message", () => {
      const error = invalidOption(
        () => system.spawn(Plain, { mailbox: { overflow: "nope" } } as unknown as SpawnOptions),
        "mailbox.overflow",
      );
      expect(error.message).toBe(
        'Option "mailbox.overflow" must be one of "reject", "drop-newest", "drop-oldest", "backpressure"; received "nope" (string).',
      );
    });

    it("accepts the documented edge values", () => {
      const ref = system.spawn(Plain, {
        name: "edge",
        mailbox: { capacity: Infinity, overflow: "drop-oldest" },
        concurrency: 1,
        stashCapacity: 0,
        supervision: oneForOne(),
      });
      expect(ref.path).toBe("/user/edge");
    });

    it.each([
      ["a number", 42],
      ["a string", "Plain"],
      ["null", null],
      ["an object", {}],
    ])("rejects %s instead of an actor class or factory", (_case, actor) => {
      const error = invalidOption(
        () => system.spawn(actor as unknown as ActorClass<Plain>),
        "actor",
      );
      expect(error.expected).toBe("an Actor subclass or a factory function returning an actor");
      expect(system.inspect().actors).toEqual([]);
    });
  });

  describe("ref.with(options)", () => {
    it.each([
      ["options", null],
      ["options", 100],
      ["options.timout", { timout: 100 }],
      ["timeout", { timeout: 0 }],
      ["timeout", { timeout: -1 }],
      ["timeout", { timeout: "100" }],
      ["queueTimeout", { queueTimeout: Number.NaN }],
      ["queueTimeout", { queueTimeout: 0 }],
      ["runTimeout", { runTimeout: -5 }],
      ["signal", { signal: {} }],
      ["signal", { signal: new AbortController() }],
    ])("rejects %s = %o", (option, options) => {
      const ref = system.spawn(Plain);
      invalidOption(() => ref.with(options as unknown as AskOptions), option);
    });

    it("accepts Infinity and a real signal", async () => {
      const ref = system.spawn(Plain);
      const view = ref.with({
        timeout: Infinity,
        queueTimeout: Infinity,
        runTimeout: 10,
        signal: new AbortController().signal,
      });
      await expect(view.ask("ping")).resolves.toBe("pong");
    });
  });

  describe("system.stop(ref, options)", () => {
    it.each([
      ["options", 5],
      ["drain", { drain: "yes" }],
      ["timeout", { timeout: -1 }],
      ["timeout", { timeout: "100" }],
      ["timeout", { timeout: Number.NaN }],
    ])("throws at once for %s = %o", (option, options) => {
      const ref = system.spawn(Plain);
      invalidOption(() => void system.stop(ref, options as unknown as StopOptions), option);
      expect(ref.alive).toBe(true);
    });

    it("rejects an unknown key", () => {
      const ref = system.spawn(Plain);
      invalidOption(
        () => void system.stop(ref, { drian: true } as unknown as StopOptions),
        "options.drian",
      );
      expect(ref.alive).toBe(true);
    });

    it("rejects something that is not a ref", () => {
      const error = invalidOption(
        () => void system.stop({ path: "/user/x" } as unknown as ActorRef),
        "ref",
      );
      expect(error.expected).toBe("an ActorRef of a local actor");
    });
  });

  describe("system.shutdown(options)", () => {
    it.each([
      ["options", 5],
      ["options.timout", { timout: 100 }],
      ["timeout", { timeout: -1 }],
      ["timeout", { timeout: "100" }],
      ["timeout", { timeout: Number.NaN }],
    ])("throws at once for %s = %o and does not start shutting down", (option, options) => {
      invalidOption(() => void system.shutdown(options as unknown as ShutdownOptions), option);
      expect(system.status).toBe("running");
    });

    it("rejects drain, which is not one of its options (shutdown always drains)", () => {
      invalidOption(
        () => void system.shutdown({ drain: false } as unknown as ShutdownOptions),
        "options.drain",
      );
      expect(system.status).toBe("running");
    });
  });

  describe("oneForOne(options)", () => {
    it.each([
      ["supervision", null],
      ["supervision.maxRestarts", { maxRestarts: -1 }],
      ["supervision.maxRestarts", { maxRestarts: 1.5 }],
      ["supervision.within", { within: 0 }],
      ["supervision.within", { within: -1 }],
      ["supervision.within", { within: Infinity }],
      ["supervision.decide", { decide: "restart" }],
      ["supervision.strategy", { strategy: "one-for-all" }],
    ])("rejects %s = %o", (option, options) => {
      invalidOption(() => oneForOne(options as unknown as OneForOneOptions), option);
    });
  });

  describe("system.lookup(path)", () => {
    it.each<[unknown]>([[42], [null], [undefined], [{}]])("rejects %o", (path) => {
      const error = invalidOption(() => system.lookup(path as string), "path");
      expect(error.expected).toBe("a string");
    });
  });

  describe("a handler that throws a non-Error", () => {
    it("rejects the ask with NonErrorThrownError carrying the value", async () => {
      const ref = system.spawn(Plain, { name: "plain" });
      const error = await ref.ask("throwString").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NonErrorThrownError);
      expect(error).toMatchObject({
        code: "ERR_NON_ERROR_THROWN",
        value: "not an error",
        actorPath: "/user/plain",
      });
    });
  });
});
