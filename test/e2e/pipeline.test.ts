/**
 * Whole-program test of examples/pipeline.ts (backpressure), run as a child process the way a
 * user runs it. The checks are on output lines and the exit code, and only on facts that do
 * not depend on timing: the bounded mailbox never holds more than its capacity, so at most
 * capacity + one item per thread is in flight; every item reaches the sink; the unbounded
 * mailbox takes everything the producer sends. Memory and times are parsed, not compared.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lineIndex, matching, runTs, type Run } from "../support/run-program.js";

const ITEMS = 600;

interface Progress {
  readonly sent: number;
  readonly inFlight: number;
  readonly depth: number;
}

/** The producer's progress lines of one run. */
function progress(run: Run, label: string, capacity: string): Progress[] {
  const pattern = new RegExp(
    `^${label}\\s+sent\\s+(\\d+) at\\s+\\d+ ms:\\s+(\\d+) in flight, mailbox\\s+(\\d+)${capacity}, ` +
      `heap \\d+\\.\\d MB, buffers \\d+\\.\\d MB$`,
  );
  return matching(run, new RegExp(`^${label}\\s+sent`)).map((line) => {
    const m = pattern.exec(line);
    expect(m, line).not.toBeNull();
    return { sent: Number(m?.[1]), inFlight: Number(m?.[2]), depth: Number(m?.[3]) };
  });
}

describe("examples/pipeline.ts (backpressure)", () => {
  let run: Run;
  let threads: number;
  let capacity: number;

  beforeAll(async () => {
    run = await runTs(["examples/pipeline.ts"], 90_000);
    const header = run.lines[lineIndex(run, /^pipeline\s/)] ?? "";
    threads = Number(/hashed on (\d+) thread/.exec(header)?.[1]);
    capacity = Number(/capacity: (\d+), overflow: "backpressure"/.exec(run.stdout)?.[1]);
  }, 100_000);

  it("exits by itself with code 0 and nothing on stderr", () => {
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("describes the work and the two runs", () => {
    lineIndex(
      run,
      /^pipeline\s+600 items of 64 KB, 600 rounds of SHA-256 each, hashed on [1-9]\d* thread\(s\)$/,
    );
    const bounded = lineIndex(
      run,
      /^== 1\. bounded: mailbox \{ capacity: 16, overflow: "backpressure" \}$/,
    );
    lineIndex(run, /^== 2\. unbounded: the default mailbox$/, bounded);
    expect(threads).toBeGreaterThan(0);
    expect(capacity).toBe(16);
  });

  it("keeps the bounded mailbox within its capacity, and so what is in flight", () => {
    const lines = progress(run, "bounded", `/${capacity}`);
    expect(lines.map((p) => p.sent)).toEqual([100, 200, 300, 400, 500, 600]);
    for (const p of lines) {
      expect(p.depth).toBeLessThanOrEqual(capacity);
      // In flight: waiting in the mailbox, or being hashed (one per thread).
      expect(p.inFlight).toBeGreaterThanOrEqual(p.depth);
      expect(p.inFlight).toBeLessThanOrEqual(capacity + threads);
    }
  });

  it("lets the unbounded mailbox take every item the producer sends", () => {
    const lines = progress(run, "unbounded", "");
    expect(lines.map((p) => p.sent)).toEqual([100, 200, 300, 400, 500, 600]);
    for (const p of lines) expect(p.inFlight).toBeGreaterThanOrEqual(p.depth);
  });

  it("stores every digest in both runs", () => {
    const bounded = lineIndex(run, /^sink\s+bounded: 600 of 600 digests stored after \d+ ms$/);
    lineIndex(run, /^sink\s+unbounded: 600 of 600 digests stored after \d+ ms$/, bounded);
  });

  it("sums up: the bounded peak stayed within capacity, the unbounded one did not", () => {
    const summary = lineIndex(run, /^== summary$/);
    const peak = (label: string): number => {
      const line = run.lines[lineIndex(run, new RegExp(`^${label}\\s+producer done`), summary)];
      const m =
        /^\S+\s+producer done at \d+ ms, sink at \d+ ms; peak mailbox (\d+) \(capacity (\d+|none)\), peak buffers \d+\.\d MB$/.exec(
          line ?? "",
        );
      expect(m, line).not.toBeNull();
      return Number(m?.[1]);
    };
    expect(peak("bounded")).toBeLessThanOrEqual(capacity);
    // Unbounded, `send` never waits: the producer's loop queues items faster than two threads
    // can take them (it never gives the loop a turn in which a hash could come back).
    expect(peak("unbounded")).toBeGreaterThan(capacity);
    expect(peak("unbounded")).toBeLessThanOrEqual(ITEMS);
    expect(run.lines.at(-1)).toBe(
      `check      bounded peak mailbox ${peak("bounded")} <= capacity 16, all 600 items ` +
        "reached the sink in both runs: OK",
    );
  });
});
