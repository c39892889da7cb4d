/**
 * Whole-program test of examples/loop-vs-threads.ts, run as a child process the way a user
 * runs it. Timing depends on the machine and its load, so no duration is asserted: the checks
 * are on the output's structure, on what every run must print (each wait and count done, the
 * same prime counts, a thread-resident actor's state), and on the summary table agreeing with
 * itself.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lineIndex, matching, runTs, type Run } from "../support/run-program.js";

/** The numbers of a summary row: wall ms, speedup, heartbeat lateness max and p99 (ms). */
function row(run: Run, mode: string, work: string): [number, number, number, number] {
  const line = run.lines[lineIndex(run, new RegExp(`^${mode}\\s+${work}\\s+\\d`))] ?? "";
  const numbers = /\s(\d+)\s+(\d+\.\d)x\s+(\d+)\s+(\d+)$/.exec(line);
  expect(numbers, line).not.toBeNull();
  return [Number(numbers?.[1]), Number(numbers?.[2]), Number(numbers?.[3]), Number(numbers?.[4])];
}

describe("examples/loop-vs-threads.ts (event loop vs thread pool)", () => {
  let run: Run;

  beforeAll(async () => {
    run = await runTs(["examples/loop-vs-threads.ts"], 90_000);
  }, 100_000);

  it("exits by itself with code 0 and nothing on stderr", () => {
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("prints the machine's parallelism and the pool size", () => {
    lineIndex(run, /^machine\s+availableParallelism\(\) = [1-9]\d*; a pool of [1-9]\d* threads?$/);
  });

  it("completes three waits in each mode, one after another on the one-at-a-time actor", () => {
    const sequential = matching(run, /^sequential\s+wait \d of 3 done at \d+ ms$/);
    // One actor handles one message at a time, in the order sent: 1, 2, 3.
    expect(sequential.map((l) => /wait (\d)/.exec(l)?.[1])).toEqual(["1", "2", "3"]);
    const concurrent = matching(run, /^concurrent\s+wait \d of 3 done at \d+ ms$/);
    expect(concurrent.map((l) => /wait (\d)/.exec(l)?.[1]).sort()).toEqual(["1", "2", "3"]);
    const seqDone = lineIndex(run, /^sequential\s+done in \d+ ms; heartbeat at most \d+ ms late$/);
    const concDone = lineIndex(run, /^concurrent\s+done in \d+ ms; heartbeat at most \d+ ms late$/);
    expect(concDone).toBeGreaterThan(seqDone);
  });

  it("counts the same primes four times on the loop and four times on threads", () => {
    for (const mode of ["loop", "threads"]) {
      const lines = matching(
        run,
        new RegExp(
          `^${mode}\\s+count \\d of 4: 78498 primes, counted at \\d+ ms, reply at \\d+ ms$`,
        ),
      );
      expect(lines.map((l) => /count (\d)/.exec(l)?.[1]).sort()).toEqual(["1", "2", "3", "4"]);
      for (const line of lines) {
        const [counted, reply] = [...line.matchAll(/(\d+) ms/g)].map((m) => Number(m[1]));
        expect(reply, line).toBeGreaterThanOrEqual(counted ?? Infinity);
      }
    }
    // On the loop the counts run one after another, in the order asked.
    const loop = matching(run, /^loop\s+count/);
    expect(loop.map((l) => /count (\d)/.exec(l)?.[1])).toEqual(["1", "2", "3", "4"]);
    const countedAt = loop.map((l) => Number(/counted at (\d+) ms/.exec(l)?.[1]));
    expect(countedAt).toEqual([...countedAt].sort((a, b) => a - b));
  });

  it("keeps a thread-resident actor's state between messages", () => {
    const found = lineIndex(run, /^sieve\s+5133 primes below 50000, found in its own thread$/);
    lineIndex(run, /^sieve\s+still knows them: the largest is 49999$/, found + 1);
  });

  it("ends with a summary table that agrees with itself", () => {
    const header = lineIndex(run, /^== summary \(availableParallelism\(\) = \d+\)$/);
    expect(run.lines[header + 1]).toMatch(
      /^mode\s+work\s+wall ms\s+speedup\s+late max ms\s+late p99 ms$/,
    );
    const [seqMs, seqX, seqMax, seqP99] = row(run, "sequential", "3 waits of 1000 ms");
    const [concMs, concX, concMax, concP99] = row(run, "concurrent", "3 waits of 1000 ms");
    const [loopMs, loopX, loopMax, loopP99] = row(run, "loop", "4 prime counts");
    const [thrMs, thrX, thrMax, thrP99] = row(run, "threads", "4 prime counts");
    // Baselines are 1.0x; the others are the printed wall times' ratio (rounding aside).
    expect([seqX, loopX]).toEqual([1, 1]);
    expect(Math.abs(concX - seqMs / concMs)).toBeLessThan(0.06);
    expect(Math.abs(thrX - loopMs / thrMs)).toBeLessThan(0.06);
    for (const [max, p99] of [
      [seqMax, seqP99],
      [concMax, concP99],
      [loopMax, loopP99],
      [thrMax, thrP99],
    ])
      expect(max).toBeGreaterThanOrEqual(p99 ?? Infinity);
    // The closing lines repeat the table's numbers, and claim nothing else.
    expect(run.lines[lineIndex(run, /^waits\s/, header)]).toMatch(
      new RegExp(`^waits\\s+overlapping them on the one loop: ${concX.toFixed(1)}x; `),
    );
    const cpu = run.lines[lineIndex(run, /^cpu\s/, header)];
    expect(cpu).toMatch(
      new RegExp(`^cpu\\s+\\d+ threads?: ${thrX.toFixed(1)}x \\(at most \\d+x here\\)`),
    );
    expect(cpu?.includes("little or none this run"), cpu).toBe(thrX <= 1.2);
    expect(run.lines[lineIndex(run, /^event loop\s/, header)]).toBe(
      `event loop  heartbeat at most ${loopMax} ms late with the counts on the loop, ` +
        `${thrMax} ms with them on threads`,
    );
  });

  it("shuts down last", () => {
    expect(run.lines.at(-1)).toMatch(/^shutdown\s+actors first, then the pool$/);
  });
});
