/**
 * Type tests for routers: `routed(ref)` takes the routee's message names and arguments and
 * infers its replies (an array of them for a broadcast router); wrong names, arguments and
 * routing options are compile errors; the consistent-hash key function narrows its
 * arguments on the message name. Checked by vitest's typecheck (tsc); nothing here runs.
 */
import { describe, expectTypeOf, test } from "vitest";
import { Actor, type ActorFactory, type ActorRef, type ActorSystem } from "../../src/index.js";
import {
  router,
  routed,
  type Fanout,
  type Router,
  type RoutedRef,
  type RouterOptions,
} from "../../actors/router.js";

class Worker extends Actor {
  work(id: number): string {
    return String(id);
  }
  async total(a: number, b: number): Promise<number> {
    await Promise.resolve();
    return a + b;
  }
  ping(): void {}
}

declare const system: ActorSystem;

describe("router(...)", () => {
  test("makes a factory whose actor is a Router over the routee", () => {
    expectTypeOf(router(Worker, { routees: 2 })).toEqualTypeOf<
      ActorFactory<Router<Worker, "one">>
    >();
    expectTypeOf(router(() => new Worker(), { routees: 2, routing: "least-loaded" })).toEqualTypeOf<
      ActorFactory<Router<Worker, "one">>
    >();
    expectTypeOf(router(Worker, { routees: 2, routing: "broadcast" })).toEqualTypeOf<
      ActorFactory<Router<Worker, "all">>
    >();
    expectTypeOf(system.spawn(router(Worker, { routees: 2 }))).toEqualTypeOf<
      ActorRef<Router<Worker, "one">>
    >();
  });

  test("with routing known only at run time, replies are one value or an array", () => {
    const options: RouterOptions<Worker> = { routees: 2 };
    const ref = system.spawn(router(Worker, options));
    expectTypeOf(ref).toEqualTypeOf<ActorRef<Router<Worker, Fanout>>>();
    expectTypeOf(routed(ref).ask("work", 1)).toEqualTypeOf<Promise<string | string[]>>();
  });

  test("rejects an unknown policy and a non-actor routee", () => {
    // @ts-expect-error: not a routing policy
    router(Worker, { routees: 2, routing: "fastest" });
    // @ts-expect-error: routees is required
    router(Worker, { routing: "random" });
    // @ts-expect-error: the routee must be an actor
    router(() => ({ work: (n: number) => n }), { routees: 1 });
  });

  test("types the consistent-hash key function by message", () => {
    router(Worker, {
      routees: 2,
      routing: {
        consistentHash: (method, args) => {
          if (method === "work") expectTypeOf(args).toEqualTypeOf<[id: number]>();
          if (method === "total") expectTypeOf(args).toEqualTypeOf<[a: number, b: number]>();
          return method;
        },
      },
    });
    router(Worker, {
      routees: 2,
      // @ts-expect-error: the key must be a string
      routing: { consistentHash: () => 1 },
    });
  });
});

describe("routed(ref)", () => {
  const pool = routed(system.spawn(router(Worker, { routees: 2 })));
  const all = routed(system.spawn(router(Worker, { routees: 2, routing: "broadcast" })));

  test("infers the routee and the fanout from the ref", () => {
    expectTypeOf(pool).toEqualTypeOf<RoutedRef<Worker, "one">>();
    expectTypeOf(all).toEqualTypeOf<RoutedRef<Worker, "all">>();
  });

  test("asks reply with the routee's (awaited) reply, an array when broadcasting", () => {
    expectTypeOf(pool.ask("work", 1)).toEqualTypeOf<Promise<string>>();
    expectTypeOf(pool.ask("total", 1, 2)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(all.ask("work", 1)).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(pool.with({ timeout: 10 }).ask("ping")).toEqualTypeOf<Promise<void>>();
    expectTypeOf(pool.routees()).toEqualTypeOf<Promise<ActorRef<Worker>[]>>();
  });

  test("wrong message names and arguments are compile errors", () => {
    // @ts-expect-error: no such message
    pool.tell("nope");
    // @ts-expect-error: wrong argument type
    pool.tell("work", "1");
    // @ts-expect-error: missing argument
    void pool.ask("total", 1);
    // @ts-expect-error: too many arguments
    void pool.ask("ping", 1);
    // @ts-expect-error: a lifecycle hook is not a message
    pool.tell("onStart");
  });

  test("the router's own ref speaks the routing protocol", () => {
    const ref = pool.ref;
    ref.tell("route", "work", [1]);
    ref.tell("resize", 3);
    // @ts-expect-error: routee messages go through `route`, not to the router directly
    ref.tell("work", 1);
    // @ts-expect-error: not a routee message
    ref.tell("route", "nope", []);
  });

  test("only refs to routers can be wrapped", () => {
    // @ts-expect-error: a plain worker's ref is not a router's
    routed(system.spawn(Worker));
  });
});
