/**
 * Routers: how each routing policy spreads messages (round-robin in exact order, random from
 * a seeded source, least-loaded away from a busy routee, broadcast to all, consistent-hash by
 * key and across a resize), supervision of the routees (a failing routee is restarted in
 * place and routing goes on), resizing up and down, and option validation. Virtual time,
 * gates for busy routees, no sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  AskTimeoutError,
  InvalidOptionError,
  type ActorRef,
  type ActorSystem,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import {
  NoRouteesError,
  router,
  routed,
  type RoutedRef,
  type Router,
  type RouterOptions,
} from "../../actors/router.js";
import { gate, openAllGates } from "../support/gates.js";
import { prng } from "../support/prng.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

let clock: VirtualClock;
let system: ActorSystem;
/** What the routees did, as `routee-name:what`, in the order they did it. */
let log: string[];

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
  log = [];
});

afterEach(async () => {
  openAllGates();
  await stopVirtualSystem(system, clock);
});

class Worker extends Actor {
  work(id: number): string {
    log.push(`${this.context.name}:${id}`);
    return this.context.name;
  }
  /** Answers with the routee's name: which routee a key reached. */
  whoHas(_key: string): string {
    return this.context.name;
  }
  async hold(wait: Promise<void>): Promise<string> {
    log.push(`${this.context.name}:hold`);
    await wait;
    return this.context.name;
  }
  fail(message: string): never {
    throw new Error(message);
  }
}

function spawnPool(
  options: RouterOptions<Worker> & {
    readonly routing?: Exclude<RouterOptions<Worker>["routing"], "broadcast">;
  },
): RoutedRef<Worker, "one"> {
  return routed(system.spawn(router(Worker, options), { name: "pool" }));
}

/** The routee names, in pool order. */
async function names(pool: RoutedRef<Worker, "one" | "all">): Promise<string[]> {
  return (await pool.routees()).map((r) => r.name);
}

describe("round-robin", () => {
  it("asks go to routee 0, 1, 2, 0, 1, 2 in pool order", async () => {
    const pool = spawnPool({ routees: 3 });
    const reached: string[] = [];
    for (let i = 0; i < 6; i++) reached.push(await pool.ask("work", i));
    expect(reached).toEqual([
      "routee-0",
      "routee-1",
      "routee-2",
      "routee-0",
      "routee-1",
      "routee-2",
    ]);
  });

  it("is the default, and tells keep their order per routee", async () => {
    const pool = spawnPool({ routees: 2 });
    for (let i = 0; i < 6; i++) pool.tell("work", i);
    const routees = await pool.routees(); // the router has forwarded every tell by now
    await Promise.all(routees.map((r) => r.ask("whoHas", "sync")));
    expect(log.filter((l) => l.startsWith("routee-0"))).toEqual([
      "routee-0:0",
      "routee-0:2",
      "routee-0:4",
    ]);
    expect(log.filter((l) => l.startsWith("routee-1"))).toEqual([
      "routee-1:1",
      "routee-1:3",
      "routee-1:5",
    ]);
  });
});

describe("random", () => {
  it.each([7, 2024])("picks routee floor(random() * n) each time (seed %i)", async (seed) => {
    const pool = spawnPool({ routees: 4, routing: "random", random: prng(seed) });
    const expected = prng(seed);
    for (let i = 0; i < 20; i++)
      expect(await pool.ask("work", i)).toBe(`routee-${Math.floor(expected() * 4)}`);
  });

  it.each([7, 2024])("reaches every routee over many messages (seed %i)", async (seed) => {
    const pool = spawnPool({ routees: 4, routing: "random", random: prng(seed) });
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) seen.add(await pool.ask("work", i));
    expect([...seen].sort()).toEqual(["routee-0", "routee-1", "routee-2", "routee-3"]);
  });
});

describe("least-loaded", () => {
  it("sends every message to the idle routee while the other is busy", async () => {
    const pool = spawnPool({ routees: 2, routing: "least-loaded" });
    const [busy, idle] = (await pool.routees()) as [ActorRef<Worker>, ActorRef<Worker>];
    const held = gate();
    const holding = busy.ask("hold", held.wait);
    await flush();
    for (let i = 0; i < 5; i++) {
      pool.tell("work", i);
      await pool.routees(); // the router has forwarded it
      await idle.ask("whoHas", "sync"); // and, if it went there, the idle routee handled it
    }
    expect(log).toEqual([
      "routee-0:hold",
      "routee-1:0",
      "routee-1:1",
      "routee-1:2",
      "routee-1:3",
      "routee-1:4",
    ]);
    held.open();
    expect(await holding).toBe("routee-0");
  });

  it("prefers the routee with the shorter mailbox when all are busy", async () => {
    const pool = spawnPool({ routees: 2, routing: "least-loaded" });
    const [first, second] = (await pool.routees()) as [ActorRef<Worker>, ActorRef<Worker>];
    const a = gate();
    const b = gate();
    const asks = [first.ask("hold", a.wait), second.ask("hold", b.wait)];
    await flush();
    first.tell("work", 100); // routee-0: 1 running + 1 queued; routee-1: 1 running
    pool.tell("work", 1); // to routee-1: now both have a load of 2
    pool.tell("work", 2); // a tie: round-robin goes on to routee-0 (3 vs 2)
    pool.tell("work", 3); // to routee-1
    await pool.routees();
    a.open();
    b.open();
    await Promise.all(asks);
    await Promise.all([first.ask("whoHas", "sync"), second.ask("whoHas", "sync")]);
    expect(log.filter((l) => l.startsWith("routee-1"))).toEqual([
      "routee-1:hold",
      "routee-1:1",
      "routee-1:3",
    ]);
    expect(log.filter((l) => l.startsWith("routee-0"))).toEqual([
      "routee-0:hold",
      "routee-0:100",
      "routee-0:2",
    ]);
  });
});

describe("broadcast", () => {
  it("delivers a tell to every routee", async () => {
    const ref = system.spawn(router(Worker, { routees: 3, routing: "broadcast" }));
    const pool = routed(ref);
    pool.tell("work", 7);
    const routees = await pool.routees();
    await Promise.all(routees.map((r) => r.ask("whoHas", "sync")));
    expect(log.sort()).toEqual(["routee-0:7", "routee-1:7", "routee-2:7"]);
  });

  it("answers an ask with every routee's reply, in pool order", async () => {
    const pool = routed(system.spawn(router(Worker, { routees: 3, routing: "broadcast" })));
    expect(await pool.ask("work", 1)).toEqual(["routee-0", "routee-1", "routee-2"]);
  });

  it("rejects an ask when any routee's handler throws", async () => {
    const pool = routed(system.spawn(router(Worker, { routees: 2, routing: "broadcast" })));
    await expect(pool.ask("fail", "boom")).rejects.toThrow("boom");
    expect(await pool.ask("work", 1)).toEqual(["routee-0", "routee-1"]);
  });
});

describe("consistent-hash", () => {
  const byKey = {
    consistentHash: (...call: [string, readonly unknown[]]): string => String(call[1][0]),
  };
  const keys = Array.from({ length: 300 }, (_, i) => `user-${i}`);

  async function owners(pool: RoutedRef<Worker, "one">): Promise<Map<string, string>> {
    const owner = new Map<string, string>();
    for (const key of keys) owner.set(key, await pool.ask("whoHas", key));
    return owner;
  }

  it("sends the same key to the same routee every time", async () => {
    const pool = spawnPool({ routees: 4, routing: byKey });
    const first = await owners(pool);
    expect(await owners(pool)).toEqual(first);
    expect(new Set(first.values()).size).toBe(4); // and the keys spread over all routees
  });

  it("moves only the keys the new routee takes when the pool grows", async () => {
    const pool = spawnPool({ routees: 4, routing: byKey });
    const before = await owners(pool);
    pool.resize(5);
    const after = await owners(pool);
    const moved = keys.filter((k) => before.get(k) !== after.get(k));
    expect(moved.every((k) => after.get(k) === "routee-4")).toBe(true);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length / keys.length).toBeLessThan(0.35); // about 1/5 expected
  });

  it("moves only the removed routee's keys when the pool shrinks", async () => {
    const pool = spawnPool({ routees: 5, routing: byKey });
    const before = await owners(pool);
    pool.resize(4);
    const after = await owners(pool);
    for (const key of keys)
      if (before.get(key) !== "routee-4") expect(after.get(key)).toBe(before.get(key));
    expect([...after.values()]).not.toContain("routee-4");
  });

  it("types the key function by message: `args` narrows on `method`", async () => {
    const pool = spawnPool({
      routees: 3,
      routing: {
        consistentHash: (method, args) => (method === "work" ? String(args[0] % 2) : method),
      },
    });
    const even = await pool.ask("work", 2);
    expect(await pool.ask("work", 4)).toBe(even);
    expect(await pool.ask("work", 40)).toBe(even);
  });
});

describe("supervision of routees", () => {
  it("restarts a failing routee in place; the router and routing carry on", async () => {
    const pool = spawnPool({ routees: 2 });
    const before = await pool.routees();
    await expect(pool.ask("fail", "boom")).rejects.toThrow("boom"); // routee-0
    const reached: string[] = [];
    for (let i = 0; i < 4; i++) reached.push(await pool.ask("work", i));
    expect(reached).toEqual(["routee-1", "routee-0", "routee-1", "routee-0"]);
    const after = await pool.routees();
    expect(after.map((r, i) => r.equals(before[i] as ActorRef<Worker>))).toEqual([true, true]);
    const snapshot = system.inspect().actors.find((a) => a.name === "pool");
    expect(snapshot?.restarts).toBe(0);
    expect(snapshot?.children.map((c) => c.restarts)).toEqual([1, 0]);
  });

  it("drops a routee that stopped for good from the pool", async () => {
    const pool = spawnPool({ routees: 3 });
    const [, middle] = await pool.routees();
    await system.stop(middle as ActorRef<Worker>);
    expect(await names(pool)).toEqual(["routee-0", "routee-2"]);
    const reached: string[] = [];
    for (let i = 0; i < 4; i++) reached.push(await pool.ask("work", i));
    expect(new Set(reached)).toEqual(new Set(["routee-0", "routee-2"]));
  });

  it("rejects with NoRouteesError once every routee has stopped for good, then restarts with a fresh pool", async () => {
    const pool = spawnPool({ routees: 1 });
    const [only] = await pool.routees();
    await system.stop(only as ActorRef<Worker>);
    const error = await pool.ask("work", 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoRouteesError);
    expect(error).toMatchObject({ code: "ERR_NO_ROUTEES", routerPath: "/user/pool" });
    expect((error as Error).message).toBe(
      "Router /user/pool has no routees left (each stopped for good); resize it to add some.",
    );
    // Routing without routees failed the router: its supervisor restarted it, and the
    // restart spawned a fresh pool.
    await flush();
    expect(await pool.ask("work", 2)).toBe("routee-0");
    expect(system.inspect().actors.find((a) => a.name === "pool")?.restarts).toBe(1);
  });
});

describe("resize", () => {
  it("grows the pool: new routees join at the end and get messages", async () => {
    const pool = spawnPool({ routees: 2 });
    pool.resize(4);
    expect(await names(pool)).toEqual(["routee-0", "routee-1", "routee-2", "routee-3"]);
    const reached: string[] = [];
    for (let i = 0; i < 4; i++) reached.push(await pool.ask("work", i));
    expect(new Set(reached).size).toBe(4);
  });

  it("shrinks the pool: the newest routees leave after draining their queue", async () => {
    const pool = spawnPool({ routees: 3 });
    const [, , last] = await pool.routees();
    const leaving = last as ActorRef<Worker>;
    const held = gate();
    const holding = leaving.ask("hold", held.wait);
    leaving.tell("work", 1);
    leaving.tell("work", 2);
    pool.resize(1);
    expect(await names(pool)).toEqual(["routee-0"]);
    expect(await pool.ask("work", 3)).toBe("routee-0");
    held.open();
    await holding;
    await flush();
    expect(log.filter((l) => l.startsWith("routee-2"))).toEqual([
      "routee-2:hold",
      "routee-2:1",
      "routee-2:2",
    ]);
    expect(leaving.alive).toBe(false);
  });

  it("rejects a size that is not an integer >= 1, before sending", () => {
    const pool = spawnPool({ routees: 1 });
    expect(() => pool.resize(0)).toThrow(InvalidOptionError);
    expect(() => pool.resize(1.5)).toThrow(
      'Option "size" must be an integer >= 1; received 1.5 (number).',
    );
  });
});

describe("ask options", () => {
  it("applies `with({ timeout })` to the routee's ask", async () => {
    const pool = spawnPool({ routees: 1 });
    const held = gate();
    const asked = pool.with({ timeout: 100 }).ask("hold", held.wait);
    const outcome = asked.catch((e: unknown) => e);
    await flush();
    await clock.advance(100);
    expect(await outcome).toBeInstanceOf(AskTimeoutError);
  });
});

describe("options", () => {
  it.each<[string, unknown, string]>([
    ["routees", { routees: 0 }, 'Option "routees" must be an integer >= 1; received 0 (number).'],
    [
      "routing",
      { routees: 1, routing: "fastest" },
      'Option "routing" must be one of "round-robin", "random", "least-loaded", "broadcast" or { consistentHash: (method, args) => key }',
    ],
    ["random", { routees: 1, random: 3 }, 'Option "random" must be a function'],
    ["virtualNodes", { routees: 1, virtualNodes: -1 }, 'Option "virtualNodes" must be an integer'],
    [
      "routee name",
      { routees: 1, routeeOptions: { name: "w" } },
      'Option "routeeOptions.name" must be absent: the router names its routees',
    ],
    [
      "routee spawn option",
      { routees: 1, routeeOptions: { concurrency: 0 } },
      'Option "concurrency" must be an integer',
    ],
    [
      "an unknown key",
      { routees: 1, size: 2 },
      'Option "options.size" must be one of the known options (routees, routing, random, virtualNodes, routeeOptions); received 2 (number).',
    ],
  ])("rejects a bad %s eagerly, naming the option", (_what, options, message) => {
    const make = (): unknown => router(Worker, options as RouterOptions<Worker>);
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });

  it("spawns every routee with routeeOptions (here concurrency 2)", async () => {
    const pool = spawnPool({ routees: 2, routeeOptions: { concurrency: 2 } });
    const [first] = await pool.routees();
    if (first === undefined) throw new Error("no routee");
    const release = gate();
    const held = [first.ask("hold", release.wait), first.ask("hold", release.wait)];
    await flush();
    // Both holds run at once on one routee: concurrency 2 reached it.
    expect(log).toEqual(["routee-0:hold", "routee-0:hold"]);
    const snapshot = system.inspect().actors[0]?.children.find((a) => a.name === "routee-0");
    expect(snapshot?.inFlight).toBe(2);
    release.open();
    await expect(Promise.all(held)).resolves.toEqual(["routee-0", "routee-0"]);
  });

  it("gives the spawned router's ref the Router type", async () => {
    const ref: ActorRef<Router<Worker, "one">> = system.spawn(router(Worker, { routees: 2 }));
    expect((await ref.ask("routees")).length).toBe(2);
    expect(routed(ref).ref).toBe(ref);
  });
});
