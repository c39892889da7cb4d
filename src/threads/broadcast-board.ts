/**
 * The broadcasts every worker must have applied, in a growable SharedArrayBuffer that every
 * worker reads before each task. A broadcast (per-worker init, a config reload) is the latest
 * call per task function; a worker started later applies the list before its first task, an
 * idle worker before its next one. Writes are guarded like a seqlock: the generation is odd
 * while the pool writes, and a reader retries when it changed under it.
 */
import { deserialize, serialize } from "node:v8";

/** One remembered broadcast: call `name` of module `url` with `args`; `seq` orders them. */
export interface BroadcastEntry {
  readonly seq: number;
  readonly url: string;
  readonly name: string;
  readonly args: readonly unknown[];
}

const HEADER = 8; // Int32 generation, Int32 byte length
const MAX_BYTES = 64 * 1024 * 1024;

export class BroadcastBoard {
  readonly buffer = new SharedArrayBuffer(HEADER, { maxByteLength: MAX_BYTES });
  readonly #header = new Int32Array(this.buffer, 0, 2);
  readonly #latest = new Map<string, BroadcastEntry>();
  #seq = 0;

  /** Records `entry` as the latest of its function; throws if the args cannot be cloned. */
  publish(url: string, name: string, args: readonly unknown[]): BroadcastEntry {
    const entry: BroadcastEntry = { seq: ++this.#seq, url, name, args };
    const next = new Map(this.#latest);
    next.delete(`${url}#${name}`);
    next.set(`${url}#${name}`, entry);
    const bytes = serialize([...next.values()]); // throws DataCloneError before anything changes
    if (HEADER + bytes.length > MAX_BYTES)
      throw new RangeError(
        `broadcast data is ${bytes.length} bytes; the limit is ${MAX_BYTES - HEADER}`,
      );
    this.#latest.delete(`${url}#${name}`);
    this.#latest.set(`${url}#${name}`, entry);
    if (this.buffer.byteLength < HEADER + bytes.length) this.buffer.grow(HEADER + bytes.length);
    Atomics.add(this.#header, 0, 1); // odd: writing
    new Uint8Array(this.buffer, HEADER, bytes.length).set(bytes);
    Atomics.store(this.#header, 1, bytes.length);
    Atomics.add(this.#header, 0, 1); // even: done
    return entry;
  }
}

/** A worker's view of the board. */
export class BroadcastReader {
  readonly #buffer: SharedArrayBuffer;
  readonly #header: Int32Array;
  #seen = 0;
  #applied = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#buffer = buffer;
    this.#header = new Int32Array(buffer, 0, 2);
  }

  /** True when the board changed since this worker last read it (one atomic load). */
  behind(): boolean {
    return Atomics.load(this.#header, 0) !== this.#seen;
  }

  /** Entries this worker has not applied yet, oldest first; empty (and cheap) when up to date. */
  pending(): BroadcastEntry[] {
    if (Atomics.load(this.#header, 0) === this.#seen) return [];
    for (;;) {
      const before = Atomics.load(this.#header, 0);
      if (before % 2 === 1) continue; // the pool is writing; it takes microseconds
      const length = Atomics.load(this.#header, 1);
      const copy = new Uint8Array(length);
      copy.set(new Uint8Array(this.#buffer, HEADER, length));
      if (Atomics.load(this.#header, 0) !== before) continue;
      this.#seen = before;
      const entries = deserialize(copy) as BroadcastEntry[];
      return entries.filter((entry) => entry.seq > this.#applied);
    }
  }

  applied(seq: number): void {
    if (seq > this.#applied) this.#applied = seq;
  }
}
