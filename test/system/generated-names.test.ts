/**
 * Generated names (`$` + base 36) are stored as numbers internally; they must still behave
 * exactly like names everywhere a user can see or use them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Actor, ActorSystem } from "../../src/index.js";

class Leaf extends Actor {
  ping(): string {
    return this.context.name;
  }
  spawnLeaf(): string {
    return this.context.spawn(Leaf).name;
  }
}

let system: ActorSystem;
afterEach(async () => {
  await system.shutdown();
});

describe("generated names", () => {
  it("are `$` plus a base-36 number, unique in the system, and known to the actor itself", async () => {
    system = new ActorSystem();
    const refs = Array.from({ length: 40 }, () => system.spawn(Leaf));
    const names = refs.map((r) => r.name);
    expect(new Set(names).size).toBe(40);
    for (const name of names) expect(name).toMatch(/^\$[0-9a-z]+$/);
    expect(names).toContain("$10"); // 36 in base 36: the names are not decimal
    await expect(refs[5]?.ask("ping")).resolves.toBe(refs[5]?.name);
  });

  it("are found by lookup, absolute and relative, also under a parent", async () => {
    system = new ActorSystem();
    const parent = system.spawn(Leaf);
    const childName = await parent.ask("spawnLeaf");
    expect(system.lookup(parent.path)?.equals(parent)).toBe(true);
    expect(system.lookup(parent.name)?.equals(parent)).toBe(true);
    expect(system.lookup(`${parent.path}/${childName}`)?.path).toBe(`${parent.path}/${childName}`);
    expect(system.inspect().actors.map((a) => a.name)).toEqual([parent.name]);
  });

  it("do not match look-alikes: a leading zero or a different spelling finds nothing", () => {
    system = new ActorSystem();
    const ref = system.spawn(Leaf); // "$0"
    expect(ref.name).toBe("$0");
    expect(system.lookup("$00")).toBeUndefined();
    expect(system.lookup("$0 ")).toBeUndefined();
    expect(system.lookup("$")).toBeUndefined();
  });
});
