/**
 * The three deadlines of an ask, in virtual time: `timeout` (the caller's whole wait),
 * `queueTimeout` (time in the mailbox) and `runTimeout` (time running), each with its own
 * error; cancellation through an AbortSignal; withdrawal of a message that has not started;
 * clean-up of listeners; and asks to a stopped actor.
 */
import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  ActorStoppedError,
  ActorSystem,
  AskAbortedError,
  AskTimeoutError,
  QueueTimeoutError,
  RunTimeoutError,
  type ActorRef,
  type DeadLetter,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { Gates, openAllGates } from "../support/gates.js";
import { track } from "../support/track.js";
import { HandCrankedClock } from "../support/hand-cranked-clock.js";

class Worker extends Actor {
  constructor(
    readonly gates: Gates,
    readonly handled: string[],
  ) {
    super();
  }
  /** Runs until the test opens gate `id`. */
  async hold(id: number): Promise<number> {
    this.handled.push(`hold ${id}`);
    await this.gates.get(id).wait;
    return id;
  }
  get(): string {
    this.handled.push("get");
    return "got";
  }
  put(item: string): void {
    this.handled.push(item);
  }
  fail(): never {
    throw new Error("handler failed");
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

function spawnWorker(): { worker: ActorRef<Worker>; gates: Gates; handled: string[] } {
  const gates = new Gates();
  const handled: string[] = [];
  const worker = system.spawn(() => new Worker(gates, handled), { name: "worker" });
  return { worker, gates, handled };
}

/** A worker busy with `hold 0` (until gate 0 opens), its mailbox empty. */
async function busyWorker(): Promise<{
  worker: ActorRef<Worker>;
  gates: Gates;
  handled: string[];
}> {
  const spawned = spawnWorker();
  spawned.worker.tell("hold", 0);
  await flush();
  expect(spawned.handled).toEqual(["hold 0"]);
  return spawned;
}

const mailboxDepth = (): number | undefined => system.inspect().actors[0]?.mailbox;

describe("timeout (the caller's whole wait)", () => {
  it("defaults to the system's askTimeout option", async () => {
    await system.shutdown();
    system = new ActorSystem({ clock, askTimeout: 200 });
    const { worker } = await busyWorker();
    const reply = track(worker.ask("get"));
    await clock.advance(199);
    expect(reply.settled).toBe(false);
    await clock.advance(1);
    expect(reply.error).toBeInstanceOf(AskTimeoutError);
    expect(reply.error).toMatchObject({ code: "ERR_ASK_TIMEOUT", timeoutMs: 200 });
  });

  it("defaults to 5000 ms when the system sets no askTimeout", async () => {
    const { worker } = await busyWorker();
    const reply = track(worker.ask("get"));
    await clock.advance(4999);
    expect(reply.settled).toBe(false);
    await clock.advance(1);
    expect(reply.error).toBeInstanceOf(AskTimeoutError);
    expect(reply.error).toMatchObject({ timeoutMs: 5000 });
  });

  it("an askTimeout of Infinity never times out and arms no timer", async () => {
    await system.shutdown();
    system = new ActorSystem({ clock, askTimeout: Infinity });
    const { worker, gates } = await busyWorker();
    const reply = track(worker.ask("get"));
    expect(clock.pending).toBe(0);
    await clock.advance(1e9);
    expect(reply.settled).toBe(false);
    gates.open(0);
    await flush();
    expect(reply.value).toBe("got");
  });

  it("per call: rejects with AskTimeoutError after 100 ms and withdraws the queued message", async () => {
    const { worker, gates, handled } = await busyWorker();
    const reply = track(worker.with({ timeout: 100 }).ask("get"));
    expect(mailboxDepth()).toBe(1);
    await clock.advance(99);
    expect(reply.settled).toBe(false);
    await clock.advance(1);
    expect(reply.error).toBeInstanceOf(AskTimeoutError);
    const error = reply.error as AskTimeoutError;
    expect(error.code).toBe("ERR_ASK_TIMEOUT");
    expect(error.timeoutMs).toBe(100);
    expect(error.started).toBe(false);
    expect(error.method).toBe("get");
    expect(error.actorPath).toBe("/user/worker");
    expect(error.message).toContain(
      'Ask "get" to /user/worker timed out after 100 ms (the message was still queued and has been withdrawn)',
    );
    expect(mailboxDepth()).toBe(0);
    const letter: DeadLetter = {
      recipient: "/user/worker",
      method: "get",
      args: [],
      reason: "timed-out",
      timestamp: 100,
    };
    expect(system.deadLetters.recent()).toEqual([letter]);
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0"]);
  });

  it("per call: a timeout while the handler runs rejects with started: true", async () => {
    const { worker, gates, handled } = spawnWorker();
    const reply = track(worker.with({ timeout: 100 }).ask("hold", 1));
    await flush();
    expect(handled).toEqual(["hold 1"]);
    await clock.advance(100);
    expect(reply.error).toBeInstanceOf(AskTimeoutError);
    const error = reply.error as AskTimeoutError;
    expect(error.started).toBe(true);
    expect(error.message).toContain("(the handler was running)");
    expect(system.deadLetters.count).toBe(0);
    // The handler still holds the actor: the next message waits until it settles.
    worker.tell("put", "next");
    await flush();
    expect(handled).toEqual(["hold 1"]);
    gates.open(1);
    await flush();
    expect(handled).toEqual(["hold 1", "next"]);
  });

  it("a per-call Infinity overrides the system default", async () => {
    const { worker } = await busyWorker();
    const reply = track(worker.with({ timeout: Infinity }).ask("get"));
    await clock.advance(60_000);
    expect(reply.settled).toBe(false);
  });

  it("with() does not change the ref it was made from, and views stack", async () => {
    const { worker } = await busyWorker();
    const controller = new AbortController();
    const short = worker.with({ timeout: 100 });
    const shortAndAbortable = short.with({ signal: controller.signal });
    const plain = track(worker.ask("get"));
    const stacked = track(shortAndAbortable.ask("get"));
    await clock.advance(100);
    expect(stacked.error).toBeInstanceOf(AskTimeoutError);
    expect(plain.settled).toBe(false);
  });

  it("asks with many different timeouts share one clock timer and expire in deadline order", async () => {
    const { worker } = await busyWorker();
    const order: number[] = [];
    const replies: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      const ms = 100 + ((i * 37) % 100); // 100..199, shuffled
      replies.push(
        worker
          .with({ timeout: ms })
          .ask("get")
          .then(
            () => {},
            () => void order.push(ms),
          ),
      );
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    for (let t = 0; t < 200; t += 10) {
      await clock.advance(10);
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    await Promise.all(replies);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order).toHaveLength(100);
  });
});

describe("queueTimeout (time waiting in the mailbox)", () => {
  it("rejects with QueueTimeoutError while queued and withdraws the message", async () => {
    const { worker, gates, handled } = await busyWorker();
    worker.tell("put", "before");
    const reply = track(worker.with({ queueTimeout: 50 }).ask("get"));
    worker.tell("put", "after");
    await clock.advance(49);
    expect(reply.settled).toBe(false);
    await clock.advance(1);
    expect(reply.error).toBeInstanceOf(QueueTimeoutError);
    const error = reply.error as QueueTimeoutError;
    expect(error.code).toBe("ERR_QUEUE_TIMEOUT");
    expect(error.timeoutMs).toBe(50);
    expect(error.mailboxDepth).toBe(2);
    expect(error.message).toContain(
      'The message "get" to /user/worker waited more than 50 ms without starting (2 messages still queued)',
    );
    expect(system.deadLetters.recent()).toMatchObject([{ method: "get", reason: "timed-out" }]);
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0", "before", "after"]);
  });

  it("has no effect once the handler has started", async () => {
    const { worker, gates } = spawnWorker();
    const reply = track(worker.with({ queueTimeout: 50 }).ask("hold", 1));
    await flush();
    await clock.advance(500);
    expect(reply.settled).toBe(false);
    gates.open(1);
    await flush();
    expect(reply.value).toBe(1);
  });

  it("stops counting when the message starts, even after waiting most of it", async () => {
    const { worker, gates } = await busyWorker();
    const reply = track(worker.with({ queueTimeout: 50 }).ask("hold", 1));
    await clock.advance(40);
    gates.open(0); // hold 1 starts at t = 40
    await flush();
    await clock.advance(100);
    expect(reply.settled).toBe(false);
    gates.open(1);
    await flush();
    expect(reply.value).toBe(1);
  });

  it("wins over a longer timeout even when the deadline timer fires late", async () => {
    // A real timer fires late when the loop is busy; by then both the 50 ms queueTimeout and
    // the 100 ms timeout have passed. The one that expired first decides the error.
    const crank = new HandCrankedClock();
    await system.shutdown();
    system = new ActorSystem({ clock: crank });
    const { worker } = await busyWorker();
    const reply = track(worker.with({ timeout: 100, queueTimeout: 50 }).ask("get"));
    crank.jumpAndFire(150);
    await flush();
    expect(reply.error).toBeInstanceOf(QueueTimeoutError);
  });
});

describe("runTimeout (time running)", () => {
  it("rejects with RunTimeoutError runTimeout ms after the handler started, not after the ask", async () => {
    const { worker, gates, handled } = await busyWorker();
    const reply = track(worker.with({ runTimeout: 50 }).ask("hold", 1));
    await clock.advance(100); // queued for 100 ms: runTimeout does not count this
    expect(reply.settled).toBe(false);
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0", "hold 1"]);
    await clock.advance(49);
    expect(reply.settled).toBe(false);
    await clock.advance(1);
    expect(reply.error).toBeInstanceOf(RunTimeoutError);
    const error = reply.error as RunTimeoutError;
    expect(error.code).toBe("ERR_RUN_TIMEOUT");
    expect(error.timeoutMs).toBe(50);
    expect(error.method).toBe("hold");
    expect(error.message).toContain('The handler "hold" of /user/worker ran longer than 50 ms');
  });

  it("leaves the actor busy until the handler settles", async () => {
    const { worker, gates, handled } = spawnWorker();
    const reply = track(worker.with({ runTimeout: 10 }).ask("hold", 1));
    worker.tell("put", "next");
    await clock.advance(10);
    expect(reply.error).toBeInstanceOf(RunTimeoutError);
    expect(handled).toEqual(["hold 1"]);
    gates.open(1);
    await flush();
    expect(handled).toEqual(["hold 1", "next"]);
  });
});

describe("AbortSignal", () => {
  it("abort while queued rejects with AskAbortedError whose cause is the reason, and withdraws", async () => {
    const { worker, gates, handled } = await busyWorker();
    const controller = new AbortController();
    const reply = track(worker.with({ signal: controller.signal }).ask("get"));
    await flush();
    expect(mailboxDepth()).toBe(1);
    const reason = new Error("user navigated away");
    controller.abort(reason);
    await flush();
    expect(reply.error).toBeInstanceOf(AskAbortedError);
    const error = reply.error as AskAbortedError;
    expect(error.code).toBe("ERR_ASK_ABORTED");
    expect(error.started).toBe(false);
    expect(error.cause).toBe(reason);
    expect(error.message).toContain(
      'Ask "get" to /user/worker was aborted by its signal (before it ran; the message was withdrawn)',
    );
    expect(mailboxDepth()).toBe(0);
    expect(system.deadLetters.recent()).toMatchObject([{ method: "get", reason: "aborted" }]);
    gates.open(0);
    await flush();
    expect(handled).toEqual(["hold 0"]);
  });

  it("abort while running rejects with started: true; the handler runs on", async () => {
    const { worker, gates, handled } = spawnWorker();
    const controller = new AbortController();
    const reply = track(worker.with({ signal: controller.signal }).ask("hold", 1));
    await flush();
    controller.abort();
    await flush();
    expect(reply.error).toBeInstanceOf(AskAbortedError);
    expect((reply.error as AskAbortedError).started).toBe(true);
    expect(system.deadLetters.count).toBe(0);
    worker.tell("put", "next");
    gates.open(1);
    await flush();
    expect(handled).toEqual(["hold 1", "next"]);
  });

  it("an already-aborted signal rejects at once, without queuing the message", async () => {
    const { worker, handled } = await busyWorker();
    const reason = new Error("too late");
    const reply = worker.with({ signal: AbortSignal.abort(reason) }).ask("get");
    expect(mailboxDepth()).toBe(0);
    const state = track(reply);
    await Promise.resolve();
    await Promise.resolve();
    expect(state.settled).toBe(true);
    expect(state.error).toBeInstanceOf(AskAbortedError);
    expect((state.error as AskAbortedError).cause).toBe(reason);
    expect((state.error as AskAbortedError).started).toBe(false);
    expect(system.deadLetters.count).toBe(0);
    expect(handled).toEqual(["hold 0"]);
  });

  it("removes its abort listener once the ask settles, however it settles", async () => {
    const { worker, gates } = await busyWorker();
    const controller = new AbortController();
    const signal = controller.signal;
    const listeners = (): number => getEventListeners(signal, "abort").length;
    const view = worker.with({ signal });

    // Queued asks hold one listener each (the observable works)...
    const queued = Array.from({ length: 10 }, () => view.ask("get"));
    expect(listeners()).toBe(10);
    gates.open(0);
    await Promise.all(queued);
    // ...and replied ones hold none.
    expect(listeners()).toBe(0);

    // Many asks in a row on the same signal do not accumulate listeners.
    for (let i = 0; i < 100; i++) await view.ask("get");
    expect(listeners()).toBe(0);

    // A failing handler, a timeout and a withdrawal release it too.
    await expect(view.ask("fail")).rejects.toThrow("handler failed");
    expect(listeners()).toBe(0);
    const held = view.with({ timeout: 10 }).ask("hold", 1);
    const timedOut = held.catch((e: unknown) => e);
    await clock.advance(10);
    expect(await timedOut).toBeInstanceOf(AskTimeoutError);
    expect(listeners()).toBe(0);
    const withdrawn = view.with({ queueTimeout: 10 }).ask("get");
    const withdrawnResult = withdrawn.catch((e: unknown) => e);
    await clock.advance(10);
    expect(await withdrawnResult).toBeInstanceOf(QueueTimeoutError);
    expect(listeners()).toBe(0);
    gates.open(1);
  });
});

describe("asks to a stopped actor", () => {
  it("reject at once with ActorStoppedError; tells become dead letters", async () => {
    const { worker } = spawnWorker();
    await expect(worker.ask("get")).resolves.toBe("got");
    await system.stop(worker);
    expect(worker.alive).toBe(false);
    const reply = track(worker.ask("get"));
    await Promise.resolve();
    await Promise.resolve();
    expect(reply.settled).toBe(true);
    expect(reply.error).toBeInstanceOf(ActorStoppedError);
    const error = reply.error as ActorStoppedError;
    expect(error.code).toBe("ERR_ACTOR_STOPPED");
    expect(error.actorPath).toBe("/user/worker");
    expect(error.message).toContain('/user/worker is stopped; "get" was not delivered');
    worker.tell("put", "lost");
    expect(system.deadLetters.recent()).toMatchObject([
      { recipient: "/user/worker", method: "put", args: ["lost"], reason: "actor-stopped" },
    ]);
  });

  it("reject at once while the actor is stopping, too", async () => {
    const { worker, gates } = await busyWorker();
    const stopping = system.stop(worker);
    await expect(worker.ask("get")).rejects.toThrow(ActorStoppedError);
    gates.open(0);
    await stopping;
  });
});
