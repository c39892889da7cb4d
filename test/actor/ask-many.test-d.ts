import { describe, expectTypeOf, it } from "vitest";
import { Actor, askAll, askFirst, type ActorRef } from "../../src/index.js";

class Shard extends Actor {
  sum(label: string): number {
    return label.length;
  }
  name(): Promise<string> {
    return Promise.resolve("shard");
  }
}

declare const refs: ActorRef<Shard>[];

describe("ask combinators are typed by the protocol", () => {
  it("infers replies and checks names and arguments", () => {
    expectTypeOf(askAll(refs, "sum", "a")).toEqualTypeOf<Promise<number[]>>();
    expectTypeOf(askFirst(refs, "name")).resolves.toEqualTypeOf<{
      readonly index: number;
      readonly value: string;
    }>();
    // @ts-expect-error: no such message
    void askAll(refs, "nope");
    // @ts-expect-error: wrong argument type
    void askAll(refs, "sum", 1);
  });
});
