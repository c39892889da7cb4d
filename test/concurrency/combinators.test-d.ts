/**
 * Type tests for the combinators: tuple inference from promises and functions, per-position
 * outcomes, `{ index, value }` unions discriminated by index, plain arrays, and the types of
 * `wait`'s result. Checked by vitest's typecheck (tsc); nothing here runs.
 */
import { describe, expectTypeOf, test } from "vitest";
import {
  asCompleted,
  firstCompleted,
  gather,
  gatherSettled,
  wait,
  type Outcome,
  type Pending,
} from "../../src/concurrency/combinators.js";

declare const num: Promise<number>;
declare const str: Promise<string>;
declare const nums: Promise<number>[];

describe("gather", () => {
  test("a tuple of promises resolves to a tuple of their values", async () => {
    const [a, b] = await gather([num, str]);
    expectTypeOf(a).toEqualTypeOf<number>();
    expectTypeOf(b).toEqualTypeOf<string>();
    expectTypeOf(await gather([num, str])).toEqualTypeOf<[number, string]>();
  });

  test("functions give the signal and contribute what their promise resolves to", async () => {
    const result = await gather([
      (signal) => {
        expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
        return Promise.resolve(true);
      },
      () => 42 as const,
      num,
    ]);
    expectTypeOf(result).toEqualTypeOf<[boolean, 42, number]>();
  });

  test("a plain array resolves to an array", async () => {
    expectTypeOf(await gather(nums)).toEqualTypeOf<number[]>();
  });

  test("rejects values that are neither promises nor functions", () => {
    // @ts-expect-error: 1 is not a promise or a function
    void gather([num, 1]);
  });
});

describe("gatherSettled", () => {
  test("resolves to a tuple of outcomes", async () => {
    const [a, b] = await gatherSettled([num, () => "x"]);
    expectTypeOf(a).toEqualTypeOf<Outcome<number>>();
    expectTypeOf(b).toEqualTypeOf<Outcome<string>>();
    if (a.ok) expectTypeOf(a.value).toEqualTypeOf<number>();
    else expectTypeOf(a.error).toEqualTypeOf<unknown>();
  });
});

describe("firstCompleted and asCompleted", () => {
  test("firstCompleted resolves to a union discriminated by index", async () => {
    const first = await firstCompleted([() => num, () => str]);
    expectTypeOf(first.index).toEqualTypeOf<0 | 1>();
    if (first.index === 0) expectTypeOf(first.value).toEqualTypeOf<number>();
    else expectTypeOf(first.value).toEqualTypeOf<string>();
  });

  test("firstCompleted takes functions only", () => {
    // @ts-expect-error: a promise cannot be aborted, so it cannot race here
    void firstCompleted([num]);
  });

  test("asCompleted yields indexed values; a plain array gives number indexes", async () => {
    for await (const item of asCompleted([num, () => str])) {
      if (item.index === 1) expectTypeOf(item.value).toEqualTypeOf<string>();
    }
    for await (const item of asCompleted(nums)) {
      expectTypeOf(item).toEqualTypeOf<{ readonly index: number; readonly value: number }>();
    }
  });
});

describe("wait", () => {
  test("done holds indexed outcomes; pending holds promises of the item values", async () => {
    const { done, pending } = await wait([num, () => str], { return: "first" });
    const entry = done[0];
    if (entry !== undefined && entry.index === 0 && entry.ok)
      expectTypeOf(entry.value).toEqualTypeOf<number>();
    expectTypeOf(pending).toEqualTypeOf<Pending<number | string>[]>();
  });

  test("return is a closed set of modes", () => {
    // @ts-expect-error: "any" is not a mode
    void wait([num], { return: "any" });
  });
});
