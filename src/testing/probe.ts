/**
 * A test probe: a real actor that records what it receives, so a test can hand its ref to
 * the actors under test and then assert on what they sent, in order, without sleeping — in
 * the spirit of Akka's TestProbe and Erlang's `receive ... after` in tests.
 *
 * ```ts
 * const clock = new VirtualClock();
 * const system = new ActorSystem({ clock });
 * const probe = TestProbe.create<Pong>(system);
 * pinger.tell("ping", probe.ref);
 * await probe.expectMessage({ pong: 1 });            // resolves once it arrives
 * const quiet = probe.expectNoMessage(500);          // nothing else for 500 virtual ms
 * await clock.advance(500);
 * await quiet;
 * ```
 *
 * Guarantees:
 * - Messages are read in arrival order (FIFO). Each `expectMessage` / `receiveMessage` /
 *   failing `expectNoMessage` takes exactly one message, even when it does not match.
 * - Expectations started while others are pending are served in the order they were called.
 * - A message already received is returned at once; otherwise the expectation waits for the
 *   next message or its timeout, measured on the probe's clock (the system's, by default):
 *   with a VirtualClock only `clock.advance` moves it, so start the expectation first, then
 *   advance. Every wait removes its clock timer when it settles.
 * - Matching runs in the test's code, never in the probe actor's handler: a throwing
 *   predicate rejects the expectation and cannot make the probe fail or restart.
 * - The probe uses the real death watch (`context.watch`), so `expectTerminated` sees the
 *   same reasons as any watcher: `stopped`, `failed` (e.g. MaxRestartsExceededError) and
 *   `shutdown`.
 * - When the probe stops (`probe.stop()` or system shutdown), pending expectations reject
 *   with reason `probe-stopped`; messages it had already received can still be read.
 */
import { inspect, isDeepStrictEqual } from "node:util";
import { Actor, type TerminationReason } from "../actor/actor.js";
import { ActorRef } from "../actor/actor-ref.js";
import type { ActorContext } from "../actor/context.js";
import { ActorStoppedError, InvalidOptionError, TroupeError } from "../errors.js";
import { ActorSystem } from "../system/actor-system.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import { checkClock, checkKnownKeys, checkObject } from "../validation.js";

/** Options of {@link TestProbe.create}. */
export interface TestProbeOptions {
  /**
   * Name of the probe actor (a top-level actor under `/user`).
   * @default a generated name starting with "$"
   */
  readonly name?: string;
  /**
   * Clock that measures expectation timeouts.
   * @default the system's clock (a VirtualClock when the system was given one)
   */
  readonly clock?: Clock;
  /**
   * Default timeout of `expectMessage`, `receiveMessage` and `expectTerminated`, in ms;
   * `Infinity` waits forever.
   * @default 3000
   */
  readonly timeout?: number;
}

/** Options of one expectation. */
export interface ExpectOptions {
  /**
   * How long to wait for the message (or termination), in ms on the probe's clock;
   * `Infinity` waits forever. With 0, what is already there is taken at once, and anything
   * else must arrive before the clock next fires its due timers.
   * @default the probe's `timeout` (3000 ms unless set at create)
   */
  readonly timeout?: number;
}

/** Why a probe expectation failed. */
export type ProbeFailure =
  /** The next message did not equal the expected value or did not satisfy the predicate. */
  | "mismatch"
  /** Nothing (or not the awaited termination) arrived within the timeout. */
  | "timeout"
  /** `expectNoMessage` saw a message. */
  | "unexpected-message"
  /** The probe stopped while waiting, or was already stopped with nothing left to read. */
  | "probe-stopped";

/** A probe expectation failed; the message says what was expected, what arrived, what to do. */
export class ProbeAssertionError extends TroupeError {
  readonly code = "ERR_PROBE_ASSERTION";
  constructor(
    readonly reason: ProbeFailure,
    /** Path of the probe actor. */
    readonly probePath: string,
    /**
     * What was expected, described: `the message { pong: 1 }`, `a message satisfying isBig`,
     * `no message`, `the termination of /user/db`.
     */
    readonly expected: string,
    /** The message that arrived, or undefined when none did (timeout, probe-stopped). */
    readonly received: unknown,
    /** The expectation's timeout (for `expectNoMessage`, its duration), in ms. */
    readonly timeoutMs: number,
    /** What the expectation waited for: a message, or an actor's termination. */
    readonly awaited: "message" | "termination" = "message",
  ) {
    super(describeFailure(reason, probePath, expected, received, timeoutMs, awaited));
  }
}

function show(value: unknown): string {
  return inspect(value, { depth: 6, breakLength: Infinity });
}

function describeFailure(
  reason: ProbeFailure,
  probePath: string,
  expected: string,
  received: unknown,
  timeoutMs: number,
  awaited: "message" | "termination",
): string {
  const probe = `Probe ${probePath}`;
  switch (reason) {
    case "mismatch":
      return (
        `${probe} expected ${expected} but received ${show(received)}. ` +
        `Messages are read in arrival order and this one has been taken: check what the ` +
        `actor under test sends and in which order, or match with a predicate.`
      );
    case "timeout":
      return awaited === "message"
        ? `${probe} expected ${expected} within ${timeoutMs} ms but nothing arrived. Make ` +
            `sure the actor under test was given probe.ref; with a VirtualClock, start the ` +
            `expectation first, then advance the clock to when the message is due.`
        : `${probe} expected ${expected} within ${timeoutMs} ms but the actor is still ` +
            `alive. Check what should stop it; with a VirtualClock, start the expectation ` +
            `first, then advance the clock to when the actor should stop.`;
    case "unexpected-message":
      return (
        `${probe} expected no message for ${timeoutMs} ms but received ${show(received)}. ` +
        `Read the messages you expect (expectMessage) before asserting silence.`
      );
    case "probe-stopped":
      return (
        `${probe} is stopped, so its expectation (${expected}) can no longer be met. Do not ` +
        `stop the probe (or shut the system down) before its expectations have settled.`
      );
    default:
      return reason satisfies never;
  }
}

/** A predicate's description for messages: its name, else its (shortened) source. */
function describePredicate(predicate: (message: never) => unknown): string {
  if (predicate.name !== "") return `a message satisfying ${predicate.name}`;
  const source = String(predicate).replace(/\s+/g, " ");
  return `a message satisfying ${source.length > 120 ? `${source.slice(0, 117)}...` : source}`;
}

const DEFAULT_TIMEOUT = 3000;

function checkTimeout(option: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0)
    throw new InvalidOptionError(
      option,
      "a number of milliseconds ≥ 0 (or Infinity to wait forever)",
      value,
    );
}

function checkExpectOptions(options: unknown): asserts options is ExpectOptions | undefined {
  checkObject("options", options);
  if (options === undefined) return;
  checkKnownKeys("options", options as object, ["timeout"]);
  checkTimeout("timeout", (options as Record<string, unknown>)["timeout"]);
}

function checkRef(option: string, ref: unknown): asserts ref is ActorRef {
  if (!(ref instanceof ActorRef)) throw new InvalidOptionError(option, "an ActorRef", ref);
}

/**
 * @internal What the probe actor reports to its TestProbe. It lives outside the actor, so
 * what the probe recorded would survive a restart (the probe actor never fails, though).
 */
export interface ProbeSink<M> {
  bind(context: ActorContext): void;
  message(message: M): void;
  terminated(ref: ActorRef, reason: TerminationReason): void;
  stopped(): void;
}

/**
 * The actor behind a probe. Its only message is `receive(message)`, so its ref fits wherever
 * an `ActorRef<Actor & { receive(message: M): void }>` is expected. It never fails: the
 * handler only records, and all matching happens in the test.
 */
export class ProbeActor<M = unknown> extends Actor {
  readonly #sink: ProbeSink<M>;

  /** @internal Made by TestProbe.create, not by user code. */
  constructor(sink: ProbeSink<M>) {
    super();
    this.#sink = sink;
    sink.bind(this.context);
  }

  /** Records `message` for the probe's expectations. */
  receive(message: M): void {
    this.#sink.message(message);
  }

  protected override onTerminated(ref: ActorRef, reason: TerminationReason): void {
    this.#sink.terminated(ref, reason);
  }

  protected override onStop(): void {
    this.#sink.stopped();
  }
}

/** One pending wait, settled by the probe actor (deliver), its timer, or the probe's stop. */
interface Waiter<T> {
  readonly deliver: (value: T) => void;
  readonly stop: () => void;
}

interface TerminationWaiter extends Waiter<TerminationReason> {
  readonly ref: ActorRef;
}

interface Termination {
  readonly ref: ActorRef;
  readonly reason: TerminationReason;
}

/** Marks a wait that ended by its timeout (a message may itself be undefined). */
const TIMED_OUT: unique symbol = Symbol("timed out");
type TimedOut = typeof TIMED_OUT;

export class TestProbe<M = unknown> {
  readonly #system: ActorSystem;
  readonly #clock: Clock;
  readonly #timeout: number;
  readonly #ref: ActorRef<ProbeActor<M>>;
  #context: ActorContext | null = null;
  #stopped = false;
  /** Unread messages, oldest first; non-empty only while no message waiter is pending. */
  readonly #messages: M[] = [];
  /** Pending message expectations, in call order; the oldest gets the next message. */
  readonly #messageWaiters: Waiter<M>[] = [];
  readonly #watched: ActorRef[] = [];
  /** Terminations not yet read by expectTerminated, in arrival order. */
  readonly #terminations: Termination[] = [];
  readonly #terminationWaiters: TerminationWaiter[] = [];

  private constructor(system: ActorSystem, options: TestProbeOptions) {
    this.#system = system;
    this.#clock = options.clock ?? system.clock;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    const sink: ProbeSink<M> = {
      bind: (context) => {
        this.#context = context;
        this.#stopped = false;
      },
      message: (message) => this.#onMessage(message),
      terminated: (ref, reason) => this.#onTerminated(ref, reason),
      stopped: () => this.#onStopped(),
    };
    this.#ref = system.spawn(
      () => new ProbeActor<M>(sink),
      options.name === undefined ? undefined : { name: options.name },
    );
  }

  /**
   * Spawns a probe actor in `system` (a top-level actor under `/user`). `M` is the type of
   * the messages it accepts; give `probe.ref` to the actors under test.
   *
   * Throws InvalidOptionError for a bad option, InvalidNameError / DuplicateNameError for a
   * bad name, SystemShutDownError when the system has shut down.
   */
  static create<M = unknown>(system: ActorSystem, options?: TestProbeOptions): TestProbe<M> {
    if (!(system instanceof ActorSystem))
      throw new InvalidOptionError("system", "an ActorSystem", system);
    checkObject("options", options);
    if (options !== undefined) {
      checkKnownKeys("options", options, ["name", "clock", "timeout"]);
      checkClock("clock", options.clock);
      checkTimeout("timeout", options.timeout);
    }
    return new TestProbe<M>(system, options ?? {});
  }

  /** The probe actor's ref: give it to the actors under test (they tell it `receive`). */
  get ref(): ActorRef<ProbeActor<M>> {
    return this.#ref;
  }

  /** A copy of the messages received and not yet read by an expectation, oldest first. */
  get receivedMessages(): M[] {
    return [...this.#messages];
  }

  /**
   * Resolves with the next message (FIFO) if it deep-equals `expected`
   * (`util.isDeepStrictEqual`), or satisfies `expected` when that is a function; without
   * arguments, with any message. On a mismatch it rejects with ProbeAssertionError (reason
   * `mismatch`; the message is taken all the same), after the timeout with reason
   * `timeout`. A throwing predicate rejects with its own error, so `expect(...)` calls work
   * inside it. A type-guard predicate narrows the result.
   *
   * ```ts
   * await probe.expectMessage({ pong: 1 });
   * const big = await probe.expectMessage((m) => m.pong > 10, { timeout: 500 });
   * ```
   */
  expectMessage(): Promise<M>;
  expectMessage<N extends M>(
    predicate: (message: M) => message is N,
    options?: ExpectOptions,
  ): Promise<N>;
  expectMessage(predicate: (message: M) => boolean, options?: ExpectOptions): Promise<M>;
  expectMessage(value: M, options?: ExpectOptions): Promise<M>;
  async expectMessage(...args: unknown[]): Promise<unknown> {
    // A rest parameter, to tell "no argument" (any message) from an expected `undefined`.
    if (args.length === 0) return this.receiveMessage();
    const expected = args[0] as M | ((message: M) => boolean);
    const options = args[1];
    checkExpectOptions(options);
    const timeoutMs = options?.timeout ?? this.#timeout;
    let matches: (message: M) => boolean;
    let description: string;
    if (typeof expected === "function") {
      matches = expected as (message: M) => boolean;
      description = describePredicate(matches);
    } else {
      matches = (message) => isDeepStrictEqual(message, expected);
      description = `the message ${show(expected)}`;
    }
    const message = await this.#nextMessage(timeoutMs, description);
    if (!matches(message))
      throw new ProbeAssertionError("mismatch", this.#ref.path, description, message, timeoutMs);
    return message;
  }

  /**
   * Resolves with the next message (FIFO), whatever it is; rejects with ProbeAssertionError
   * (reason `timeout`) when none arrives in time. Use it to inspect a message yourself.
   */
  async receiveMessage(options?: ExpectOptions): Promise<M> {
    checkExpectOptions(options);
    return this.#nextMessage(options?.timeout ?? this.#timeout, "a message");
  }

  /**
   * Resolves once `ms` have passed on the probe's clock with no message; rejects with
   * ProbeAssertionError (reason `unexpected-message`) as soon as one arrives, or at once if
   * an unread one is there, and takes it. With a VirtualClock, start it, then advance the
   * clock by `ms`.
   */
  async expectNoMessage(ms: number): Promise<void> {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
      throw new InvalidOptionError("ms", "a finite number of milliseconds ≥ 0", ms);
    const message = await this.#takeMessage(ms, "no message");
    if (message !== TIMED_OUT)
      throw new ProbeAssertionError(
        "unexpected-message",
        this.#ref.path,
        "no message",
        message,
        ms,
      );
  }

  /**
   * Watches `ref` with the probe actor's real death watch (`context.watch`), effective at
   * once: its termination is recorded for `expectTerminated`, right away if it has already
   * stopped. Throws InvalidOptionError for something that is not a local ActorRef or for the
   * probe's own ref, ActorStoppedError when the probe has stopped.
   */
  watch(ref: ActorRef<Actor>): void {
    checkRef("ref", ref);
    this.#contextOrThrow().watch(ref);
    if (!this.#watched.some((r) => r.equals(ref))) this.#watched.push(ref);
  }

  /** Stops watching `ref`; a termination recorded but not yet read is discarded. */
  unwatch(ref: ActorRef<Actor>): void {
    checkRef("ref", ref);
    this.#contextOrThrow().unwatch(ref);
    removeWhere(this.#watched, (r) => r.equals(ref));
    removeWhere(this.#terminations, (t) => t.ref.equals(ref));
  }

  /**
   * Resolves with the TerminationReason of `ref`, which the probe must watch
   * (`probe.watch(ref)`): at once if it has already terminated, else when it does. Rejects
   * with ProbeAssertionError (reason `timeout`) if it is still alive after the timeout, and
   * with InvalidOptionError if the probe does not watch `ref`.
   */
  async expectTerminated(
    ref: ActorRef<Actor>,
    options?: ExpectOptions,
  ): Promise<TerminationReason> {
    checkRef("ref", ref);
    checkExpectOptions(options);
    const timeoutMs = options?.timeout ?? this.#timeout;
    const i = this.#terminations.findIndex((t) => t.ref.equals(ref));
    if (i >= 0) return (this.#terminations.splice(i, 1)[0] as Termination).reason;
    if (!this.#watched.some((r) => r.equals(ref)))
      throw new InvalidOptionError(
        "ref",
        "an actor the probe watches (call probe.watch(ref) first) whose termination has " +
          "not been read yet",
        ref,
      );
    const description = `the termination of ${ref.path}`;
    const reason = await this.#waitIn<TerminationReason, TerminationWaiter>(
      this.#terminationWaiters,
      (deliver, stop) => ({ ref, deliver, stop }),
      timeoutMs,
      description,
      "termination",
    );
    if (reason === TIMED_OUT)
      throw new ProbeAssertionError(
        "timeout",
        this.#ref.path,
        description,
        undefined,
        timeoutMs,
        "termination",
      );
    return reason;
  }

  /** Stops the probe actor; resolves once it has stopped. Pending expectations reject. */
  async stop(): Promise<void> {
    await this.#system.stop(this.#ref);
  }

  // ------------------------------------------------------------------------- internals

  #contextOrThrow(): ActorContext {
    if (this.#stopped || this.#context === null) throw new ActorStoppedError(this.#ref.path);
    return this.#context;
  }

  /** The next message, or a ProbeAssertionError (reason `timeout`) after `timeoutMs`. */
  async #nextMessage(timeoutMs: number, description: string): Promise<M> {
    const message = await this.#takeMessage(timeoutMs, description);
    if (message === TIMED_OUT)
      throw new ProbeAssertionError("timeout", this.#ref.path, description, undefined, timeoutMs);
    return message;
  }

  /** The oldest unread message at once, else the next to arrive, else TIMED_OUT. */
  #takeMessage(timeoutMs: number, description: string): Promise<M | TimedOut> {
    if (this.#messages.length > 0) return Promise.resolve(this.#messages.shift() as M);
    return this.#waitIn<M, Waiter<M>>(
      this.#messageWaiters,
      (deliver, stop) => ({ deliver, stop }),
      timeoutMs,
      description,
      "message",
    );
  }

  /**
   * Queues a waiter in `waiters` and resolves with what is delivered to it, or TIMED_OUT
   * after `timeoutMs` on the probe's clock; rejects with reason `probe-stopped` when the
   * probe stops. The waiter leaves the queue synchronously when it is served or times out,
   * so a message arriving in between goes to the next waiter, never to a settled one; the
   * timer is cleared in `finally` on every exit.
   */
  async #waitIn<T, W extends Waiter<T>>(
    waiters: W[],
    make: (deliver: (value: T) => void, stop: () => void) => W,
    timeoutMs: number,
    description: string,
    awaited: "message" | "termination",
  ): Promise<T | TimedOut> {
    const stoppedError = () =>
      new ProbeAssertionError(
        "probe-stopped",
        this.#ref.path,
        description,
        undefined,
        timeoutMs,
        awaited,
      );
    if (this.#stopped) throw stoppedError();
    let waiter: W | undefined;
    let timer: TimerHandle | undefined;
    try {
      return await new Promise<T | TimedOut>((resolve, reject) => {
        const w = make(resolve, () => reject(stoppedError()));
        waiter = w;
        waiters.push(w);
        if (timeoutMs !== Infinity)
          timer = this.#clock.setTimer(() => {
            removeWhere(waiters, (x) => x === w);
            resolve(TIMED_OUT);
          }, timeoutMs);
      });
    } finally {
      if (timer !== undefined) this.#clock.clearTimer(timer);
      if (waiter !== undefined) removeWhere(waiters, (x) => x === waiter);
    }
  }

  #onMessage(message: M): void {
    const waiter = this.#messageWaiters.shift();
    if (waiter === undefined) this.#messages.push(message);
    else waiter.deliver(message);
  }

  #onTerminated(ref: ActorRef, reason: TerminationReason): void {
    removeWhere(this.#watched, (r) => r.equals(ref));
    const i = this.#terminationWaiters.findIndex((w) => w.ref.equals(ref));
    if (i >= 0) (this.#terminationWaiters.splice(i, 1)[0] as TerminationWaiter).deliver(reason);
    else this.#terminations.push({ ref, reason });
  }

  #onStopped(): void {
    this.#stopped = true;
    this.#context = null;
    for (const waiter of this.#messageWaiters.splice(0)) waiter.stop();
    for (const waiter of this.#terminationWaiters.splice(0)) waiter.stop();
  }
}

function removeWhere<T>(items: T[], match: (item: T) => boolean): void {
  const i = items.findIndex(match);
  if (i >= 0) items.splice(i, 1);
}
