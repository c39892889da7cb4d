/**
 * RingBuffer is the innermost loop of the runtime (mailboxes, the stash, dead-letter history):
 * a growable double-ended queue on a power-of-two ring. The model-based tests drive it and a
 * plain array with the same seeded pseudo-random operations and compare after every step, so
 * growth, wrap-around of the head in both directions and drains at odd positions are all hit.
 */
import { describe, expect, it } from "vitest";
import { RingBuffer } from "../../src/mailbox/ring-buffer.js";
import { prng } from "../support/prng.js";

type Op = "push" | "unshift" | "shift" | "peek" | "drain";

/** Picks an operation; `pushBias` > 0.5 makes the buffer grow, < 0.5 keeps it small. */
function pickOp(random: () => number, pushBias: number): Op {
  const r = random();
  if (r < 0.01) return "drain";
  if (r < 0.1) return "peek";
  if (r < 0.1 + pushBias * 0.6) return "push";
  if (r < 0.1 + pushBias * 0.9) return "unshift";
  return "shift";
}

/** Runs `steps` random operations on a RingBuffer and an array, comparing after each. */
function runModel(seed: number, initialCapacity: number, steps: number, pushBias: number): void {
  const random = prng(seed);
  const ring = new RingBuffer<number>(initialCapacity);
  const model: number[] = [];
  let next = 0;
  for (let step = 0; step < steps; step++) {
    const op = pickOp(random, pushBias);
    const where = `seed ${seed}, step ${step}, ${op}`;
    switch (op) {
      case "push":
        ring.push(next);
        model.push(next);
        next++;
        break;
      case "unshift":
        ring.unshift(next);
        model.unshift(next);
        next++;
        break;
      case "shift":
        expect(ring.shift(), where).toBe(model.shift());
        break;
      case "peek":
        expect(ring.peek(), where).toBe(model[0]);
        break;
      case "drain":
        expect(ring.drain(), where).toEqual(model.splice(0));
        break;
      default:
        op satisfies never;
    }
    expect(ring.length, where).toBe(model.length);
  }
  // The final contents, oldest first, without disturbing the model comparison above.
  expect(ring.drain()).toEqual(model);
  expect(ring.length).toBe(0);
}

describe("RingBuffer", () => {
  it("is empty when new: length 0, shift and peek return undefined, drain returns []", () => {
    const ring = new RingBuffer<string>();
    expect(ring.length).toBe(0);
    expect(ring.shift()).toBeUndefined();
    expect(ring.peek()).toBeUndefined();
    expect(ring.drain()).toEqual([]);
  });

  it("shifts in FIFO order and unshifts in front of everything", () => {
    const ring = new RingBuffer<string>(4);
    ring.push("b");
    ring.push("c");
    ring.unshift("a");
    expect(ring.peek()).toBe("a");
    expect(ring.length).toBe(3);
    expect(ring.shift()).toBe("a");
    expect(ring.shift()).toBe("b");
    expect(ring.shift()).toBe("c");
    expect(ring.shift()).toBeUndefined();
  });

  it("keeps FIFO order when it grows while the head has wrapped around", () => {
    const ring = new RingBuffer<number>(4);
    // Move the head to the middle of the ring, then fill past the end so the items wrap.
    for (let i = 0; i < 3; i++) ring.push(-1);
    for (let i = 0; i < 3; i++) ring.shift();
    for (let i = 0; i < 4; i++) ring.push(i); // wraps: slots 3, 0, 1, 2
    for (let i = 4; i < 9; i++) ring.push(i); // grows twice while wrapped
    expect(ring.length).toBe(9);
    expect(ring.drain()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("keeps order when unshift wraps the head below slot 0 and then grows", () => {
    const ring = new RingBuffer<number>(2);
    ring.push(3);
    ring.unshift(2); // head wraps to the last slot
    ring.unshift(1); // full: grows, then wraps again
    ring.unshift(0);
    ring.push(4);
    expect(ring.peek()).toBe(0);
    expect(ring.drain()).toEqual([0, 1, 2, 3, 4]);
  });

  it("drain returns the items oldest first and leaves the buffer empty and reusable", () => {
    const ring = new RingBuffer<number>(2);
    for (let i = 0; i < 5; i++) ring.push(i);
    ring.shift();
    expect(ring.drain()).toEqual([1, 2, 3, 4]);
    expect(ring.length).toBe(0);
    ring.push(9);
    expect(ring.drain()).toEqual([9]);
  });

  it("holds 100,000 items pushed in a row and gives them back in order", () => {
    const ring = new RingBuffer<number>();
    for (let i = 0; i < 100_000; i++) ring.push(i);
    let expected = 0;
    for (let item = ring.shift(); item !== undefined; item = ring.shift()) {
      if (item !== expected) break;
      expected++;
    }
    expect(expected).toBe(100_000);
  });

  it('gives back falsy items (false, 0, "", null) unchanged and in order', () => {
    const ring = new RingBuffer<number | string | null | boolean>(2);
    ring.push(0);
    ring.push("");
    ring.push(null);
    ring.unshift(false);
    expect(ring.drain()).toEqual([false, 0, "", null]);
  });

  describe("matches a plain array under seeded random operations", () => {
    const seeds = [1, 2, 3, 42, 1234, 99_991];
    it.each(seeds)("growing workload, initial capacity 1 (seed %i)", (seed) => {
      runModel(seed, 1, 4000, 0.7);
    });
    it.each(seeds)("steady workload that wraps around often, capacity 8 (seed %i)", (seed) => {
      runModel(seed, 8, 4000, 0.5);
    });
    it.each(seeds)("shrinking workload with frequent empties, capacity 3 (seed %i)", (seed) => {
      runModel(seed, 3, 4000, 0.35);
    });
  });
});
