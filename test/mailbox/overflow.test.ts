/**
 * Bounded mailboxes under every overflow policy: `reject`, `drop-newest`, `drop-oldest` and
 * `backpressure`. The actor is kept busy by async handlers that wait on gates the test opens
 * by hand, so the mailbox stays full exactly as long as the test wants.
 */
import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  AskAbortedError,
  MailboxFullError,
  MessageDroppedError,
  QueueTimeoutError,
  type ActorRef,
  type ActorSystem,
  type DeadLetter,
  type MailboxOverflowEvent,
  type OverflowPolicy,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { Gates, openAllGates } from "../support/gates.js";
import { track } from "../support/track.js";

/** `hold(id)` waits for gate `id`; `put(item)` is handled at once. Both record what ran. */
class Sink extends Actor {
  constructor(
    readonly gates: Gates,
    readonly handled: string[],
  ) {
    super();
  }
  async hold(id: number): Promise<number> {
    this.handled.push(`hold ${id}`);
    await this.gates.get(id).wait;
    return id;
  }
  put(item: string): string {
    this.handled.push(item);
    return item;
  }
}

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(async () => {
  openAllGates();
  await stopVirtualSystem(system, clock);
});

/**
 * A sink with a bounded mailbox whose handler `hold 0` is running (so it takes no more
 * messages until gate 0 opens) and whose mailbox is empty.
 */
async function busySink(
  capacity: number,
  overflow: OverflowPolicy,
): Promise<{ sink: ActorRef<Sink>; gates: Gates; handled: string[] }> {
  const gates = new Gates();
  const handled: string[] = [];
  const sink = system.spawn(() => new Sink(gates, handled), {
    name: "sink",
    mailbox: { capacity, overflow },
  });
  sink.tell("hold", 0);
  await flush();
  expect(handled).toEqual(["hold 0"]);
  return { sink, gates, handled };
}

const snapshot = (): { mailbox: number; waitingSenders: number } => {
  const actor = system.inspect().actors[0];
  return { mailbox: actor?.mailbox ?? -1, waitingSenders: actor?.waitingSenders ?? -1 };
};

function recordEvents(): { overflows: MailboxOverflowEvent[]; letters: DeadLetter[] } {
  const overflows: MailboxOverflowEvent[] = [];
  const letters: DeadLetter[] = [];
  system.events.on("overflow", (event) => overflows.push(event));
  system.events.on("deadLetter", (letter) => letters.push(letter));
  return { overflows, letters };
}

describe('overflow: "reject"', () => {
  it("tell into a full mailbox throws MailboxFullError; the message is never handled", async () => {
    const { sink, gates, handled } = await busySink(2, "reject");
    sink.tell("put", "a");
    sink.tell("put", "b");
    let error: unknown;
    try {
      sink.tell("put", "c");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MailboxFullError);
    const full = error as MailboxFullError;
    expect(full.code).toBe("ERR_MAILBOX_FULL");
    expect(full.capacity).toBe(2);
    expect(full.actorPath).toBe("/user/sink");
    expect(full.message).toBe(
      "The mailbox of /user/sink is full (capacity 2); slow the sender down, raise " +
        "mailbox.capacity, or choose another overflow policy.",
    );
    expect(snapshot().mailbox).toBe(2);
    gates.open(0);
    await flush();
    await expect(sink.ask("put", "after")).resolves.toBe("after");
    expect(handled).toEqual(["hold 0", "a", "b", "after"]);
  });

  it("ask into a full mailbox rejects with MailboxFullError instead of throwing", async () => {
    const { sink } = await busySink(1, "reject");
    sink.tell("put", "a");
    let reply: Promise<string> | undefined;
    expect(() => {
      reply = sink.ask("put", "b");
    }).not.toThrow();
    await expect(reply).rejects.toThrow(MailboxFullError);
    await expect(reply).rejects.toMatchObject({ code: "ERR_MAILBOX_FULL", capacity: 1 });
  });

  it("send into a full mailbox rejects with MailboxFullError", async () => {
    const { sink } = await busySink(1, "reject");
    sink.tell("put", "a");
    await expect(sink.send("put", "b")).rejects.toThrow(MailboxFullError);
  });

  it("takes messages again once the actor has made room", async () => {
    const { sink, gates, handled } = await busySink(1, "reject");
    sink.tell("put", "a");
    expect(() => sink.tell("put", "b")).toThrow(MailboxFullError);
    gates.open(0);
    await flush();
    expect(() => sink.tell("put", "c")).not.toThrow();
    await flush();
    expect(handled).toEqual(["hold 0", "a", "c"]);
  });

  it("emits an overflow event naming the actor, the policy and the capacity", async () => {
    const { overflows } = recordEvents();
    const { sink } = await busySink(1, "reject");
    sink.tell("put", "a");
    expect(() => sink.tell("put", "b")).toThrow(MailboxFullError);
    expect(overflows).toEqual([{ path: "/user/sink", policy: "reject", capacity: 1 }]);
  });
});

describe('overflow: "drop-newest"', () => {
  it("drops the new message to dead letters (recent() and the deadLetter event)", async () => {
    const { overflows, letters } = recordEvents();
    const { sink, gates, handled } = await busySink(2, "drop-newest");
    sink.tell("put", "a");
    sink.tell("put", "b");
    expect(() => sink.tell("put", "c")).not.toThrow();
    const expected: DeadLetter = {
      recipient: "/user/sink",
      method: "put",
      args: ["c"],
      reason: "dropped-newest",
      timestamp: clock.now(),
    };
    expect(system.deadLetters.recent()).toEqual([expected]);
    expect(system.deadLetters.count).toBe(1);
    expect(letters).toEqual([expected]);
    expect(overflows).toEqual([{ path: "/user/sink", policy: "drop-newest", capacity: 2 }]);
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0", "a", "b"]);
  });

  it("a dropped ask rejects with MessageDroppedError (reason dropped-newest)", async () => {
    const { sink } = await busySink(1, "drop-newest");
    sink.tell("put", "a");
    const error: unknown = await sink.ask("put", "b").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageDroppedError);
    const dropped = error as MessageDroppedError;
    expect(dropped.code).toBe("ERR_MESSAGE_DROPPED");
    expect(dropped.reason).toBe("dropped-newest");
    expect(dropped.method).toBe("put");
    expect(dropped.message).toContain(
      'The message "put" to /user/sink was dropped (dropped-newest)',
    );
    expect(system.deadLetters.recent()).toMatchObject([{ args: ["b"], reason: "dropped-newest" }]);
  });
});

describe('overflow: "drop-oldest"', () => {
  it("drops the oldest queued message to dead letters and queues the new one", async () => {
    const { overflows, letters } = recordEvents();
    const { sink, gates, handled } = await busySink(2, "drop-oldest");
    sink.tell("put", "a");
    sink.tell("put", "b");
    sink.tell("put", "c");
    expect(snapshot().mailbox).toBe(2);
    const expected: DeadLetter = {
      recipient: "/user/sink",
      method: "put",
      args: ["a"],
      reason: "dropped-oldest",
      timestamp: clock.now(),
    };
    expect(system.deadLetters.recent()).toEqual([expected]);
    expect(letters).toEqual([expected]);
    expect(overflows).toEqual([{ path: "/user/sink", policy: "drop-oldest", capacity: 2 }]);
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0", "b", "c"]);
  });

  it("keeps the newest `capacity` messages of a burst, dropping the rest oldest first", async () => {
    const { sink, gates, handled } = await busySink(3, "drop-oldest");
    for (let i = 0; i < 10; i++) sink.tell("put", `m${i}`);
    expect(system.deadLetters.recent().map((l) => l.args[0])).toEqual([
      "m0",
      "m1",
      "m2",
      "m3",
      "m4",
      "m5",
      "m6",
    ]);
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0", "m7", "m8", "m9"]);
  });

  it("an ask dropped as the oldest rejects with MessageDroppedError (reason dropped-oldest)", async () => {
    const { sink, gates } = await busySink(1, "drop-oldest");
    const oldest = sink.ask("put", "old");
    const newest = sink.ask("put", "new");
    await expect(oldest).rejects.toThrow(MessageDroppedError);
    await expect(oldest).rejects.toMatchObject({
      code: "ERR_MESSAGE_DROPPED",
      reason: "dropped-oldest",
      method: "put",
    });
    gates.open(0);
    await expect(newest).resolves.toBe("new");
  });
});

describe('overflow: "backpressure"', () => {
  it("await send() resolves only once there is room, in FIFO order among waiting senders", async () => {
    const { sink, gates, handled } = await busySink(1, "backpressure");
    sink.tell("hold", 1); // fills the mailbox
    const sends = [2, 3, 4].map((id) => sink.send("hold", id));
    const states = sends.map(track);
    await flush();
    expect(states.map((s) => s.settled)).toEqual([false, false, false]);
    expect(snapshot()).toEqual({ mailbox: 1, waitingSenders: 3 });

    gates.open(0); // hold 1 starts, its slot goes to the first waiting sender
    await flush();
    expect(states.map((s) => s.settled)).toEqual([true, false, false]);
    expect(handled).toEqual(["hold 0", "hold 1"]);

    gates.open(1);
    await flush();
    expect(states.map((s) => s.settled)).toEqual([true, true, false]);

    gates.open(2);
    gates.open(3);
    gates.open(4);
    await Promise.all(sends);
    await flush();
    expect(handled).toEqual(["hold 0", "hold 1", "hold 2", "hold 3", "hold 4"]);
  });

  it("waiting asks and sends share one FIFO line and get in in call order", async () => {
    const { sink, gates, handled } = await busySink(1, "backpressure");
    sink.tell("put", "queued");
    const replies: Promise<unknown>[] = [
      sink.send("put", "s1"),
      sink.ask("put", "a2"),
      sink.send("put", "s3"),
      sink.ask("put", "a4"),
    ];
    await flush();
    expect(snapshot().waitingSenders).toBe(4);
    gates.open(0);
    await Promise.all(replies);
    await flush();
    expect(handled).toEqual(["hold 0", "queued", "s1", "a2", "s3", "a4"]);
  });

  it("tell into a full mailbox throws MailboxFullError with a hint to use send", async () => {
    const { sink } = await busySink(1, "backpressure");
    sink.tell("put", "a");
    let error: unknown;
    try {
      sink.tell("put", "b");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MailboxFullError);
    expect((error as MailboxFullError).code).toBe("ERR_MAILBOX_FULL");
    expect((error as MailboxFullError).message).toBe(
      'The mailbox of /user/sink is full (capacity 1); use "await ref.send(...)" to wait for room.',
    );
  });

  it("send resolves at once while there is room", async () => {
    const { sink, handled, gates } = await busySink(2, "backpressure");
    const sent = track(sink.send("put", "a"));
    await Promise.resolve();
    await Promise.resolve();
    expect(sent.settled).toBe(true);
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0", "a"]);
  });

  it("emits an overflow event when a sender has to wait", async () => {
    const { overflows } = recordEvents();
    const { sink } = await busySink(1, "backpressure");
    sink.tell("put", "a");
    void sink.send("put", "b").catch(() => {});
    expect(overflows).toEqual([{ path: "/user/sink", policy: "backpressure", capacity: 1 }]);
  });

  it("send with { timeout } rejects with QueueTimeoutError after that long, in virtual time", async () => {
    const { sink, gates, handled } = await busySink(1, "backpressure");
    sink.tell("put", "queued");
    const late = sink.with({ timeout: 100 }).send("put", "late");
    const state = track(late);
    const next = sink.send("put", "next"); // waits behind it, no deadline
    await clock.advance(99);
    expect(state.settled).toBe(false);
    await clock.advance(1);
    const error: unknown = await late.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueTimeoutError);
    const timeout = error as QueueTimeoutError;
    expect(timeout.code).toBe("ERR_QUEUE_TIMEOUT");
    expect(timeout.timeoutMs).toBe(100);
    expect(timeout.method).toBe("put");
    expect(timeout.message).toContain("waited more than 100 ms");
    // The withdrawn send never runs, and the next waiting sender gets the free slot.
    gates.open(0);
    await next;
    await flush();
    expect(handled).toEqual(["hold 0", "queued", "next"]);
  });

  it("send waits at most the smaller of timeout and queueTimeout", async () => {
    const { sink } = await busySink(1, "backpressure");
    sink.tell("put", "queued");
    const late = sink.with({ timeout: 100, queueTimeout: 40 }).send("put", "late");
    const state = track(late);
    await clock.advance(39);
    expect(state.settled).toBe(false);
    await clock.advance(1);
    await expect(late).rejects.toMatchObject({ code: "ERR_QUEUE_TIMEOUT", timeoutMs: 40 });
  });

  it("send with a signal rejects with AskAbortedError on abort and is withdrawn", async () => {
    const { sink, gates, handled } = await busySink(1, "backpressure");
    sink.tell("put", "queued");
    const controller = new AbortController();
    const sent = sink.with({ signal: controller.signal }).send("put", "aborted");
    await flush();
    const reason = new Error("caller gave up");
    controller.abort(reason);
    const error: unknown = await sent.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AskAbortedError);
    const aborted = error as AskAbortedError;
    expect(aborted.code).toBe("ERR_ASK_ABORTED");
    expect(aborted.started).toBe(false);
    expect(aborted.cause).toBe(reason);
    expect(aborted.message).toContain("was aborted by its signal");
    expect(snapshot().waitingSenders).toBeLessThanOrEqual(1); // a tombstone at most
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0", "queued"]);
  });

  it("send with an already-aborted signal rejects at once and never delivers the message", async () => {
    const { sink, gates, handled } = await busySink(1, "backpressure");
    sink.tell("put", "queued");
    const reason = new Error("already cancelled");
    const sent = sink.with({ signal: AbortSignal.abort(reason) }).send("put", "aborted");
    const state = track(sent);
    await flush();
    expect(state.settled).toBe(true);
    await expect(sent).rejects.toThrow(AskAbortedError);
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0", "queued"]);
  });

  it("releases its timer and abort listener once admitted, timed out or aborted", async () => {
    const { sink, gates } = await busySink(1, "backpressure");
    sink.tell("put", "queued");
    const controller = new AbortController();
    const view = sink.with({ timeout: 1000, signal: controller.signal });
    const admitted = view.send("put", "admitted");
    await flush();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    expect(clock.pending).toBe(1);
    gates.open(0);
    await admitted;
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(clock.pending).toBe(0);

    // Timed out: the listener goes too.
    const gates2 = new Gates();
    const blocker = system.spawn(() => new Sink(gates2, []), {
      mailbox: { capacity: 1, overflow: "backpressure" },
    });
    blocker.tell("hold", 0);
    await flush();
    blocker.tell("put", "queued");
    const timedOut = blocker
      .with({ timeout: 50, signal: controller.signal })
      .send("put", "x")
      .catch((e: unknown) => e);
    await clock.advance(50);
    expect(await timedOut).toBeInstanceOf(QueueTimeoutError);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(clock.pending).toBe(0);
    gates2.open(0);
  });

  it("an ask into a full mailbox waits for room and then gets its reply", async () => {
    const { sink, gates } = await busySink(1, "backpressure");
    sink.tell("put", "queued");
    const reply = sink.ask("put", "asked");
    const state = track(reply);
    await flush();
    expect(state.settled).toBe(false);
    expect(snapshot().waitingSenders).toBe(1);
    gates.open(0);
    await expect(reply).resolves.toBe("asked");
  });
});

describe("send under the other policies", () => {
  it("behaves like tell: with drop-newest a full mailbox drops it and send still resolves", async () => {
    const { sink } = await busySink(1, "drop-newest");
    sink.tell("put", "a");
    await expect(sink.send("put", "b")).resolves.toBeUndefined();
    expect(system.deadLetters.recent()).toMatchObject([{ args: ["b"], reason: "dropped-newest" }]);
  });
});
