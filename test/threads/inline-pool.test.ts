/**
 * The inline pool (`threads: { inline: true }`): tasks run on the event loop with no thread,
 * for fast, deterministic tests of actors that offload. Same contract as threads: copies,
 * error classes, aborts; runTimeout in the system's (virtual) time.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  ActorSystem,
  TaskAbortedError,
  TaskDataCloneError,
  TaskNonErrorThrownError,
  TaskNotFoundError,
  TaskRunTimeoutError,
  ThreadPoolClosedError,
  InvalidOptionError,
} from "../../src/index.js";
import type { VirtualClock } from "../../src/testing/index.js";
import { flush } from "../../src/testing/index.js";
import { tasks } from "../support/threads.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem({ threads: { inline: true } }));
});

afterEach(() => stopVirtualSystem(system, clock));

describe("the inline pool", () => {
  it("runs tasks on the event loop without starting a thread", async () => {
    const { threadId } = await import("node:worker_threads");
    expect(await system.threads.run(tasks.add, [2, 3])).toBe(5);
    expect((await system.threads.run(tasks.whoAmI, [])).thread).toBe(threadId);
    expect(system.threads.stats).toMatchObject({ threads: 0, inFlight: 0 });
    expect(system.threads.stats.completed).toBe(2);
  });

  it("serves an actor's offload", async () => {
    class Adder extends Actor {
      async add(a: number, b: number): Promise<number> {
        return await this.offload(tasks.add, a, b);
      }
    }
    expect(await system.spawn(Adder).ask("add", 20, 22)).toBe(42);
  });

  it("copies arguments and results, so a task cannot share objects with its caller", async () => {
    const input = { list: [1, 2] };
    const output = await system.threads.run(tasks.echo, [input]);
    expect(output).toEqual(input);
    expect(output).not.toBe(input);
  });

  it("fails like threads do: clone errors, missing export, non-Error throws, task errors", async () => {
    const args = await system.threads.run(tasks.echo, [() => 1]).catch((e: unknown) => e);
    expect(args).toBeInstanceOf(TaskDataCloneError);
    expect((args as TaskDataCloneError).what).toBe("arguments");
    const result = await system.threads.run(tasks.uncloneableResult, []).catch((e: unknown) => e);
    expect((result as TaskDataCloneError).what).toBe("result");
    const missing = system.threads.run(
      (tasks as unknown as Record<string, typeof tasks.add>)["nope"] as typeof tasks.add,
      [1, 2],
    );
    await expect(missing).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(system.threads.run(tasks.throwValue, [7])).rejects.toBeInstanceOf(
      TaskNonErrorThrownError,
    );
    await expect(system.threads.run(tasks.throwType, [])).rejects.toBeInstanceOf(TypeError);
  });

  it("ends a task at its runTimeout in virtual time, aborting its signal", async () => {
    await system.threads.run(tasks.add, [0, 0]); // the module is loaded: the next task starts at once
    const running = system.threads.run(tasks.untilAborted, [], { runTimeout: 1_000 });
    const outcome = running.catch((e: unknown) => e);
    await flush();
    await clock.advance(999);
    expect(system.threads.stats.inFlight).toBe(1);
    await clock.advance(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(TaskRunTimeoutError);
    await system.threads.drained(); // the task saw its signal and ended
  });

  it("aborts with the caller's signal: queued before it starts, running after", async () => {
    const early = new AbortController();
    const before = system.threads.run(tasks.add, [1, 1], { signal: early.signal });
    early.abort();
    const queued = await before.catch((e: unknown) => e);
    expect(queued).toBeInstanceOf(TaskAbortedError);
    expect((queued as TaskAbortedError).phase).toBe("queued");
    await system.threads.run(tasks.add, [0, 0]); // loaded: the next task starts at once
    const late = new AbortController();
    const after = system.threads.run(tasks.untilAborted, [], { signal: late.signal });
    await flush();
    late.abort();
    const running = await after.catch((e: unknown) => e);
    expect(running).toBeInstanceOf(TaskAbortedError);
    expect((running as TaskAbortedError).phase).toBe("running");
  });

  it("maps in order and broadcasts once", async () => {
    expect(await system.threads.map(tasks.double, [1, 2, 3])).toEqual([2, 4, 6]);
    await system.threads.broadcast(tasks.configure, "inline");
    expect(await system.threads.run(tasks.readConfig, [])).toBe("inline");
  });

  it("rejects after shutdown, and validates the option", async () => {
    await stopVirtualSystem(system, clock);
    await expect(system.threads.run(tasks.add, [1, 1])).rejects.toBeInstanceOf(
      ThreadPoolClosedError,
    );
    expect(() => new ActorSystem({ threads: { inline: "yes" as unknown as boolean } })).toThrow(
      InvalidOptionError,
    );
  });
});
