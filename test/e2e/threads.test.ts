/**
 * Whole-program test of examples/threads.ts, run as a child process the way a user runs it.
 * The checks are on the shape of the output and the exit code only: no timing is asserted
 * (the numbers printed depend on the machine).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lineIndex, runTs, type Run } from "../support/run-program.js";

describe("examples/threads.ts (coroutines vs threads)", () => {
  let run: Run;

  beforeAll(async () => {
    run = await runTs(["examples/threads.ts"], 30_000);
  }, 40_000);

  it("exits by itself with code 0 and nothing on stderr", () => {
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("counts the same primes on the loop and on the threads", () => {
    const result = /: 25997 each, \d+ ms; heartbeat at most \d+ ms late$/;
    const loop = lineIndex(run, /^loop\s+4 counts of primes below 300000/);
    const offload = lineIndex(run, /^offload\s+4 counts of primes below 300000/);
    expect(run.lines[loop]).toMatch(result);
    expect(run.lines[offload]).toMatch(result);
    expect(offload).toBeGreaterThan(loop);
  });

  it("keeps a thread-resident actor's state between messages, then shuts down", () => {
    const found = lineIndex(run, /^sieve\s+5133 primes below 50000 found in its own thread$/);
    const largest = lineIndex(run, /^sieve\s+still knows them: the largest is 49999$/);
    const shutdown = lineIndex(run, /^threads\s+shut down: actors first, then the pool$/);
    expect(largest).toBeGreaterThan(found);
    expect(shutdown).toBeGreaterThan(largest);
  });
});
