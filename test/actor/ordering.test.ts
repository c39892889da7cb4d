/**
 * Messages from one sender to one receiver arrive in the order sent, whoever else sends to
 * the same receiver at the same time: from plain code, from inside other actors (sync and
 * async handlers), mixing tell, ask and send, and across a restart of the receiver.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Actor, ActorSystem, type ActorRef } from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { prng } from "../support/prng.js";

interface Received {
  sender: string;
  seq: number;
}

/** Records every message it receives, in the order it handles them. */
class Receiver extends Actor {
  constructor(readonly log: Received[]) {
    super();
  }
  record(sender: string, seq: number): void {
    this.log.push({ sender, seq });
  }
  async recordSlowly(sender: string, seq: number): Promise<void> {
    await Promise.resolve();
    this.log.push({ sender, seq });
  }
  count(): number {
    return this.log.length;
  }
}

/** The sequence numbers received from each sender, in the order they were handled. */
function bySender(log: readonly Received[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { sender, seq } of log) {
    const list = out.get(sender) ?? [];
    list.push(seq);
    out.set(sender, list);
  }
  return out;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

let clock: VirtualClock;
let system: ActorSystem;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem());
});

afterEach(() => stopVirtualSystem(system, clock));

describe("per sender→receiver ordering", () => {
  it.each([7, 2024, 31_337])(
    "several senders interleaving tells at random each see their own order kept (seed %i)",
    async (seed) => {
      const log: Received[] = [];
      const receiver = system.spawn(() => new Receiver(log));
      const random = prng(seed);
      const senders = ["a", "b", "c", "d", "e"];
      const next = new Map(senders.map((s) => [s, 0]));
      const perSender = 400;
      let remaining = senders.length * perSender;
      while (remaining > 0) {
        const sender = senders[Math.floor(random() * senders.length)] as string;
        const seq = next.get(sender) as number;
        if (seq === perSender) continue;
        next.set(sender, seq + 1);
        receiver.tell("record", sender, seq);
        remaining--;
        // Now and then let the receiver run, so sends land on both idle and busy mailboxes.
        if (random() < 0.01) await flush(1);
      }
      await expect(receiver.ask("count")).resolves.toBe(senders.length * perSender);
      const received = bySender(log);
      for (const sender of senders) expect(received.get(sender), sender).toEqual(range(perSender));
    },
  );

  it("tells from inside several actors, interleaved across their turns, stay in order per sender", async () => {
    // One message per turn, so the senders' bursts interleave at the receiver.
    await system.shutdown();
    system = new ActorSystem({ clock, dispatcher: { throughput: 1 } });
    const log: Received[] = [];
    const receiver = system.spawn(() => new Receiver(log));
    class Sender extends Actor {
      #seq = 0;
      constructor(
        readonly id: string,
        readonly target: ActorRef<Receiver>,
      ) {
        super();
      }
      burst(n: number): void {
        for (let i = 0; i < n; i++) this.target.tell("record", this.id, this.#seq++);
      }
    }
    const senders = ["s1", "s2", "s3", "s4"].map((id) =>
      system.spawn(() => new Sender(id, receiver), { name: id }),
    );
    // Bursts of different sizes, several per sender, so that their turns interleave.
    for (let round = 0; round < 25; round++) {
      senders.forEach((sender, k) => sender.tell("burst", 1 + ((round + k) % 7)));
    }
    await flush();
    const expected = new Map<string, number>();
    for (let round = 0; round < 25; round++) {
      ["s1", "s2", "s3", "s4"].forEach((id, k) =>
        expected.set(id, (expected.get(id) ?? 0) + 1 + ((round + k) % 7)),
      );
    }
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    await expect(receiver.ask("count")).resolves.toBe(total);
    const received = bySender(log);
    for (const [id, n] of expected) expect(received.get(id), id).toEqual(range(n));
    // The senders really interleaved at the receiver (otherwise the test proves little).
    const firstOf = (id: string): number => log.findIndex((r) => r.sender === id);
    const lastOf = (id: string): number => log.map((r) => r.sender).lastIndexOf(id);
    expect(firstOf("s2")).toBeLessThan(lastOf("s1"));
  });

  it("tells sent from async handlers after awaits stay in order per sender", async () => {
    const log: Received[] = [];
    const receiver = system.spawn(() => new Receiver(log));
    class AsyncSender extends Actor {
      #seq = 0;
      constructor(
        readonly id: string,
        readonly target: ActorRef<Receiver>,
      ) {
        super();
      }
      async trickle(n: number): Promise<void> {
        for (let i = 0; i < n; i++) {
          this.target.tell("record", this.id, this.#seq++);
          await Promise.resolve();
        }
      }
    }
    const a = system.spawn(() => new AsyncSender("a", receiver));
    const b = system.spawn(() => new AsyncSender("b", receiver));
    for (let i = 0; i < 10; i++) {
      a.tell("trickle", 5);
      b.tell("trickle", 3);
    }
    await a.ask("trickle", 0);
    await b.ask("trickle", 0);
    await expect(receiver.ask("count")).resolves.toBe(80);
    const received = bySender(log);
    expect(received.get("a")).toEqual(range(50));
    expect(received.get("b")).toEqual(range(30));
  });

  it("tell, ask and send from one sender are handled in the order they were made", async () => {
    const log: Received[] = [];
    const receiver = system.spawn(() => new Receiver(log));
    const replies: Promise<void>[] = [];
    for (let seq = 0; seq < 300; seq++) {
      switch (seq % 3) {
        case 0:
          receiver.tell("record", "me", seq);
          break;
        case 1:
          replies.push(receiver.ask("record", "me", seq));
          break;
        default:
          replies.push(receiver.send("record", "me", seq));
      }
    }
    await Promise.all(replies);
    await expect(receiver.ask("count")).resolves.toBe(300);
    expect(log.map((r) => r.seq)).toEqual(range(300));
  });

  it("an async receiver handles one sender's messages in order, one at a time", async () => {
    const log: Received[] = [];
    const receiver = system.spawn(() => new Receiver(log));
    for (let seq = 0; seq < 100; seq++) receiver.tell("recordSlowly", "me", seq);
    await expect(receiver.ask("count")).resolves.toBe(100);
    expect(log.map((r) => r.seq)).toEqual(range(100));
  });

  it("messages queued behind a failing one keep their order after the receiver restarts", async () => {
    const log: Received[] = [];
    class Fragile extends Receiver {
      explode(): void {
        throw new Error("boom");
      }
    }
    const receiver = system.spawn(() => new Fragile(log));
    for (let seq = 0; seq < 5; seq++) receiver.tell("record", "me", seq);
    receiver.tell("explode");
    for (let seq = 5; seq < 10; seq++) receiver.tell("record", "me", seq);
    await expect(receiver.ask("count")).resolves.toBe(10);
    expect(log.map((r) => r.seq)).toEqual(range(10));
    expect(system.inspect().actors[0]?.restarts).toBe(1);
  });
});
