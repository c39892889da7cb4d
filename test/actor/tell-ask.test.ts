/**
 * tell and ask round trips through ActorRef: replies of sync and async handlers, a handler
 * that throws (the ask rejects with that error and the actor restarts from its factory),
 * messages that are not part of the protocol at run time, and `ref.with` validation.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  InvalidOptionError,
  NonErrorThrownError,
  UnknownMessageError,
  type ActorFailedEvent,
  type ActorRef,
  type ActorSystem,
  type AskOptions,
} from "../../src/index.js";
import type { VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

/** Calls a method the ref's type does not know, as an untyped (e.g. remote) caller would. */
function tellUntyped(ref: ActorRef<Actor>, method: string, ...args: unknown[]): void {
  ref.tell(method as never, ...(args as never));
}
function askUntyped(ref: ActorRef<Actor>, method: string, ...args: unknown[]): Promise<unknown> {
  return ref.ask(method as never, ...(args as never));
}

class Counter extends Actor {
  #count = 0;
  inc(by = 1): void {
    this.#count += by;
  }
  get(): number {
    return this.#count;
  }
  async slowGet(): Promise<number> {
    await Promise.resolve();
    return this.#count;
  }
  fail(message: string): never {
    throw new Error(message);
  }
  async failLater(message: string): Promise<number> {
    await Promise.resolve();
    throw new Error(message);
  }
}

class Replies extends Actor {
  nothing(): void {}
  text(s: string): string {
    return s.toUpperCase();
  }
  record(): { id: number; tags: string[] } {
    return { id: 7, tags: ["a", "b"] };
  }
  nullable(): null {
    return null;
  }
  async nested(): Promise<{ inner: number }> {
    await Promise.resolve();
    return { inner: 3 };
  }
  thenable(): { then(onFulfilled: (value: string) => void): void } {
    // Not a Promise, only a thenable (settling asynchronously, as Promises/A+ requires).
    return { then: (onFulfilled) => queueMicrotask(() => onFulfilled("from thenable")) };
  }
  throwString(): void {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
    throw "plain string";
  }
  sum = (a: number, b: number): number => a + b;
}

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

describe("tell and ask round trips", () => {
  it("tells are handled in order and an ask afterwards sees their effect", async () => {
    const counter = system.spawn(Counter);
    counter.tell("inc");
    counter.tell("inc", 2);
    counter.tell("inc", 39);
    await expect(counter.ask("get")).resolves.toBe(42);
  });

  it("tell returns undefined synchronously and does not run the handler inline", async () => {
    const counter = system.spawn(Counter);
    expect(counter.tell("inc", 5)).toBeUndefined();
    // The handler runs on the dispatcher's turn, not inside tell.
    expect(system.inspect().actors[0]?.processed).toBe(0);
    await expect(counter.ask("get")).resolves.toBe(5);
  });

  it("an async handler's reply is its resolved value", async () => {
    const counter = system.spawn(Counter);
    counter.tell("inc", 3);
    await expect(counter.ask("slowGet")).resolves.toBe(3);
  });

  it("replies carry every kind of return value: undefined, strings, objects, null", async () => {
    const replies = system.spawn(Replies);
    await expect(replies.ask("nothing")).resolves.toBeUndefined();
    await expect(replies.ask("text", "abc")).resolves.toBe("ABC");
    await expect(replies.ask("record")).resolves.toEqual({ id: 7, tags: ["a", "b"] });
    await expect(replies.ask("nullable")).resolves.toBeNull();
    await expect(replies.ask("nested")).resolves.toEqual({ inner: 3 });
  });

  it("a handler returning a non-Promise thenable replies with its settled value", async () => {
    const replies = system.spawn(Replies);
    await expect(replies.ask("thenable")).resolves.toBe("from thenable");
  });

  it("an arrow-function field is a message like a method", async () => {
    const replies = system.spawn(Replies);
    await expect(replies.ask("sum", 2, 3)).resolves.toBe(5);
  });

  it("methods inherited from an intermediate class are messages too", async () => {
    class Base extends Actor {
      hello(): string {
        return "hello from base";
      }
    }
    class Derived extends Base {
      own(): string {
        return "own";
      }
    }
    const ref = system.spawn(Derived);
    await expect(ref.ask("hello")).resolves.toBe("hello from base");
    await expect(ref.ask("own")).resolves.toBe("own");
  });

  it("many concurrent asks each get their own reply", async () => {
    const replies = system.spawn(Replies);
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`);
    await expect(Promise.all(words.map((w) => replies.ask("text", w)))).resolves.toEqual(
      words.map((w) => w.toUpperCase()),
    );
  });
});

describe("an ask whose handler throws", () => {
  it("rejects with the very error the sync handler threw", async () => {
    const counter = system.spawn(Counter);
    const reply = counter.ask("fail", "boom");
    await expect(reply).rejects.toThrow("boom");
    const error: unknown = await reply.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("boom");
  });

  it("rejects with the same Error object (identity), for sync and async handlers", async () => {
    const thrown: Error[] = [];
    class Thrower extends Actor {
      now(): void {
        const error = new Error("sync failure");
        thrown.push(error);
        throw error;
      }
      async later(): Promise<void> {
        await Promise.resolve();
        const error = new Error("async failure");
        thrown.push(error);
        throw error;
      }
    }
    const ref = system.spawn(Thrower);
    const syncError: unknown = await ref.ask("now").catch((e: unknown) => e);
    const asyncError: unknown = await ref.ask("later").catch((e: unknown) => e);
    expect(syncError).toBe(thrown[0]);
    expect(asyncError).toBe(thrown[1]);
  });

  it("restarts the actor from its factory: state is reset and the factory runs again", async () => {
    let made = 0;
    const counter = system.spawn(() => {
      made++;
      return new Counter();
    });
    counter.tell("inc", 10);
    await expect(counter.ask("get")).resolves.toBe(10);
    await expect(counter.ask("fail", "boom")).rejects.toThrow("boom");
    await expect(counter.ask("get")).resolves.toBe(0);
    expect(made).toBe(2);
    expect(system.inspect().actors[0]).toMatchObject({ restarts: 1, failed: 1 });
  });

  it("restarts after an async handler rejects, too, and reports the failure", async () => {
    const failures: ActorFailedEvent[] = [];
    system.events.on("failed", (event) => failures.push(event));
    const counter = system.spawn(Counter);
    counter.tell("inc", 4);
    await expect(counter.ask("failLater", "async boom")).rejects.toThrow("async boom");
    await expect(counter.ask("get")).resolves.toBe(0);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      path: counter.path,
      phase: "handler",
      method: "failLater",
    });
    expect(failures[0]?.error.message).toBe("async boom");
  });

  it("messages queued behind the failing one are kept and handled by the new instance", async () => {
    const counter = system.spawn(Counter);
    const failed = counter.ask("fail", "boom");
    counter.tell("inc", 1);
    counter.tell("inc", 2);
    await expect(failed).rejects.toThrow("boom");
    await expect(counter.ask("get")).resolves.toBe(3);
  });

  it("a thrown non-Error becomes NonErrorThrownError carrying the value", async () => {
    const replies = system.spawn(Replies);
    const error: unknown = await replies.ask("throwString").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonErrorThrownError);
    expect((error as NonErrorThrownError).code).toBe("ERR_NON_ERROR_THROWN");
    expect((error as NonErrorThrownError).value).toBe("plain string");
    expect((error as NonErrorThrownError).message).toContain('"plain string" (string)');
  });
});

describe("a message that is not part of the protocol at run time", () => {
  it("tell throws UnknownMessageError naming the method and listing the known ones", () => {
    const counter = system.spawn(Counter);
    let error: unknown;
    try {
      tellUntyped(counter, "reset");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownMessageError);
    const unknown = error as UnknownMessageError;
    expect(unknown.code).toBe("ERR_UNKNOWN_MESSAGE");
    expect(unknown.method).toBe("reset");
    expect(unknown.actorPath).toBe(counter.path);
    expect([...unknown.known].sort()).toEqual(["fail", "failLater", "get", "inc", "slowGet"]);
    expect(unknown.message).toContain(`${counter.path} has no message "reset"`);
    expect(unknown.message).toMatch(/its public methods are: .*inc.*get/);
  });

  it("ask rejects (rather than throws) with UnknownMessageError", async () => {
    const counter = system.spawn(Counter);
    let reply: Promise<unknown> | undefined;
    expect(() => {
      reply = askUntyped(counter, "reset");
    }).not.toThrow();
    await expect(reply).rejects.toThrow(UnknownMessageError);
    await expect(reply).rejects.toMatchObject({ code: "ERR_UNKNOWN_MESSAGE", method: "reset" });
  });

  it("an unknown message is not queued and does not disturb the actor", async () => {
    const counter = system.spawn(Counter);
    counter.tell("inc", 1);
    expect(() => tellUntyped(counter, "nope")).toThrow(UnknownMessageError);
    counter.tell("inc", 1);
    await expect(counter.ask("get")).resolves.toBe(2);
    expect(system.inspect().actors[0]).toMatchObject({ failed: 0, restarts: 0 });
  });

  it("lifecycle hooks are not messages, even when the class overrides them", async () => {
    const calls: string[] = [];
    class Hooked extends Actor {
      protected override onStart(): void {
        calls.push("onStart");
      }
      protected override onStop(): void {
        calls.push("onStop");
      }
      protected override onRestart(): void {
        calls.push("onRestart");
      }
      protected override onTerminated(): void {
        calls.push("onTerminated");
      }
      ping(): string {
        return "pong";
      }
    }
    const ref = system.spawn(Hooked);
    await expect(ref.ask("ping")).resolves.toBe("pong");
    for (const hook of ["onStart", "onStop", "onRestart", "onTerminated"]) {
      expect(() => tellUntyped(ref, hook), hook).toThrow(UnknownMessageError);
      await expect(askUntyped(ref, hook), hook).rejects.toThrow(UnknownMessageError);
    }
    expect(calls).toEqual(["onStart"]);
  });

  it("a lifecycle hook overridden as public is still not a message at run time", async () => {
    const calls: string[] = [];
    class PublicHook extends Actor {
      override onStart(): void {
        calls.push("onStart");
      }
      ping(): string {
        return "pong";
      }
    }
    const ref = system.spawn(PublicHook);
    await expect(ref.ask("ping")).resolves.toBe("pong");
    await expect(askUntyped(ref, "onStart")).rejects.toThrow(UnknownMessageError);
    expect(calls).toEqual(["onStart"]);
  });

  it("the base class's accessors, the constructor and Object.prototype are not messages", async () => {
    const counter = system.spawn(Counter);
    for (const name of [
      "self",
      "context",
      "timers",
      "constructor",
      "toString",
      "hasOwnProperty",
      "valueOf",
      "__proto__",
    ]) {
      expect(() => tellUntyped(counter, name), name).toThrow(UnknownMessageError);
    }
    await expect(counter.ask("get")).resolves.toBe(0);
  });

  it("getters, plain fields and #private methods are not messages", () => {
    class Shapes extends Actor {
      #secret(): string {
        return "hidden";
      }
      label = "square";
      get area(): number {
        return 4;
      }
      reveal(): string {
        return this.#secret();
      }
    }
    const ref = system.spawn(Shapes);
    for (const name of ["#secret", "secret", "label", "area"]) {
      expect(() => tellUntyped(ref, name), name).toThrow(UnknownMessageError);
    }
    expect(() => tellUntyped(ref, "reveal")).not.toThrow();
  });
});

describe("ref.with validation", () => {
  function invalid(options: unknown): InvalidOptionError {
    const counter = system.spawn(Counter);
    try {
      counter.with(options as AskOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      return error as InvalidOptionError;
    }
    throw new Error(`with(${String(options)}) did not throw`);
  }

  it.each([
    [-1, "-1 (number)"],
    [0, "0 (number)"],
    [Number.NaN, "NaN (number)"],
    [-Infinity, "-Infinity (number)"],
    ["100", '"100" (string)'],
    [null, "null"],
  ])("rejects timeout %s, naming the option and the value with its type", (value, shown) => {
    const error = invalid({ timeout: value });
    expect(error.code).toBe("ERR_INVALID_OPTION");
    expect(error.option).toBe("timeout");
    expect(error.received).toBe(value);
    expect(error.message).toBe(
      `Option "timeout" must be a number of milliseconds > 0 (or Infinity for none); received ${shown}.`,
    );
  });

  it.each(["queueTimeout", "runTimeout"])("rejects a negative %s", (option) => {
    const error = invalid({ [option]: -5 });
    expect(error.code).toBe("ERR_INVALID_OPTION");
    expect(error.option).toBe(option);
    expect(error.message).toContain(`Option "${option}" must be a number of milliseconds > 0`);
    expect(error.message).toContain("received -5 (number)");
  });

  it("rejects a signal that is not an AbortSignal", () => {
    const error = invalid({ signal: { aborted: false } });
    expect(error.option).toBe("signal");
    expect(error.message).toBe(
      'Option "signal" must be an AbortSignal; received an object (Object).',
    );
  });

  it("rejects an unknown key, naming it and the known options", () => {
    const error = invalid({ timout: 100 });
    expect(error.code).toBe("ERR_INVALID_OPTION");
    expect(error.option).toBe("options.timout");
    expect(error.message).toContain('Option "options.timout" must be one of the known options');
    expect(error.message).toContain("timeout, queueTimeout, runTimeout, signal");
    expect(error.message).toContain("received 100 (number)");
  });

  it.each([
    [null, "null"],
    ["fast", '"fast" (string)'],
    [[], "an array"],
  ])("rejects %j instead of an options object", (value, shown) => {
    const error = invalid(value);
    expect(error.option).toBe("options");
    expect(error.message).toBe(`Option "options" must be an options object; received ${shown}.`);
  });

  it("accepts valid options, Infinity included, and returns a working view", async () => {
    const counter = system.spawn(Counter);
    const view = counter.with({
      timeout: Infinity,
      queueTimeout: 10,
      runTimeout: 1.5,
      signal: new AbortController().signal,
    });
    expect(view.equals(counter)).toBe(true);
    expect(view.path).toBe(counter.path);
    view.tell("inc", 2);
    await expect(view.ask("get")).resolves.toBe(2);
  });
});
