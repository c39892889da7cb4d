/**
 * Whole-program test of examples/bank.ts (one-for-all), run as a child process the way a
 * user runs it. The checks are on output lines and the exit code only: the journal's
 * failure, the group stopped in reverse start order and restarted in start order, the
 * state rebuilt from the durable log, and the invariant (the total never changes). The
 * child is bounded by a timeout and always killed in `finally`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lineIndex, matching, runTs, type Run } from "../support/run-program.js";

describe("examples/bank.ts (one-for-all)", () => {
  let run: Run;

  beforeAll(async () => {
    run = await runTs(["examples/bank.ts"], 15_000);
  }, 25_000);

  it("exits by itself with code 0 and nothing on stderr", () => {
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("starts accounts, journal and auditor in that order", () => {
    const accounts = lineIndex(
      run,
      /^accounts\s+rebuilt from 0 logged transfers: .*\(total 3000\)$/,
    );
    const journal = lineIndex(run, /^journal\s+opened the log at entry 0$/);
    const auditor = lineIndex(run, /^auditor\s+rebuilt its tally from 0 logged transfers$/);
    expect(journal).toBeGreaterThan(accounts);
    expect(auditor).toBeGreaterThan(journal);
    lineIndex(
      run,
      /^bank\s+children: \/user\/bank\/accounts, \/user\/bank\/journal, \/user\/bank\/auditor$/,
    );
  });

  it("commits the first two transfers", () => {
    lineIndex(run, /^teller\s+transfer #1 alice -> bob 100: committed as log entry 1$/);
    lineIndex(run, /^teller\s+transfer #2 bob -> carol 50: committed as log entry 2$/);
  });

  it("reports the journal's failure, then stops the group in reverse start order", () => {
    const failed = lineIndex(
      run,
      /^failed\s+\/user\/bank\/journal in transfer\(\): disk full while writing transfer #3$/,
    );
    // Only the journal failed: the others were stopped by the strategy, not by errors.
    expect(matching(run, /^failed\s/)).toHaveLength(1);
    expect(run.lines.slice(failed + 1, failed + 4)).toEqual([
      expect.stringMatching(/^stop\s+auditor$/) as string,
      expect.stringMatching(/^stop\s+journal$/) as string,
      expect.stringMatching(
        /^stop\s+accounts, holding alice 900, bob 1050, carol 750 \(total 2700\): 300 debited but never credited$/,
      ) as string,
    ]);
  });

  it("restarts all three from their factories in start order and rebuilds them from the log", () => {
    const stopped = lineIndex(run, /^stop\s+accounts, holding .*never credited$/);
    expect(run.lines.slice(stopped + 1, stopped + 4)).toEqual([
      expect.stringMatching(
        /^restarted\s+\/user\/bank\/accounts from its factory \(restart 1\)$/,
      ) as string,
      expect.stringMatching(
        /^restarted\s+\/user\/bank\/journal from its factory \(restart 1\)$/,
      ) as string,
      expect.stringMatching(
        /^restarted\s+\/user\/bank\/auditor from its factory \(restart 1\)$/,
      ) as string,
    ]);
    expect(matching(run, /^restarted\s/)).toHaveLength(3);
    const rebuilt = lineIndex(
      run,
      /^accounts\s+rebuilt from 2 logged transfers: alice 900, bob 1050, carol 1050 \(total 3000\)$/,
    );
    expect(rebuilt).toBeGreaterThan(stopped + 3);
    lineIndex(run, /^journal\s+opened the log at entry 2$/, rebuilt);
    lineIndex(run, /^auditor\s+rebuilt its tally from 2 logged transfers$/, rebuilt);
  });

  it("tells the caller the transfer was refused, and the total is unchanged", () => {
    const refused = lineIndex(
      run,
      /^teller\s+transfer #3 carol -> alice 300: refused: disk full while writing transfer #3$/,
    );
    expect(run.lines[refused + 1]).toMatch(
      /^check\s+total 3000 \(opening 3000\), audited 2 of 2 logged, mismatches: none: OK$/,
    );
  });

  it("commits the retried transfer once, and every check holds", () => {
    const retried = lineIndex(
      run,
      /^teller\s+transfer #3 carol -> alice 300: committed as log entry 3$/,
    );
    expect(run.lines[retried + 1]).toMatch(
      /^check\s+total 3000 \(opening 3000\), audited 3 of 3 logged, mismatches: none: OK$/,
    );
    const checks = matching(run, /^check\s/);
    expect(checks).toHaveLength(4);
    for (const check of checks) expect(check).toMatch(/total 3000 \(opening 3000\).*: OK$/);
  });

  it("shuts down in reverse start order and ends terminated", () => {
    const shutdown = lineIndex(run, /^== shutdown$/);
    expect(run.lines.slice(shutdown + 1)).toEqual([
      expect.stringMatching(/^stop\s+auditor$/) as string,
      expect.stringMatching(/^stop\s+journal$/) as string,
      expect.stringMatching(
        /^stop\s+accounts, holding alice 1200, bob 1050, carol 750 \(total 3000\)$/,
      ) as string,
      expect.stringMatching(
        /^bank\s+log: transfer #1 alice -> bob 100; transfer #2 bob -> carol 50; transfer #3 carol -> alice 300$/,
      ) as string,
      "bank: terminated",
    ]);
  });
});
