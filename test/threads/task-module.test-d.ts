/** Types of task handles: `run`, `map` and an actor's `offload` infer from the task module. */
import { describe, expectTypeOf, it } from "vitest";
import type * as TaskFunctions from "../fixtures/threads/tasks.js";
import { Actor, taskModule, type ActorSystem } from "../../src/index.js";

const tasks = taskModule<typeof TaskFunctions>(
  new URL("../fixtures/threads/tasks.ts", import.meta.url),
);
declare const system: ActorSystem;

describe("task handles", () => {
  it("types run from the task's signature", () => {
    expectTypeOf(system.threads.run(tasks.add, [1, 2])).toEqualTypeOf<Promise<number>>();
    expectTypeOf(system.threads.run(tasks.later, ["x"])).toEqualTypeOf<Promise<string>>();
    // @ts-expect-error wrong argument type
    void system.threads.run(tasks.add, ["1", 2]);
    // @ts-expect-error too few arguments
    void system.threads.run(tasks.add, [1]);
    // @ts-expect-error too many arguments
    void system.threads.run(tasks.add, [1, 2, 3]);
  });

  it("types map from the task's single argument", () => {
    expectTypeOf(system.threads.map(tasks.double, [1, 2])).toEqualTypeOf<Promise<number[]>>();
    // @ts-expect-error items of the wrong type
    void system.threads.map(tasks.double, ["a"]);
  });

  it("types offload inside an actor the same way", () => {
    class Summer extends Actor {
      async sum(a: number, b: number): Promise<number> {
        const result = this.offload(tasks.add, a, b);
        expectTypeOf(result).toEqualTypeOf<Promise<number>>();
        // @ts-expect-error wrong argument type
        void this.offload(tasks.add, "a", b);
        // @ts-expect-error too few arguments
        void this.offload(tasks.add, a);
        return await result;
      }
    }
    expectTypeOf<Summer["sum"]>().returns.toEqualTypeOf<Promise<number>>();
  });
});
