import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ActorSystem,
  ActorThreadError,
  InvalidOptionError,
  UnknownMessageError,
  threadActor,
  type ActorRef,
  type ThreadActor,
} from "../../src/index.js";
import type { Counter } from "../fixtures/threads/counter.js";
import type * as counterModule from "../fixtures/threads/counter.js";

type CounterModule = typeof counterModule;
const url = new URL("../fixtures/threads/counter.ts", import.meta.url);

function spawnCounter(system: ActorSystem, start = 10): ActorRef<ThreadActor<Counter>> {
  return system.spawn(threadActor<CounterModule, "Counter">(url, "Counter", start), {
    name: "counter",
  });
}

describe("thread-resident actors", () => {
  let system: ActorSystem;
  beforeEach(() => {
    system = new ActorSystem({ name: "thread-actors" });
  });
  afterEach(async () => {
    await system.shutdown();
  });

  it("runs the instance in its own thread behind a typed ref: tell and ask", async () => {
    const counter = spawnCounter(system);
    counter.tell("inc", 5);
    expect(await counter.ask("inc")).toBe(16);
    expect(await counter.ask("get")).toBe(16);
    const { threadId } = await import("node:worker_threads");
    expect(await counter.ask("thread")).not.toBe(threadId);
  });

  it("answers an ask with the method's error, keeping built-in classes", async () => {
    const counter = spawnCounter(system);
    const error = await counter.ask("fail", "boom").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe("boom");
  });

  it("processes messages one at a time, in order, also for async methods", async () => {
    const counter = spawnCounter(system, 0);
    const replies = await Promise.all([
      counter.ask("slowInc"),
      counter.ask("inc"),
      counter.ask("slowInc"),
    ]);
    expect(replies).toEqual([1, 2, 3]);
  });

  it("rejects an unknown message with UnknownMessageError naming the class's methods", async () => {
    const counter = spawnCounter(system);
    await counter.ask("get"); // started: the names are known
    const loose = counter as unknown as ActorRef<ThreadActor<{ nope(): void }>>;
    const error = await loose.ask("nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownMessageError);
    expect((error as UnknownMessageError).known).toEqual(
      expect.arrayContaining(["inc", "get", "fail", "crash", "slowInc", "thread"]),
    );
  });

  it("treats a crash of its thread as a failure: the supervisor restarts it in a new thread", async () => {
    const counter = spawnCounter(system);
    await counter.ask("inc");
    const firstThread = await counter.ask("thread");
    const failed = new Promise<unknown>((resolve) =>
      system.events.on("failed", (event) => {
        if (event.phase === "thread") resolve(event.error);
      }),
    );
    const restarted = new Promise<void>((resolve) =>
      system.events.once("restarted", () => resolve()),
    );
    counter.tell("crash", 3);
    const error = await failed;
    expect(error).toBeInstanceOf(ActorThreadError);
    expect((error as ActorThreadError).code).toBe("ERR_ACTOR_THREAD");
    expect((error as ActorThreadError).message).toContain("exited with code 3");
    await restarted;
    expect(await counter.ask("get")).toBe(10); // a fresh instance from the factory's arguments
    expect(await counter.ask("thread")).not.toBe(firstThread);
  });

  it("fails to start when the constructor throws, and the supervisor decides", async () => {
    const failed = new Promise<{ phase: string; error: Error }>((resolve) =>
      system.events.once("failed", (event) => resolve(event)),
    );
    system.spawn(threadActor<CounterModule, "Counter">(url, "Counter", -1), {
      name: "bad",
      restart: "temporary",
    });
    const event = await failed;
    expect(event.phase).toBe("onStart");
    expect(event.error).toBeInstanceOf(ActorThreadError);
    expect(event.error.message).toContain("start must be ≥ 0");
  });

  it("fails to start when the module has no such export", async () => {
    const failed = new Promise<Error>((resolve) =>
      system.events.once("failed", (event) => resolve(event.error)),
    );
    system.spawn(threadActor<CounterModule, "Counter">(url, "Nope" as "Counter", 1), {
      restart: "temporary",
    });
    const error = await failed;
    expect(error).toBeInstanceOf(ActorThreadError);
    expect(error.message).toContain('no exported class "Nope"');
  });

  it("ends its thread when stopped", async () => {
    const counter = spawnCounter(system);
    await counter.ask("get");
    await system.stop(counter);
    const error = await counter.ask("get").catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("ERR_ACTOR_STOPPED");
  });

  it("validates its arguments", () => {
    expect(() => threadActor<CounterModule, "Counter">("not a url", "Counter", 1)).toThrow(
      InvalidOptionError,
    );
    expect(() =>
      threadActor<{ C: new (f: () => void) => object }, "C">(url, "C", () => undefined),
    ).toThrow(/can be copied to a thread/);
  });
});
