/**
 * Asking many actors at once: askAll (gather), askAllSettled, askFirst (the others are
 * withdrawn), askAsCompleted. Time is virtual; actors are held busy with gates, never sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  AllFailedError,
  AskAbortedError,
  askAll,
  askAllSettled,
  askAsCompleted,
  askFirst,
  InvalidOptionError,
  type ActorRef,
  type ActorSystem,
} from "../../src/index.js";
import type { VirtualClock } from "../../src/testing/index.js";
import { flush } from "../../src/testing/index.js";
import { gate, openAllGates, type Gate } from "../support/gates.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(async () => {
  openAllGates();
  await stopVirtualSystem(system, clock);
});

class Shard extends Actor {
  readonly handled: string[] = [];
  constructor(
    private readonly total: number,
    private readonly hold: Gate | null = null,
  ) {
    super();
  }
  async sum(label: string): Promise<number> {
    this.handled.push(label);
    if (this.hold !== null) await this.hold.wait;
    if (this.total < 0) throw new RangeError(`shard ${this.total} is broken`);
    return this.total;
  }
  seen(): string[] {
    return this.handled;
  }
}

function shard(total: number, hold: Gate | null = null): ActorRef<Shard> {
  return system.spawn(() => new Shard(total, hold));
}

describe("asking many actors", () => {
  it("askAll resolves with the replies in ref order", async () => {
    const slow = gate();
    const refs = [shard(1, slow), shard(2), shard(3)];
    const all = askAll(refs, "sum", "a");
    await flush();
    slow.open();
    expect(await all).toEqual([1, 2, 3]);
  });

  it("askAll rejects with the first failure and withdraws the asks still queued", async () => {
    const busy = gate();
    const queuedBehind = shard(5, busy);
    const blocker = queuedBehind.ask("sum", "blocker"); // keeps this shard busy
    const all = askAll([shard(-1), queuedBehind], "sum", "all").catch((e: unknown) => e);
    const error = await all;
    expect(error).toBeInstanceOf(RangeError);
    busy.open();
    await blocker;
    await flush();
    expect(await queuedBehind.ask("seen")).toEqual(["blocker"]); // "all" never ran
  });

  it("askAllSettled gives every reply or error in order", async () => {
    const outcomes = await askAllSettled([shard(1), shard(-2)], "sum", "s");
    expect(outcomes[0]).toEqual({ ok: true, value: 1 });
    expect(outcomes[1]?.ok).toBe(false);
  });

  it("askFirst takes the fastest reply and withdraws the others", async () => {
    const busy = gate();
    const slow = shard(9, busy);
    const blocker = slow.ask("sum", "blocker");
    const first = await askFirst([slow, shard(4)], "sum", "race");
    expect(first).toEqual({ index: 1, value: 4 });
    busy.open();
    await blocker;
    await flush();
    expect(await slow.ask("seen")).toEqual(["blocker"]); // the loser's ask was withdrawn
  });

  it("askFirst rejects with AllFailedError when every ask fails", async () => {
    const error = await askFirst([shard(-1), shard(-2)], "sum", "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllFailedError);
    expect((error as AllFailedError).errors).toHaveLength(2);
  });

  it("askAsCompleted yields replies as they arrive", async () => {
    const slow = gate();
    const refs = [shard(1, slow), shard(2)];
    const order: number[] = [];
    const loop = (async () => {
      for await (const { index } of askAsCompleted(refs, "sum", "c")) order.push(index);
    })();
    await flush();
    slow.open();
    await loop;
    expect(order).toEqual([1, 0]);
  });

  it("keeps a view's own signal: either signal aborts the ask", async () => {
    const busy = gate();
    const ref = shard(1, busy);
    const blocker = ref.ask("sum", "blocker");
    const outer = new AbortController();
    const pending = askAll([ref.with({ signal: outer.signal })], "sum", "viewed").catch(
      (e: unknown) => e,
    );
    outer.abort();
    expect(await pending).toBeInstanceOf(AskAbortedError);
    busy.open();
    await blocker;
  });

  it("rejects what is not an array of refs", () => {
    expect(() => askAll([{}] as unknown as ActorRef<Shard>[], "sum", "x")).toThrow(
      InvalidOptionError,
    );
  });
});
