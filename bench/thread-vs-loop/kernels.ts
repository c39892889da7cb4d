/**
 * Task functions of the `thread-vs-loop` suite. They run on the event loop (imported
 * directly) and in the pool's worker threads (named by URL through `taskModule`), so each
 * does exactly the same work in both places. Keep them free of module-level side effects
 * other than caches: every worker thread imports this module once.
 */
import { createHash } from "node:crypto";

/** Recursive Fibonacci: pure CPU, no allocation. */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

const CHUNK = 16 * 1024;
let chunk: Buffer | null = null;

/**
 * SHA-256 over `bytes` bytes: one 16 KiB buffer (built once per thread) hashed repeatedly,
 * then a tail, so every size reads from cache-warm memory. Returns the hex digest's head.
 */
export function sha256(bytes: number): string {
  chunk ??= Buffer.alloc(CHUNK, 0x5a);
  const hash = createHash("sha256");
  let left = bytes;
  while (left >= CHUNK) {
    hash.update(chunk);
    left -= CHUNK;
  }
  if (left > 0) hash.update(chunk.subarray(0, left));
  return hash.digest("hex").slice(0, 8);
}

const documents = new Map<number, string>();

/** A deterministic JSON document of `items` records (built once per size and thread). */
export function jsonDocument(items: number): string {
  let text = documents.get(items);
  if (text === undefined) {
    const records = [];
    for (let i = 0; i < items; i++)
      records.push({
        id: i,
        name: `item-${i}`,
        price: ((i * 37) % 1000) / 10,
        tags: ["a", "bb", `t${i % 7}`],
        active: i % 3 === 0,
        nested: { x: i, y: -i, label: "nested-value" },
      });
    text = JSON.stringify({ version: 1, count: items, records });
    documents.set(items, text);
  }
  return text;
}

/** JSON.parse then JSON.stringify of a document of `items` records; returns the length. */
export function json(items: number): number {
  return JSON.stringify(JSON.parse(jsonDocument(items))).length;
}

/** Does nothing: the cost of a task is all messaging and bookkeeping. */
export function noop(): number {
  return 0;
}

/** A tiny item function for `map`. */
export function double(x: number): number {
  return x * 2;
}

/** Awaits a timer of `ms` milliseconds (an I/O-bound task: no CPU, only waiting). */
export async function sleep(ms: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
}

/** One HTTP GET with fetch; resolves with the body's length. */
export async function httpGet(url: string): Promise<number> {
  const response = await fetch(url);
  return (await response.text()).length;
}
