/**
 * The spawn option `rateLimit`: messages past the limiter's budget wait in the mailbox, in
 * order, counted by inspect(); a shared limiter bounds many actors together; an ask's timeout
 * still withdraws a held message; a restart keeps the budget. Virtual time only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Actor,
  AskTimeoutError,
  InvalidOptionError,
  RateLimiter,
  type ActorRef,
  type ActorSystem,
} from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

const log: string[] = [];

class Caller extends Actor {
  call(label: string): string {
    log.push(label);
    return label;
  }
  fail(): void {
    throw new Error("boom");
  }
}

function held(ref: ActorRef<Caller>): number {
  const snapshot = system.inspect().actors.find((s) => s.path === ref.path);
  return snapshot?.heldByRateLimit ?? -1;
}

describe("spawn option rateLimit", () => {
  beforeEach(() => {
    log.length = 0;
  });

  it("holds messages past the budget in the mailbox, in order, and lets them through as tokens refill", async () => {
    const ref = system.spawn(Caller, { rateLimit: { rate: 2, interval: 1_000, burst: 2 } });
    for (const label of ["a", "b", "c", "d", "e"]) ref.tell("call", label);
    await flush();
    expect(log).toEqual(["a", "b"]);
    expect(held(ref)).toBe(3);
    await clock.advance(499);
    expect(log).toEqual(["a", "b"]);
    await clock.advance(1); // 500 ms: one token
    await flush();
    expect(log).toEqual(["a", "b", "c"]);
    await clock.advance(1_000);
    await flush();
    expect(log).toEqual(["a", "b", "c", "d", "e"]);
    expect(held(ref)).toBe(0);
  });

  it("bounds several actors together with one shared limiter", async () => {
    const shared = new RateLimiter({ rate: 3, interval: 1_000, burst: 3, clock });
    const a = system.spawn(Caller, { rateLimit: shared });
    const b = system.spawn(Caller, { rateLimit: shared });
    for (let i = 0; i < 4; i++) {
      a.tell("call", `a${i}`);
      b.tell("call", `b${i}`);
    }
    await flush();
    expect(log).toHaveLength(3);
    await clock.advance(1_000);
    await flush();
    expect(log).toHaveLength(6);
  });

  it("lets an ask's timeout withdraw a held message: it never runs", async () => {
    const ref = system.spawn(Caller, { rateLimit: { rate: 1, interval: 1_000, burst: 1 } });
    ref.tell("call", "first");
    const late = ref
      .with({ timeout: 300 })
      .ask("call", "late")
      .catch((e: unknown) => e);
    await flush();
    await clock.advance(300);
    expect(await late).toBeInstanceOf(AskTimeoutError);
    await clock.advance(2_000);
    await flush();
    expect(log).toEqual(["first"]);
  });

  it("keeps the budget across a restart", async () => {
    const ref = system.spawn(Caller, { rateLimit: { rate: 2, interval: 1_000, burst: 2 } });
    ref.tell("fail"); // takes a token and restarts the actor
    ref.tell("call", "x"); // the second token
    ref.tell("call", "y"); // held: the restart did not refill the bucket
    await flush();
    expect(log).toEqual(["x"]);
    await clock.advance(500);
    await flush();
    expect(log).toEqual(["x", "y"]);
  });

  it("rejects a bad limit at spawn, naming the option", () => {
    expect(() => system.spawn(Caller, { rateLimit: { rate: 0 } })).toThrow(InvalidOptionError);
    expect(() =>
      system.spawn(Caller, { rateLimit: { rate: 1, clock } as unknown as { rate: number } }),
    ).toThrow(/rateLimit.clock/);
    expect(() => system.spawn(Caller, { rateLimit: 5 as unknown as { rate: number } })).toThrow(
      /rateLimit/,
    );
  });
});
