/**
 * Names, paths and finding actors: hierarchical paths, `system.lookup` (absolute and
 * relative), the context's view of the tree, sibling-unique names, name validation,
 * generated names, and the registry of service keys.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  DuplicateNameError,
  InvalidNameError,
  InvalidOptionError,
  serviceKey,
  type ActorRef,
  type ActorSystem,
  type ServiceKey,
  type SpawnOptions,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { thrownBy } from "../support/thrown-by.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

/** A tree node that spawns children on request and reports what its context sees. */
class Node extends Actor {
  spawnChild(name?: string): ActorRef<Node> {
    return name === undefined ? this.context.spawn(Node) : this.context.spawn(Node, { name });
  }
  trySpawnChild(name: string): string | Error {
    try {
      return this.context.spawn(Node, { name }).path;
    } catch (error) {
      return error as Error;
    }
  }
  child(name: string): ActorRef | undefined {
    return this.context.child(name);
  }
  childNames(): string[] {
    return this.context.children.map((ref) => ref.name);
  }
  parentPath(): string {
    return this.context.parent.path;
  }
  whoAmI(): string {
    return `${this.context.name} ${this.context.path}`;
  }
}

describe("paths", () => {
  it("builds hierarchical paths under /user", async () => {
    const a = system.spawn(Node, { name: "a" });
    const b = await a.ask("spawnChild", "b");
    const c = await b.ask("spawnChild", "c");
    expect([a.path, b.path, c.path]).toEqual(["/user/a", "/user/a/b", "/user/a/b/c"]);
    expect([a.name, b.name, c.name]).toEqual(["a", "b", "c"]);
    await expect(c.ask("whoAmI")).resolves.toBe("c /user/a/b/c");
    expect(String(c)).toBe("ActorRef(/user/a/b/c)");
  });
});

describe("system.lookup", () => {
  it("finds actors by absolute path and by path relative to /user", async () => {
    const a = system.spawn(Node, { name: "a" });
    const b = await a.ask("spawnChild", "b");
    expect(system.lookup("/user/a")?.equals(a)).toBe(true);
    expect(system.lookup("/user/a/b")?.equals(b)).toBe(true);
    expect(system.lookup("a")?.equals(a)).toBe(true);
    expect(system.lookup("a/b")?.equals(b)).toBe(true);
    expect(system.lookup("/user/a/b/")?.equals(b)).toBe(true);
    expect(system.lookup("a/b")?.path).toBe("/user/a/b");
  });

  it("returns undefined for paths with no actor, outside /user, or the guardian itself", async () => {
    const a = system.spawn(Node, { name: "a" });
    await a.ask("spawnChild", "b");
    expect(system.lookup("/user/nope")).toBeUndefined();
    expect(system.lookup("a/nope")).toBeUndefined();
    expect(system.lookup("a/b/c")).toBeUndefined();
    expect(system.lookup("/system/a")).toBeUndefined();
    expect(system.lookup("/a")).toBeUndefined();
    expect(system.lookup("/user")).toBeUndefined();
    expect(system.lookup("/")).toBeUndefined();
    expect(system.lookup("")).toBeUndefined();
  });

  it("returns undefined for stopped actors and their descendants", async () => {
    const a = system.spawn(Node, { name: "a" });
    await a.ask("spawnChild", "b");
    const other = system.spawn(Node, { name: "other" });
    await system.stop(a);
    expect(system.lookup("a")).toBeUndefined();
    expect(system.lookup("/user/a/b")).toBeUndefined();
    expect(system.lookup("other")?.equals(other)).toBe(true);
  });

  it("throws InvalidOptionError for a path that is not a string", () => {
    const error = thrownBy(() => system.lookup(42 as unknown as string), InvalidOptionError);
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option: "path", received: 42 });
    expect(error.message).toContain("must be a string; received 42 (number)");
  });
});

describe("the context's view of the tree", () => {
  it("lists children in start order, finds a child by name, and knows its parent", async () => {
    const a = system.spawn(Node, { name: "a" });
    const x = await a.ask("spawnChild", "x");
    const y = await a.ask("spawnChild", "y");
    await a.ask("spawnChild", "z");
    await expect(a.ask("childNames")).resolves.toEqual(["x", "y", "z"]);
    expect((await a.ask("child", "y"))?.equals(y)).toBe(true);
    await expect(a.ask("child", "nope")).resolves.toBeUndefined();
    await expect(x.ask("parentPath")).resolves.toBe("/user/a");
    await expect(a.ask("parentPath")).resolves.toBe("/user");
  });

  it("drops a stopped child from children", async () => {
    const a = system.spawn(Node, { name: "a" });
    const x = await a.ask("spawnChild", "x");
    await a.ask("spawnChild", "y");
    await system.stop(x);
    await expect(a.ask("childNames")).resolves.toEqual(["y"]);
    await expect(a.ask("child", "x")).resolves.toBeUndefined();
  });
});

describe("unique names", () => {
  it("throws DuplicateNameError for a second top-level actor with the same name", () => {
    system.spawn(Node, { name: "a" });
    const error = thrownBy(() => system.spawn(Node, { name: "a" }), DuplicateNameError);
    expect(error).toMatchObject({
      code: "ERR_DUPLICATE_NAME",
      actorName: "a",
      parentPath: "/user",
    });
    expect(error.message).toContain('An actor named "a" already exists under /user');
    expect(error.message).toContain("omit the name to get a generated one");
  });

  it("throws DuplicateNameError among the children of one actor", async () => {
    const a = system.spawn(Node, { name: "a" });
    await expect(a.ask("trySpawnChild", "kid")).resolves.toBe("/user/a/kid");
    const error = await a.ask("trySpawnChild", "kid");
    expect(error).toBeInstanceOf(DuplicateNameError);
    expect(error).toMatchObject({ actorName: "kid", parentPath: "/user/a" });
  });

  it("allows the same name under different parents", async () => {
    const a = system.spawn(Node, { name: "a" });
    const b = system.spawn(Node, { name: "b" });
    await expect(a.ask("trySpawnChild", "same")).resolves.toBe("/user/a/same");
    await expect(b.ask("trySpawnChild", "same")).resolves.toBe("/user/b/same");
    // A child may also share its parent's name.
    await expect(a.ask("trySpawnChild", "a")).resolves.toBe("/user/a/a");
  });

  it("allows the name again once the first actor has stopped", async () => {
    const first = system.spawn(Node, { name: "a" });
    await system.stop(first);
    const second = system.spawn(Node, { name: "a" });
    expect(second.path).toBe("/user/a");
    expect(second.equals(first)).toBe(false);
    expect(system.lookup("a")?.equals(second)).toBe(true);
    await expect(second.ask("whoAmI")).resolves.toBe("a /user/a");
  });
});

describe("name validation", () => {
  it.each([
    ["a dot", "a.b"],
    ["a space", "a b"],
    ["a star", "*"],
    ["a greater-than sign", ">"],
    ["a slash", "a/b"],
    ["a leading $", "$x"],
    ["an empty string", ""],
    ["129 characters", "x".repeat(129)],
    ["a number", 42],
    ["null", null],
  ])("rejects a name with %s with InvalidNameError", (_case, name) => {
    const options = { name } as unknown as SpawnOptions;
    const error = thrownBy(() => system.spawn(Node, options), InvalidNameError);
    expect(error.code).toBe("ERR_INVALID_NAME");
    expect(error.actorName).toBe(name);
    expect(error.message).toContain("is not valid: use 1-128 characters");
    expect(system.inspect().actors).toEqual([]);
  });

  it("rejects invalid names for children too", async () => {
    const a = system.spawn(Node, { name: "a" });
    const error = await a.ask("trySpawnChild", "x.y");
    expect(error).toBeInstanceOf(InvalidNameError);
    await expect(a.ask("childNames")).resolves.toEqual([]);
  });

  it.each([
    ["128 characters", "x".repeat(128)],
    ["the allowed punctuation", "a_b-c~d@e:f+g=h"],
    ["an inner $", "a$b"],
    ["digits only", "42"],
  ])("accepts a name with %s", (_case, name) => {
    expect(system.spawn(Node, { name }).path).toBe(`/user/${name}`);
  });

  it("generates unique names starting with $ when none is given", async () => {
    const first = system.spawn(Node);
    const second = system.spawn(Node);
    const a = system.spawn(Node, { name: "a" });
    const child = await a.ask("spawnChild");
    for (const ref of [first, second, child]) expect(ref.name).toMatch(/^\$/);
    expect(first.name).not.toBe(second.name);
    expect(first.path).toBe(`/user/${first.name}`);
    expect(child.path).toBe(`/user/a/${child.name}`);
    expect(system.lookup(first.path)?.equals(first)).toBe(true);
    expect(system.lookup(child.path)?.equals(child)).toBe(true);
  });
});

describe("registry", () => {
  it("registers, looks up in registration order, and unregisters", () => {
    const key = serviceKey<Node>("nodes");
    const a = system.spawn(Node, { name: "a" });
    const b = system.spawn(Node, { name: "b" });
    expect(system.registry.lookup(key)).toEqual([]);
    system.registry.register(key, a);
    system.registry.register(key, b);
    system.registry.register(key, a); // a second registration is a no-op
    expect(system.registry.lookup(key).map((r) => r.path)).toEqual(["/user/a", "/user/b"]);
    system.registry.unregister(key, a);
    expect(system.registry.lookup(key).map((r) => r.path)).toEqual(["/user/b"]);
    system.registry.unregister(key, a); // unregistering twice is a no-op
    expect(system.registry.lookup(key).map((r) => r.path)).toEqual(["/user/b"]);
  });

  it("returns typed refs that can be used at once", async () => {
    const key = serviceKey<Node>("nodes");
    system.registry.register(key, system.spawn(Node, { name: "a" }));
    const [found] = system.registry.lookup(key);
    await expect(found?.ask("whoAmI")).resolves.toBe("a /user/a");
  });

  it("keeps keys apart and lets one actor hold many keys", () => {
    const readers = serviceKey<Node>("readers");
    const writers = serviceKey<Node>("writers");
    const a = system.spawn(Node, { name: "a" });
    const b = system.spawn(Node, { name: "b" });
    system.registry.register(readers, a);
    system.registry.register(writers, a);
    system.registry.register(writers, b);
    expect(system.registry.lookup(readers).map((r) => r.name)).toEqual(["a"]);
    expect(system.registry.lookup(writers).map((r) => r.name)).toEqual(["a", "b"]);
    // Keys are matched by id.
    expect(system.registry.lookup(serviceKey<Node>("readers")).map((r) => r.name)).toEqual(["a"]);
  });

  it("removes a stopped actor from every key automatically", async () => {
    const readers = serviceKey<Node>("readers");
    const writers = serviceKey<Node>("writers");
    const a = system.spawn(Node, { name: "a" });
    const b = system.spawn(Node, { name: "b" });
    system.registry.register(readers, a);
    system.registry.register(writers, a);
    system.registry.register(writers, b);
    await system.stop(a);
    expect(system.registry.lookup(readers)).toEqual([]);
    expect(system.registry.lookup(writers).map((r) => r.name)).toEqual(["b"]);
  });

  it("removes actors of a stopped subtree, and actors stopped by shutdown", async () => {
    const key = serviceKey<Node>("nodes");
    const a = system.spawn(Node, { name: "a" });
    const child = await a.ask("spawnChild", "kid");
    system.registry.register(key, child);
    await system.stop(a);
    expect(system.registry.lookup(key)).toEqual([]);

    const b = system.spawn(Node, { name: "b" });
    system.registry.register(key, b);
    await system.shutdown();
    expect(system.registry.lookup(key)).toEqual([]);
  });

  it("does not carry a stopped actor's registration over to a new actor with the same path", async () => {
    const key = serviceKey<Node>("nodes");
    const first = system.spawn(Node, { name: "a" });
    system.registry.register(key, first);
    await system.stop(first);
    system.spawn(Node, { name: "a" });
    await flush();
    expect(system.registry.lookup(key)).toEqual([]);
  });

  it("refuses to register a stopped actor or a non-key", async () => {
    const key = serviceKey<Node>("nodes");
    const a = system.spawn(Node, { name: "a" });
    await system.stop(a);
    const stopped = thrownBy(() => system.registry.register(key, a), InvalidOptionError);
    expect(stopped).toMatchObject({ code: "ERR_INVALID_OPTION", option: "ref" });
    expect(stopped.message).toContain("must be a live actor");
    const b = system.spawn(Node, { name: "b" });
    const notAKey = { id: "nodes" } as unknown as ServiceKey<Node>;
    const bad = thrownBy(() => system.registry.register(notAKey, b), InvalidOptionError);
    expect(bad).toMatchObject({ option: "key" });
  });

  it("rejects an empty or non-string key id", () => {
    expect(() => serviceKey("")).toThrow(InvalidOptionError);
    const error = thrownBy(() => serviceKey(7 as unknown as string), InvalidOptionError);
    expect(error).toMatchObject({ code: "ERR_INVALID_OPTION", option: "id" });
    expect(String(serviceKey("fetchers"))).toBe("ServiceKey(fetchers)");
  });
});
