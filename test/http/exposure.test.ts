/**
 * `expose(actor, methods)`: what it records (the actor's absolute path, each method with
 * its rule), how it names an actor (a ref, or a path relative to `/user` or absolute under
 * it), and each mistake it refuses with InvalidOptionError: an unknown method of a ref, a
 * path outside `/user`, empty or non-string method names, and malformed rules.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Actor, type ActorRef, type ActorSystem } from "../../src/index.js";
import type { VirtualClock } from "../../src/testing/index.js";
import { Exposure, expose, type ExposedMethods } from "../../src/http/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { invalidOption } from "../support/thrown-by.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

class Store extends Actor {
  size(): number {
    return 0;
  }
  put(_key: string, _value: unknown): void {}
}

/** `expose` with arguments the types would not allow. */
function exposeUnchecked(actor: unknown, methods: unknown): Exposure {
  return expose(actor as string, methods as readonly string[]);
}

let store: ActorRef<Store>;

beforeEach(() => {
  store = system.spawn(Store, { name: "store" });
});

describe("what expose records", () => {
  it("takes a ref's path and a list of its methods", () => {
    const exposure = expose(store, ["size", "put"]);
    expect(exposure).toBeInstanceOf(Exposure);
    expect(exposure.path).toBe("/user/store");
    expect([...exposure.methods]).toEqual([
      ["size", {}],
      ["put", {}],
    ]);
  });

  it("takes rules by method name, `true` meaning the default rule", () => {
    const parse = (args: readonly unknown[]): [string, unknown] => [String(args[0]), args[1]];
    const exposure = expose(store, { size: true, put: { args: [1, 2], parse } });
    expect(exposure.methods.get("size")).toEqual({});
    expect(exposure.methods.get("put")).toEqual({ args: [1, 2], parse });
  });

  it("makes a path relative to /user absolute, and keeps an absolute one", () => {
    expect(expose("app/db", ["size"]).path).toBe("/user/app/db");
    expect(expose("app//db/", ["size"]).path).toBe("/user/app/db");
    expect(expose("/user/app/db", ["size"]).path).toBe("/user/app/db");
  });

  it("does not check the methods of an actor known only by path", () => {
    expect([...expose("not/started/yet", ["anything"]).methods.keys()]).toEqual(["anything"]);
  });

  it("accepts args rules at their bounds", () => {
    expect(expose(store, { size: { args: 0 } }).methods.get("size")).toEqual({ args: 0 });
    expect(expose(store, { put: { args: [0, Infinity] } }).methods.get("put")).toEqual({
      args: [0, Infinity],
    });
    expect(expose(store, { put: { args: [2, 2] } }).methods.get("put")).toEqual({ args: [2, 2] });
  });
});

describe("what expose refuses", () => {
  it("a method the ref's actor does not have", () => {
    invalidOption(
      () => expose(store, ["size", "nope"] as unknown as ExposedMethods<Store>),
      "expose(methods).nope",
      "a message of the actor at /user/store",
      "nope",
    );
  });

  it("an actor that is neither a ref nor a path", () => {
    for (const actor of [42, null, undefined, { path: "/user/store" }])
      invalidOption(
        () => exposeUnchecked(actor, ["size"]),
        "expose(actor)",
        "an ActorRef or an actor path string",
        actor,
      );
  });

  it("a path outside /user, or no path at all", () => {
    const under = 'an actor path under /user (e.g. "/user/app/db" or "app/db")';
    for (const path of ["/system/x", "/user", "/", "//", "/other/user/x"])
      invalidOption(() => expose(path, ["size"]), "expose(actor)", under, path);
    invalidOption(() => expose("", ["size"]), "expose(actor)", 'an actor path (e.g. "app/db")', "");
  });

  it("methods that are neither a list nor an object, or none at all", () => {
    const contract =
      "an array of method names or an object of method name → true | { args, parse }";
    for (const methods of ["size", 1, null, undefined])
      invalidOption(() => exposeUnchecked("store", methods), "expose(methods)", contract, methods);
    const none: string[] = [];
    invalidOption(() => expose("store", none), "expose(methods)", "at least one method name", none);
    const empty = {};
    invalidOption(
      () => expose("store", empty),
      "expose(methods)",
      "at least one method name",
      empty,
    );
  });

  it("method names that are not non-empty strings", () => {
    for (const name of ["", 5, null])
      invalidOption(
        () => exposeUnchecked("store", ["size", name]),
        "expose(methods)",
        "method names (non-empty strings)",
        name,
      );
    invalidOption(
      () => exposeUnchecked("store", { "": true }),
      "expose(methods)",
      "method names (non-empty strings)",
      "",
    );
  });

  it("a rule that is neither true nor an object", () => {
    for (const rule of [false, 1, "yes", null, [1]])
      invalidOption(
        () => exposeUnchecked("store", { size: rule }),
        "expose(methods).size",
        "true or { args?, parse? }",
        rule,
      );
  });

  it("unknown keys in a rule", () => {
    invalidOption(
      () => exposeUnchecked("store", { size: { arity: 1 } }),
      "expose(methods).size.arity",
      "one of the known options (args, parse)",
      1,
    );
  });

  it("args that are not a count or a [min, max] range", () => {
    const contract = "an integer ≥ 0, or [min, max] with 0 ≤ min ≤ max (max may be Infinity)";
    for (const args of [
      -1,
      1.5,
      Infinity,
      NaN,
      "1",
      [1],
      [1, 2, 3],
      [2, 1],
      [-1, 2],
      [Infinity, Infinity],
      [0, 1.5],
    ])
      invalidOption(
        () => exposeUnchecked("store", { put: { args } }),
        "expose(methods).put.args",
        contract,
        args,
      );
  });

  it("a parse that is not a function", () => {
    invalidOption(
      () => exposeUnchecked("store", { put: { parse: "json" } }),
      "expose(methods).put.parse",
      "a function",
      "json",
    );
  });
});
