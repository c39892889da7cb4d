/**
 * Pipeline: a bounded mailbox with backpressure slows the producer; an unbounded one piles up.
 *
 *   producer --send--> hasher (hashes on the thread pool) --tell--> sink
 *
 * The producer makes 64 KB items and hands each to the hasher with `await hasher.send(...)`.
 * The hasher hashes them on the thread pool, one per thread at a time (`concurrency` = pool
 * size), and tells the sink each digest. Hashing is the slow step, so items wait in the
 * hasher's mailbox:
 *
 * 1. bounded: `mailbox: { capacity: 16, overflow: "backpressure" }`. When the mailbox is full,
 *    `send` waits for room, so the producer runs at the hasher's pace and at most 16 items
 *    wait, whatever the number of items.
 * 2. unbounded (the default mailbox): `send` never waits, the producer races ahead and every
 *    item waits in the mailbox, holding its memory until its turn.
 *
 * Every 100 items the producer prints how far it got: items sent, items in flight (sent, not
 * yet at the sink), the hasher's mailbox depth, and memory (V8 heap, and the buffers outside
 * it, where the items' bytes live). The summary compares the two runs.
 *
 * Run it with `npm run example -- pipeline`.
 */
// Inside this repository the examples import the source; your code imports "troupe".
import {
  Actor,
  ActorSystem,
  taskModule,
  type ActorRef,
  type MailboxOptions,
} from "../src/index.js";
import type * as Hash from "./_hash.js";

const tasks = taskModule<typeof Hash>(new URL("./_hash.ts", import.meta.url));
const ITEMS = 600;
const ITEM_BYTES = 64 * 1024;
/** Rounds of SHA-256 per item: about 2 ms of CPU, so the hasher is the bottleneck. */
const ROUNDS = 600;
const CAPACITY = 16;
const REPORT_EVERY = 100;

function say(who: string, text: string): void {
  console.log(`${who.padEnd(10)} ${text}`);
}

function pad(value: number | string, width: number): string {
  return String(value).padStart(width);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Counts the digests; calls `allStored` once the last one is in. */
class Sink extends Actor {
  #stored = 0;
  readonly #expected: number;
  readonly #allStored: () => void;

  constructor(expected: number, allStored: () => void) {
    super();
    this.#expected = expected;
    this.#allStored = allStored;
  }

  store(_id: number, _digest: string): void {
    if (++this.#stored === this.#expected) this.#allStored();
  }

  stored(): number {
    return this.#stored;
  }
}

class Hasher extends Actor {
  readonly #sink: ActorRef<Sink>;

  constructor(sink: ActorRef<Sink>) {
    super();
    this.#sink = sink;
  }

  async hash(id: number, data: Uint8Array<ArrayBuffer>): Promise<void> {
    // `transfer` moves the bytes to the thread instead of copying them.
    const digest = await this.offloadWith(
      { transfer: [data.buffer] },
      tasks.stretchedSha256,
      data,
      ROUNDS,
    );
    this.#sink.tell("store", id, digest);
  }
}

interface Outcome {
  readonly label: string;
  readonly capacity: number;
  /** When the producer had handed over its last item, and when the sink had them all (ms). */
  readonly producedMs: number;
  readonly doneMs: number;
  readonly stored: number;
  readonly peakDepth: number;
  readonly peakBuffers: number;
}

async function run(system: ActorSystem, label: string, mailbox: MailboxOptions): Promise<Outcome> {
  const capacity = mailbox.capacity ?? Infinity;
  let allStored!: () => void;
  const done = new Promise<void>((resolve) => (allStored = resolve));
  const sink = system.spawn(() => new Sink(ITEMS, allStored), { name: `${label}-sink` });
  const hasher = system.spawn(() => new Hasher(sink), {
    name: `${label}-hasher`,
    // One item per thread at a time: more handlers would only wait for a free thread.
    concurrency: system.threads.options.maxThreads,
    mailbox,
  });
  // Read from the system's snapshot, not asked: an ask would wait behind the queued items.
  const depth = (): number =>
    system.inspect().actors.find((a) => a.path === hasher.path)?.mailbox ?? 0;
  const limit = capacity === Infinity ? "" : `/${capacity}`;

  // The producer: a plain loop that makes an item and hands it over, as fast as it is let.
  const started = performance.now();
  let peakDepth = 0;
  let peakBuffers = 0;
  for (let id = 1; id <= ITEMS; id++) {
    const data = new Uint8Array(ITEM_BYTES).fill(id & 0xff);
    // Resolves once the item is in the mailbox: at once while there is room; when the
    // mailbox is full (backpressure), only after the hasher has taken an item out.
    await hasher.send("hash", id, data);
    const memory = process.memoryUsage();
    peakDepth = Math.max(peakDepth, depth());
    peakBuffers = Math.max(peakBuffers, memory.arrayBuffers);
    if (id % REPORT_EVERY !== 0) continue;
    const inFlight = id - (await sink.ask("stored"));
    const at = (performance.now() - started).toFixed(0);
    say(
      label,
      `sent ${pad(id, 3)} at ${pad(at, 4)} ms: ${pad(inFlight, 3)} in flight, ` +
        `mailbox ${pad(depth(), 3)}${limit}, heap ${mb(memory.heapUsed)}, ` +
        `buffers ${mb(memory.arrayBuffers)}`,
    );
  }
  const producedMs = performance.now() - started;
  await done;
  const doneMs = performance.now() - started;
  const stored = await sink.ask("stored");
  say("sink", `${label}: ${stored} of ${ITEMS} digests stored after ${doneMs.toFixed(0)} ms`);
  await Promise.all([system.stop(hasher), system.stop(sink)]); // the next run starts afresh
  return { label, capacity, producedMs, doneMs, stored, peakDepth, peakBuffers };
}

const system = new ActorSystem({ name: "pipeline" });
const threads = system.threads.options.maxThreads;
say(
  "pipeline",
  `${ITEMS} items of ${ITEM_BYTES / 1024} KB, ${ROUNDS} rounds of SHA-256 each, ` +
    `hashed on ${threads} thread(s)`,
);
try {
  // Start the pool's threads (and load the task module in them) before measuring.
  await Promise.all(
    Array.from({ length: threads }, () =>
      system.threads.run(tasks.stretchedSha256, [new Uint8Array(1), 1]),
    ),
  );
  console.log(`== 1. bounded: mailbox { capacity: ${CAPACITY}, overflow: "backpressure" }`);
  const bounded = await run(system, "bounded", { capacity: CAPACITY, overflow: "backpressure" });
  console.log("== 2. unbounded: the default mailbox");
  const unbounded = await run(system, "unbounded", {});

  console.log("== summary");
  for (const o of [bounded, unbounded])
    say(
      o.label,
      `producer done at ${o.producedMs.toFixed(0)} ms, sink at ${o.doneMs.toFixed(0)} ms; ` +
        `peak mailbox ${o.peakDepth} (capacity ${o.capacity === Infinity ? "none" : o.capacity}), ` +
        `peak buffers ${mb(o.peakBuffers)}`,
    );
  const ok =
    bounded.peakDepth <= CAPACITY && bounded.stored === ITEMS && unbounded.stored === ITEMS;
  say(
    "check",
    `bounded peak mailbox ${bounded.peakDepth} <= capacity ${CAPACITY}, all ${ITEMS} items ` +
      `reached the sink in both runs: ${ok ? "OK" : "BROKEN"}`,
  );
  if (!ok) process.exitCode = 1;
} finally {
  await system.shutdown();
}
