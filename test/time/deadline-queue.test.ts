/**
 * DeadlineQueue holds the deadlines of many concurrent asks behind a single clock timer.
 * These tests drive it with a VirtualClock (and, for a late-firing timer, a hand-cranked
 * clock) and check the order of expiry, removal, the one-timer rule and clear().
 */
import { describe, expect, it } from "vitest";
import { DeadlineEntry, DeadlineQueue } from "../../src/time/deadline-queue.js";
import { VirtualClock } from "../../src/testing/index.js";
import type { Clock } from "../../src/index.js";
import { HandCrankedClock } from "../support/hand-cranked-clock.js";

/** An entry that records its label, and the clock time, when it expires. */
class Recorder extends DeadlineEntry {
  constructor(
    readonly label: string,
    readonly log: { label: string; at: number }[],
    readonly clock: Clock,
    readonly then?: () => void,
  ) {
    super();
  }
  onDeadline(): void {
    this.log.push({ label: this.label, at: this.clock.now() });
    this.then?.();
  }
}

function setup(): {
  clock: VirtualClock;
  queue: DeadlineQueue;
  log: { label: string; at: number }[];
  entry: (label: string, then?: () => void) => Recorder;
} {
  const clock = new VirtualClock();
  const queue = new DeadlineQueue(clock);
  const log: { label: string; at: number }[] = [];
  return { clock, queue, log, entry: (label, then) => new Recorder(label, log, clock, then) };
}

describe("DeadlineQueue", () => {
  it("expires entries of several durations in deadline order, each at its own deadline", async () => {
    const { clock, queue, log, entry } = setup();
    queue.add(entry("a50"), 50);
    queue.add(entry("b10"), 10);
    queue.add(entry("c30"), 30);
    queue.add(entry("d10"), 10);
    await clock.advance(5);
    queue.add(entry("e10"), 10); // due at 15
    queue.add(entry("f40"), 40); // due at 45
    await clock.advance(100);
    expect(log).toEqual([
      { label: "b10", at: 10 },
      { label: "d10", at: 10 },
      { label: "e10", at: 15 },
      { label: "c30", at: 30 },
      { label: "f40", at: 45 },
      { label: "a50", at: 50 },
    ]);
  });

  it("does not expire an entry before its deadline", async () => {
    const { clock, queue, log, entry } = setup();
    queue.add(entry("a"), 100);
    await clock.advance(99);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([{ label: "a", at: 100 }]);
  });

  it("never calls onDeadline for an entry removed before its deadline", async () => {
    const { clock, queue, log, entry } = setup();
    const removed = entry("removed");
    queue.add(entry("kept1"), 20);
    queue.add(removed, 20);
    queue.add(entry("kept2"), 20);
    await clock.advance(10);
    queue.remove(removed);
    expect(removed.list).toBeNull();
    await clock.advance(100);
    expect(log.map((e) => e.label)).toEqual(["kept1", "kept2"]);
  });

  it("removing an entry twice, or one never added, does nothing", async () => {
    const { clock, queue, log, entry } = setup();
    const a = entry("a");
    const b = entry("b");
    queue.add(a, 10);
    queue.remove(a);
    queue.remove(a);
    queue.remove(b);
    queue.add(b, 10);
    await clock.advance(10);
    expect(log.map((e) => e.label)).toEqual(["b"]);
  });

  it("re-arms for the next deadline when the earliest entry was removed", async () => {
    const { clock, queue, log, entry } = setup();
    const first = entry("first");
    queue.add(first, 10); // due at 10
    await clock.advance(5);
    queue.add(entry("second"), 10); // due at 15
    queue.remove(first);
    await clock.advance(9); // t = 14: the timer armed for 10 fired and found nothing due
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([{ label: "second", at: 15 }]);
  });

  it("uses at most one clock timer however many entries and durations it holds", async () => {
    const { clock, queue, log, entry } = setup();
    const entries: Recorder[] = [];
    for (let i = 0; i < 200; i++) {
      const e = entry(`e${i}`);
      entries.push(e);
      // Decreasing durations force a re-arm on almost every add.
      queue.add(e, 1000 - (i % 50) * 10);
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    expect(queue.durations).toBe(50);
    for (let i = 0; i < 200; i += 3) {
      queue.remove(entries[i] as Recorder);
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    for (let t = 0; t < 1100; t += 7) {
      await clock.advance(7);
      expect(clock.pending).toBeLessThanOrEqual(1);
    }
    expect(log).toHaveLength(200 - Math.ceil(200 / 3));
    expect(clock.pending).toBe(0);
    expect(queue.durations).toBe(0);
  });

  it("lets onDeadline add a new entry, which then expires in order", async () => {
    const { clock, queue, log, entry } = setup();
    queue.add(
      entry("first", () => queue.add(entry("added-by-first"), 5)),
      10,
    );
    queue.add(entry("later"), 100);
    await clock.advance(200);
    expect(log).toEqual([
      { label: "first", at: 10 },
      { label: "added-by-first", at: 15 },
      { label: "later", at: 100 },
    ]);
    expect(clock.pending).toBe(0);
  });

  it("clear() cancels the clock timer and forgets every entry; the queue stays usable", async () => {
    const { clock, queue, log, entry } = setup();
    const a = entry("a");
    queue.add(a, 10);
    queue.add(entry("b"), 20);
    expect(clock.pending).toBe(1);
    queue.clear();
    expect(clock.pending).toBe(0);
    expect(queue.durations).toBe(0);
    expect(a.list).toBeNull();
    await clock.advance(100);
    expect(log).toEqual([]);
    queue.add(a, 10);
    await clock.advance(10);
    expect(log).toEqual([{ label: "a", at: 110 }]);
  });

  it("expires in deadline order even when its timer fires late and several are overdue", () => {
    // Under load a real timer fires late; by then entries of several durations are overdue.
    // They must still expire earliest deadline first (an ask's 50 ms queueTimeout before its
    // 100 ms timeout, for instance), not in the order their durations were first seen.
    const clock = new HandCrankedClock();
    const queue = new DeadlineQueue(clock);
    const log: { label: string; at: number }[] = [];
    queue.add(new Recorder("due-100", log, clock), 100);
    queue.add(new Recorder("due-50", log, clock), 50);
    queue.add(new Recorder("due-70", log, clock), 70);
    clock.jumpAndFire(500);
    expect(log.map((e) => e.label)).toEqual(["due-50", "due-70", "due-100"]);
  });
});
