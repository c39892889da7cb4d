/**
 * TestProbe: a real actor that records what it receives. Expectations read messages in
 * arrival order, match by deep equality or predicate, time out in virtual time, assert
 * silence, and observe terminations through the real death watch; every wait removes its
 * clock timer, and a stopped probe rejects what is still pending.
 */
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import {
  Actor,
  ActorStoppedError,
  ActorSystem,
  DuplicateNameError,
  InvalidNameError,
  InvalidOptionError,
  MaxRestartsExceededError,
  type ActorRef,
  type Clock,
  type TerminationReason,
  type TimerHandle,
} from "../../src/index.js";
import {
  ProbeAssertionError,
  TestProbe,
  VirtualClock,
  flush,
  type ProbeActor,
} from "../../src/testing/index.js";
import { rejectionOf } from "../support/thrown-by.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  clock = new VirtualClock();
  system = new ActorSystem({ clock });
});

afterEach(async () => {
  const done = system.shutdown();
  await clock.advance(60_000);
  await done;
});

/** A promise's outcome, observable before it is awaited (attached at once, so no rejection is unhandled). */
interface Tracked<T> {
  settled: boolean;
  value?: T;
  error?: unknown;
  readonly done: Promise<void>;
}

function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  const done = promise.then(
    (value) => {
      tracked.settled = true;
      tracked.value = value;
    },
    (error: unknown) => {
      tracked.settled = true;
      tracked.error = error;
    },
  );
  return Object.assign(tracked, { done });
}

interface Pong {
  readonly pong: number;
}

/** What an actor under test asks for when it replies to someone: a `receive` of Pong. */
type PongReceiver = ActorRef<Actor & { receive(message: Pong): void }>;

/** Replies to `ping` with a Pong, at once or after a virtual delay. */
class Pinger extends Actor {
  ping(n: number, replyTo: PongReceiver): void {
    replyTo.tell("receive", { pong: n });
  }
  pingLater(n: number, delayMs: number, replyTo: PongReceiver): void {
    this.timers.once(`ping-${n}`, delayMs, (self) => self.ping(n, replyTo));
  }
}

/** Sends `message` to `to` after `delayMs` of (virtual) time. */
class Delayer extends Actor {
  sendLater(
    to: ActorRef<Actor & { receive(message: string): void }>,
    delayMs: number,
    message: string,
  ): void {
    this.timers.once("send", delayMs, (self) => self.send(to, message));
  }
  send(to: ActorRef<Actor & { receive(message: string): void }>, message: string): void {
    to.tell("receive", message);
  }
}

class Target extends Actor {
  fail(): void {
    throw new Error("target failed");
  }
  quit(): void {
    this.context.stop();
  }
}

/** A clock whose timers fire only when the test calls fireAll(), synchronously. */
class ManualClock implements Clock {
  readonly timers = new Set<{ readonly callback: () => void }>();
  now(): number {
    return 0;
  }
  setTimer(callback: () => void): TimerHandle {
    const timer = { callback };
    this.timers.add(timer);
    return timer;
  }
  clearTimer(handle: TimerHandle): void {
    for (const timer of this.timers) if (timer === handle) this.timers.delete(timer);
  }
  fireAll(): void {
    for (const timer of [...this.timers]) {
      this.timers.delete(timer);
      timer.callback();
    }
  }
}

describe("TestProbe.create", () => {
  it("spawns a real top-level actor that others can tell", async () => {
    const probe = TestProbe.create<string>(system, { name: "probe" });
    expect(probe.ref.path).toBe("/user/probe");
    expect(probe.ref.alive).toBe(true);
    expect(system.lookup("probe")?.equals(probe.ref)).toBe(true);
    probe.ref.tell("receive", "hello");
    await flush();
    expect(probe.receivedMessages).toEqual(["hello"]);
  });

  it("generates a name when none is given", () => {
    const a = TestProbe.create(system);
    const b = TestProbe.create(system);
    expect(a.ref.path).toMatch(/^\/user\/\$/);
    expect(a.ref.equals(b.ref)).toBe(false);
  });

  it("receivedMessages is a copy of the unread messages", async () => {
    const probe = TestProbe.create<number>(system);
    probe.ref.tell("receive", 1);
    probe.ref.tell("receive", 2);
    await flush();
    const copy = probe.receivedMessages;
    copy.pop();
    expect(probe.receivedMessages).toEqual([1, 2]);
    await probe.expectMessage(1);
    expect(probe.receivedMessages).toEqual([2]);
  });

  it("validates its arguments, naming the bad option", () => {
    const notASystem: unknown = {};
    expect(() => TestProbe.create(notASystem as ActorSystem)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_OPTION", option: "system" }),
    );
    const cases: [unknown, string][] = [
      [{ timout: 5 }, "options.timout"],
      [{ timeout: -1 }, "timeout"],
      [{ timeout: Number.NaN }, "timeout"],
      [{ timeout: "1s" }, "timeout"],
      [{ clock: {} }, "clock"],
      [{ clock: null }, "clock"],
      [[], "options"],
    ];
    for (const [options, option] of cases) {
      let thrown: unknown;
      try {
        TestProbe.create(system, options as object);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, option).toBeInstanceOf(InvalidOptionError);
      expect(thrown, option).toMatchObject({ code: "ERR_INVALID_OPTION", option });
    }
    expect(() => TestProbe.create(system, { name: "a.b" })).toThrow(InvalidNameError);
    TestProbe.create(system, { name: "taken" });
    expect(() => TestProbe.create(system, { name: "taken" })).toThrow(DuplicateNameError);
  });
});

describe("expectMessage", () => {
  it("reads messages in arrival order (FIFO)", async () => {
    const probe = TestProbe.create<string>(system);
    for (const m of ["a", "b", "c"]) probe.ref.tell("receive", m);
    await expect(probe.expectMessage("a")).resolves.toBe("a");
    await expect(probe.expectMessage("b")).resolves.toBe("b");
    await expect(probe.expectMessage("c")).resolves.toBe("c");
    expect(probe.receivedMessages).toEqual([]);
  });

  it("resolves at once with a message that has already arrived, setting no clock timer", async () => {
    const probe = TestProbe.create<string>(system);
    probe.ref.tell("receive", "early");
    await flush();
    const baseline = clock.pending;
    const expectation = probe.expectMessage("early", { timeout: 1000 });
    expect(clock.pending).toBe(baseline);
    await expect(expectation).resolves.toBe("early");
  });

  it("waits for a message still on its way, without moving the clock", async () => {
    const probe = TestProbe.create<string>(system);
    const expectation = track(probe.expectMessage("soon"));
    await flush();
    expect(expectation.settled).toBe(false);
    probe.ref.tell("receive", "soon");
    await expectation.done;
    expect(expectation.value).toBe("soon");
    expect(clock.now()).toBe(0);
  });

  it("matches values by deep strict equality", async () => {
    const probe = TestProbe.create<unknown>(system);
    probe.ref.tell("receive", { a: [1, { b: 2 }], c: new Map([["k", 1]]) });
    probe.ref.tell("receive", 1);
    await expect(
      probe.expectMessage({ a: [1, { b: 2 }], c: new Map([["k", 1]]) }),
    ).resolves.toEqual({ a: [1, { b: 2 }], c: new Map([["k", 1]]) });
    const error = await rejectionOf(probe.expectMessage("1"));
    expect(error).toMatchObject({ reason: "mismatch", received: 1 });
  });

  it("rejects a mismatch with what was expected and what arrived, and takes the message", async () => {
    const probe = TestProbe.create<Pong>(system, { name: "probe" });
    probe.ref.tell("receive", { pong: 2 });
    probe.ref.tell("receive", { pong: 3 });
    const error = await rejectionOf(probe.expectMessage({ pong: 1 }));
    expect(error).toBeInstanceOf(ProbeAssertionError);
    expect(error).toMatchObject({
      code: "ERR_PROBE_ASSERTION",
      name: "ProbeAssertionError",
      reason: "mismatch",
      probePath: "/user/probe",
      expected: "the message { pong: 1 }",
      received: { pong: 2 },
      timeoutMs: 3000,
    });
    expect((error as Error).message).toBe(
      "Probe /user/probe expected the message { pong: 1 } but received { pong: 2 }. " +
        "Messages are read in arrival order and this one has been taken: check what the " +
        "actor under test sends and in which order, or match with a predicate.",
    );
    await expect(probe.expectMessage({ pong: 3 })).resolves.toEqual({ pong: 3 });
  });

  it("matches with a predicate, and a type guard narrows the result", async () => {
    type Reply = Pong | { readonly error: string };
    const probe = TestProbe.create<Reply>(system);
    probe.ref.tell("receive", { pong: 7 });
    const reply = await probe.expectMessage((m): m is Pong => "pong" in m);
    expectTypeOf(reply).toEqualTypeOf<Pong>();
    expect(reply.pong).toBe(7);
    probe.ref.tell("receive", { pong: 8 });
    const plain = await probe.expectMessage((m) => "pong" in m && m.pong > 7);
    expectTypeOf(plain).toEqualTypeOf<Reply>();
    expect(plain).toEqual({ pong: 8 });
  });

  it("describes a failing predicate by its name, or else by its source", async () => {
    const probe = TestProbe.create<number>(system);
    probe.ref.tell("receive", 1);
    probe.ref.tell("receive", 2);
    function isBig(n: number): boolean {
      return n > 10;
    }
    await expect(probe.expectMessage(isBig)).rejects.toMatchObject({
      reason: "mismatch",
      expected: "a message satisfying isBig",
      received: 1,
    });
    const error = await rejectionOf(probe.expectMessage((n) => n > 100));
    expect((error as ProbeAssertionError).expected).toMatch(/^a message satisfying .*n > 100/);
    expect((error as Error).message).toContain("but received 2.");
  });

  it("rejects with the predicate's own error when the predicate throws", async () => {
    const probe = TestProbe.create<Pong>(system);
    probe.ref.tell("receive", { pong: 1 });
    const boom = new Error("predicate failed");
    await expect(
      probe.expectMessage(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    // The probe actor did not fail: it still records.
    probe.ref.tell("receive", { pong: 2 });
    await expect(probe.expectMessage({ pong: 2 })).resolves.toEqual({ pong: 2 });
    expect(system.inspect().actors.find((a) => a.path === probe.ref.path)).toMatchObject({
      failed: 0,
      restarts: 0,
    });
  });

  it("times out in virtual time, and not a millisecond earlier", async () => {
    const probe = TestProbe.create<string>(system, { name: "probe" });
    const baseline = clock.pending;
    const expectation = track(probe.expectMessage("never", { timeout: 1000 }));
    expect(clock.pending).toBe(baseline + 1);
    await clock.advance(999);
    expect(expectation.settled).toBe(false);
    await clock.advance(1);
    expect(expectation.settled).toBe(true);
    expect(expectation.error).toBeInstanceOf(ProbeAssertionError);
    expect(expectation.error).toMatchObject({
      code: "ERR_PROBE_ASSERTION",
      reason: "timeout",
      awaited: "message",
      expected: "the message 'never'",
      received: undefined,
      timeoutMs: 1000,
    });
    expect((expectation.error as Error).message).toBe(
      "Probe /user/probe expected the message 'never' within 1000 ms but nothing arrived. " +
        "Make sure the actor under test was given probe.ref; with a VirtualClock, start the " +
        "expectation first, then advance the clock to when the message is due.",
    );
    expect(clock.pending).toBe(baseline);
  });

  it("resolves with a message sent later in virtual time, before its timeout", async () => {
    const probe = TestProbe.create<string>(system);
    const delayer = system.spawn(Delayer);
    delayer.tell("sendLater", probe.ref, 500, "late");
    await flush();
    const baseline = clock.pending; // the delayer's timer
    const expectation = track(probe.expectMessage("late", { timeout: 1000 }));
    await clock.advance(499);
    expect(expectation.settled).toBe(false);
    await clock.advance(1);
    expect(expectation.settled).toBe(true);
    expect(expectation.value).toBe("late");
    expect(clock.pending).toBe(baseline - 1); // the delayer's timer fired, ours was cleared
  });

  it("uses the probe's default timeout, set at create", async () => {
    const probe = TestProbe.create(system, { timeout: 200 });
    const expectation = track(probe.expectMessage("x"));
    await clock.advance(199);
    expect(expectation.settled).toBe(false);
    await clock.advance(1);
    expect(expectation.error).toMatchObject({ reason: "timeout", timeoutMs: 200 });
  });

  it("without arguments takes any message; with undefined it expects undefined", async () => {
    const probe = TestProbe.create<number | undefined>(system);
    probe.ref.tell("receive", 42);
    probe.ref.tell("receive", 0);
    probe.ref.tell("receive", undefined);
    await expect(probe.expectMessage()).resolves.toBe(42);
    await expect(probe.expectMessage(undefined)).rejects.toMatchObject({
      reason: "mismatch",
      expected: "the message undefined",
      received: 0,
    });
    await expect(probe.expectMessage(undefined)).resolves.toBeUndefined();
  });

  it("serves expectations started together in the order they were called", async () => {
    const probe = TestProbe.create<number>(system);
    const first = probe.expectMessage();
    const second = probe.expectMessage();
    probe.ref.tell("receive", 1);
    probe.ref.tell("receive", 2);
    await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
  });

  it("gives a message arriving after one waiter timed out to the next waiter", async () => {
    const probe = TestProbe.create<string>(system);
    const short = track(probe.expectMessage("x", { timeout: 10 }));
    const long = track(probe.expectMessage("x", { timeout: 1000 }));
    await clock.advance(10);
    expect(short.error).toMatchObject({ reason: "timeout", timeoutMs: 10 });
    probe.ref.tell("receive", "x");
    await long.done;
    expect(long.value).toBe("x");
    expect(probe.receivedMessages).toEqual([]);
  });

  it("gives a message arriving in the same turn as a timeout to the next waiter, not the timed-out one", async () => {
    // A clock whose timers the test fires synchronously: the timeout and the probe actor's
    // handler then run before the timed-out expectation's continuation does.
    const manual = new ManualClock();
    const probe = TestProbe.create<string>(system, { clock: manual });
    const short = track(probe.expectMessage("x", { timeout: 10 }));
    const long = track(probe.expectMessage("x", { timeout: Infinity }));
    expect(manual.timers.size).toBe(1);
    probe.ref.tell("receive", "x"); // the probe actor runs it in a promise job
    manual.fireAll(); // the short expectation times out first, in this same turn
    await Promise.all([short.done, long.done]);
    expect(short.error).toMatchObject({ reason: "timeout", timeoutMs: 10 });
    expect(long.value).toBe("x");
    expect(manual.timers.size).toBe(0);
  });

  it("rejects bad options with InvalidOptionError", async () => {
    const probe = TestProbe.create<string>(system);
    await expect(probe.expectMessage("x", { timeout: -1 })).rejects.toMatchObject({
      code: "ERR_INVALID_OPTION",
      option: "timeout",
    });
    const typo: unknown = { wait: 1 };
    await expect(probe.expectMessage("x", typo as { timeout: number })).rejects.toMatchObject({
      code: "ERR_INVALID_OPTION",
      option: "options.wait",
    });
    await expect(probe.receiveMessage({ timeout: Number.NaN })).rejects.toBeInstanceOf(
      InvalidOptionError,
    );
  });
});

describe("receiveMessage", () => {
  it("resolves with the next message whatever it is, and times out like expectMessage", async () => {
    const probe = TestProbe.create<Pong>(system);
    probe.ref.tell("receive", { pong: 5 });
    await expect(probe.receiveMessage()).resolves.toEqual({ pong: 5 });
    const next = track(probe.receiveMessage({ timeout: 50 }));
    await clock.advance(50);
    expect(next.error).toMatchObject({ reason: "timeout", expected: "a message", timeoutMs: 50 });
  });
});

describe("expectNoMessage", () => {
  it("passes when nothing arrives within ms of virtual time", async () => {
    const probe = TestProbe.create<string>(system);
    const baseline = clock.pending;
    const quiet = track(probe.expectNoMessage(100));
    await clock.advance(99);
    expect(quiet.settled).toBe(false);
    await clock.advance(1);
    expect(quiet.settled).toBe(true);
    expect(quiet.error).toBeUndefined();
    expect(clock.pending).toBe(baseline);
  });

  it("fails as soon as a message arrives within ms, and takes it", async () => {
    const probe = TestProbe.create<string>(system, { name: "probe" });
    const delayer = system.spawn(Delayer);
    delayer.tell("sendLater", probe.ref, 50, "surprise");
    await flush();
    const quiet = track(probe.expectNoMessage(100));
    await clock.advance(50);
    expect(quiet.settled).toBe(true);
    expect(quiet.error).toBeInstanceOf(ProbeAssertionError);
    expect(quiet.error).toMatchObject({
      reason: "unexpected-message",
      expected: "no message",
      received: "surprise",
      timeoutMs: 100,
    });
    expect((quiet.error as Error).message).toBe(
      "Probe /user/probe expected no message for 100 ms but received 'surprise'. " +
        "Read the messages you expect (expectMessage) before asserting silence.",
    );
    expect(probe.receivedMessages).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it("fails at once when an unread message is waiting", async () => {
    const probe = TestProbe.create<string>(system);
    probe.ref.tell("receive", "unread");
    await flush();
    await expect(probe.expectNoMessage(100)).rejects.toMatchObject({
      reason: "unexpected-message",
      received: "unread",
    });
  });

  it("rejects a bad duration with InvalidOptionError", async () => {
    const probe = TestProbe.create(system);
    for (const ms of [-1, Number.NaN, Infinity]) {
      await expect(probe.expectNoMessage(ms)).rejects.toMatchObject({
        code: "ERR_INVALID_OPTION",
        option: "ms",
      });
    }
  });
});

describe("watch and expectTerminated", () => {
  it("resolves with kind 'stopped' for an actor that was stopped", async () => {
    const probe = TestProbe.create(system);
    const target = system.spawn(Target, { name: "target" });
    probe.watch(target);
    await system.stop(target);
    await expect(probe.expectTerminated(target)).resolves.toEqual({ kind: "stopped" });
  });

  it("waits for a termination that comes later", async () => {
    const probe = TestProbe.create(system);
    const target = system.spawn(Target, { name: "target" });
    probe.watch(target);
    const terminated = track(probe.expectTerminated(target, { timeout: 1000 }));
    await flush();
    expect(terminated.settled).toBe(false);
    target.tell("quit");
    await terminated.done;
    expect(terminated.value).toEqual({ kind: "stopped" });
  });

  it("resolves with kind 'failed' and MaxRestartsExceededError once the restart limit is exceeded", async () => {
    const probe = TestProbe.create(system);
    const target = system.spawn(Target, { name: "target" });
    probe.watch(target);
    // The default strategy restarts 5 times within 10 s; the 6th failure stops the actor.
    for (let i = 0; i < 5; i++) target.tell("fail");
    await flush();
    expect(target.alive).toBe(true);
    const early = track(probe.expectTerminated(target, { timeout: 0 }));
    await clock.advance(0);
    expect(early.error).toMatchObject({
      reason: "timeout",
      expected: "the termination of /user/target",
    });
    target.tell("fail");
    const reason: TerminationReason = await probe.expectTerminated(target);
    expect(reason.kind).toBe("failed");
    const error = reason.kind === "failed" ? reason.error : undefined;
    expect(error).toBeInstanceOf(MaxRestartsExceededError);
    expect(error).toMatchObject({
      code: "ERR_MAX_RESTARTS_EXCEEDED",
      actorPath: "/user/target",
      maxRestarts: 5,
      withinMs: 10_000,
    });
    expect((error?.cause as Error).message).toBe("target failed");
  });

  it("reports an actor that had already stopped when it was watched", async () => {
    const probe = TestProbe.create(system);
    const target = system.spawn(Target);
    await system.stop(target);
    probe.watch(target);
    await expect(probe.expectTerminated(target)).resolves.toEqual({ kind: "stopped" });
  });

  it("keeps terminations of several actors apart", async () => {
    const probe = TestProbe.create(system);
    const a = system.spawn(Target, { name: "a" });
    const b = system.spawn(Target, { name: "b" });
    probe.watch(a);
    probe.watch(b);
    const forB = probe.expectTerminated(b);
    await system.stop(a);
    await system.stop(b);
    await expect(forB).resolves.toEqual({ kind: "stopped" });
    await expect(probe.expectTerminated(a)).resolves.toEqual({ kind: "stopped" });
  });

  it("times out in virtual time when the actor stays alive", async () => {
    const probe = TestProbe.create(system, { name: "probe" });
    const target = system.spawn(Target, { name: "target" });
    probe.watch(target);
    const baseline = clock.pending;
    const terminated = track(probe.expectTerminated(target, { timeout: 500 }));
    await clock.advance(499);
    expect(terminated.settled).toBe(false);
    await clock.advance(1);
    expect(terminated.error).toBeInstanceOf(ProbeAssertionError);
    expect(terminated.error).toMatchObject({
      reason: "timeout",
      awaited: "termination",
      expected: "the termination of /user/target",
      received: undefined,
      timeoutMs: 500,
    });
    expect((terminated.error as Error).message).toBe(
      "Probe /user/probe expected the termination of /user/target within 500 ms but the " +
        "actor is still alive. Check what should stop it; with a VirtualClock, start the " +
        "expectation first, then advance the clock to when the actor should stop.",
    );
    expect(clock.pending).toBe(baseline);
    expect(target.alive).toBe(true);
  });

  it("rejects with InvalidOptionError for an actor the probe does not watch (or no longer)", async () => {
    const probe = TestProbe.create(system);
    const target = system.spawn(Target);
    await expect(probe.expectTerminated(target)).rejects.toMatchObject({
      code: "ERR_INVALID_OPTION",
      option: "ref",
    });
    probe.watch(target);
    probe.unwatch(target);
    await system.stop(target);
    await flush();
    await expect(probe.expectTerminated(target)).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it("watch refuses the probe itself and things that are not refs", () => {
    const probe = TestProbe.create(system);
    expect(() => probe.watch(probe.ref)).toThrow(InvalidOptionError);
    const notARef: unknown = "/user/target";
    expect(() => probe.watch(notARef as ActorRef)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_OPTION", option: "ref" }),
    );
  });
});

describe("an actor under test replying to the probe", () => {
  it("sends its reply to probe.ref, given in a message", async () => {
    const probe = TestProbe.create<Pong>(system);
    const pinger = system.spawn(Pinger);
    pinger.tell("ping", 1, probe.ref);
    pinger.tell("ping", 2, probe.ref);
    await probe.expectMessage({ pong: 1 });
    await probe.expectMessage({ pong: 2 });
    const quiet = probe.expectNoMessage(1000);
    await clock.advance(1000);
    await quiet;
  });

  it("replies after a virtual delay, which the probe waits for", async () => {
    const probe = TestProbe.create<Pong>(system);
    const pinger = system.spawn(Pinger);
    pinger.tell("pingLater", 3, 30_000, probe.ref);
    const reply = track(probe.expectMessage({ pong: 3 }, { timeout: 60_000 }));
    await clock.advance(29_999);
    expect(reply.settled).toBe(false);
    await clock.advance(1);
    expect(reply.value).toEqual({ pong: 3 });
  });

  it("types probe.ref as a ref to a receiver of M", () => {
    const probe = TestProbe.create<Pong>(system);
    expectTypeOf(probe.ref).toEqualTypeOf<ActorRef<ProbeActor<Pong>>>();
    expectTypeOf(probe.ref).toExtend<PongReceiver>();
    const strings = TestProbe.create<string>(system);
    expectTypeOf(strings.ref).not.toExtend<PongReceiver>();
    const pinger = system.spawn(Pinger);
    // @ts-expect-error a probe of strings cannot stand in for a receiver of Pong
    pinger.tell("ping", 1, strings.ref);
    // @ts-expect-error a message of the wrong type is a compile error
    probe.ref.tell("receive", "not a pong");
  });
});

describe("stop and clean-up", () => {
  it("stop() stops the probe actor and rejects its pending expectations", async () => {
    const probe = TestProbe.create<string>(system, { name: "probe" });
    const target = system.spawn(Target);
    probe.watch(target);
    const baseline = clock.pending;
    const message = track(probe.expectMessage("x", { timeout: 1000 }));
    const terminated = track(probe.expectTerminated(target, { timeout: 1000 }));
    expect(clock.pending).toBe(baseline + 2);
    await probe.stop();
    await flush();
    expect(probe.ref.alive).toBe(false);
    expect(message.error).toBeInstanceOf(ProbeAssertionError);
    expect(message.error).toMatchObject({
      reason: "probe-stopped",
      expected: "the message 'x'",
      timeoutMs: 1000,
    });
    expect((message.error as Error).message).toBe(
      "Probe /user/probe is stopped, so its expectation (the message 'x') can no longer be " +
        "met. Do not stop the probe (or shut the system down) before its expectations have " +
        "settled.",
    );
    expect(terminated.error).toMatchObject({
      reason: "probe-stopped",
      awaited: "termination",
      expected: `the termination of ${target.path}`,
    });
    expect(clock.pending).toBe(baseline);
  });

  it("after a stop, unread messages can still be read, but nothing more can be awaited", async () => {
    const probe = TestProbe.create<string>(system);
    const target = system.spawn(Target);
    probe.ref.tell("receive", "kept");
    await flush();
    await probe.stop();
    await expect(probe.expectMessage("kept")).resolves.toBe("kept");
    await expect(probe.expectMessage()).rejects.toMatchObject({ reason: "probe-stopped" });
    await expect(probe.expectNoMessage(10)).rejects.toMatchObject({ reason: "probe-stopped" });
    expect(() => probe.watch(target)).toThrow(ActorStoppedError);
  });

  it("system shutdown rejects pending expectations", async () => {
    const probe = TestProbe.create(system);
    const pending = track(probe.expectMessage());
    await system.shutdown();
    await pending.done;
    expect(pending.error).toMatchObject({ reason: "probe-stopped" });
  });

  it("leaves no clock timer behind on any exit", async () => {
    const probe = TestProbe.create<string>(system);
    const target = system.spawn(Target);
    const baseline = clock.pending;
    const outcomes = [
      track(probe.expectMessage("a", { timeout: 100 })), // served
      track(probe.expectMessage("z", { timeout: 100 })), // mismatch
      track(
        probe.expectMessage(
          () => {
            throw new Error("predicate failed");
          },
          { timeout: 100 },
        ),
      ), // predicate throws
      track(probe.receiveMessage({ timeout: 100 })), // times out
    ];
    probe.ref.tell("receive", "a");
    probe.ref.tell("receive", "b");
    probe.ref.tell("receive", "c");
    await flush();
    expect(clock.pending).toBe(baseline + 1);
    await clock.advance(100);
    await Promise.all(outcomes.map((o) => o.done));
    expect(outcomes.map((o) => o.error === undefined)).toEqual([true, false, false, false]);

    const silence = track(probe.expectNoMessage(50)); // passes
    await clock.advance(50);
    const noisy = track(probe.expectNoMessage(50)); // fails
    probe.ref.tell("receive", "noise");
    probe.watch(target);
    const terminated = track(probe.expectTerminated(target, { timeout: 100 })); // served
    await system.stop(target);
    await Promise.all([silence.done, noisy.done, terminated.done]);
    expect([silence.error, terminated.error]).toEqual([undefined, undefined]);
    expect(noisy.error).toMatchObject({ reason: "unexpected-message" });
    expect(clock.pending).toBe(baseline);
  });
});
