/**
 * Whole-program tests for examples/job-board.ts and the example runner
 * (examples/run.ts), each run as a child process the way a user runs them. The checks are on
 * output lines and exit codes only; the programs print no timings, so no line depends on the
 * machine's speed. Each child is bounded by a timeout and always killed in `finally`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lineIndex, matching, runTs, type Run } from "../support/run-program.js";

describe("examples/job-board.ts", () => {
  let run: Run;

  beforeAll(async () => {
    run = await runTs(["examples/job-board.ts"], 15_000);
  }, 25_000);

  it("exits by itself with code 0 and nothing on stderr", () => {
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("starts the ledger, the foreman and its three workers", () => {
    for (const path of ["ledger", "foreman", "foreman/w1", "foreman/w2", "foreman/w3"])
      lineIndex(run, new RegExp(`^started\\s+/user/${path}$`));
    lineIndex(run, /^foreman\s+crew is w1, w2, w3$/);
  });

  it("reports the poison job's failure in w2 and restarts w2 from its factory once", () => {
    const failed = lineIndex(
      run,
      /^failed\s+\/user\/foreman\/w2 in work\(\): job #6 is poison; cannot process it$/,
    );
    const restarted = lineIndex(
      run,
      /^restarted\s+\/user\/foreman\/w2 from its factory \(restart 1\): fresh state, same mailbox$/,
    );
    expect(restarted).toBeGreaterThan(failed);
    expect(matching(run, /^restarted\s+\/user\/foreman\/w2 /)).toHaveLength(1);
    lineIndex(run, /^receipt\s+job #6 globex "poison": LOST at w2: Error: job #6 is poison/);
  });

  it("keeps w2's mailbox across the restart but resets its state", () => {
    // Job #5 ran on the first instance (its second job); #7 and #8 were queued behind the
    // poison and ran on the fresh instance, whose count started again at 1.
    lineIndex(
      run,
      /^receipt\s+job #5 globex "report Q4": done by w2 .*\(job 2 of this w2 instance\)$/,
    );
    lineIndex(
      run,
      /^receipt\s+job #7 globex "chart Q4": done by w2 .*\(job 1 of this w2 instance\)$/,
    );
    lineIndex(
      run,
      /^receipt\s+job #8 globex "summary Q4": done by w2 .*\(job 2 of this w2 instance\)$/,
    );
  });

  it("restarts w3 twice, then stops it for exceeding the restart limit", () => {
    expect(matching(run, /^failed\s+\/user\/foreman\/w3 in work\(\): job #\d+ is poison/)).toEqual([
      expect.stringContaining("job #9 is poison") as string,
      expect.stringContaining("job #10 is poison") as string,
      expect.stringContaining("job #11 is poison") as string,
    ]);
    expect(matching(run, /^restarted\s+\/user\/foreman\/w3 /)).toEqual([
      expect.stringContaining("(restart 1)") as string,
      expect.stringContaining("(restart 2)") as string,
    ]);
    const lastFailure = lineIndex(run, /^failed\s+\/user\/foreman\/w3 .*job #11/);
    const stopped = lineIndex(
      run,
      /^stopped\s+\/user\/foreman\/w3 \(failed: MaxRestartsExceededError: \/user\/foreman\/w3 failed more than 2 times within 60000 ms/,
    );
    expect(stopped).toBeGreaterThan(lastFailure);
  });

  it("turns the message queued behind the poison into a dead letter", () => {
    lineIndex(run, /^dead-letter\s+work\(job #12\) for \/user\/foreman\/w3 \(actor-stopped\)$/);
  });

  it("tells the watching foreman that w3 terminated, after it stopped", () => {
    const stopped = lineIndex(run, /^stopped\s+\/user\/foreman\/w3 /);
    const notice = lineIndex(
      run,
      /^foreman\s+watched w3 terminate \(MaxRestartsExceededError, last failure: job #11 is poison; cannot process it\); crew is now w1, w2$/,
    );
    expect(notice).toBeGreaterThan(stopped);
    expect(lineIndex(run, /^foreman\s+crew is w1, w2$/)).toBeGreaterThan(notice);
  });

  it("keeps working with the workers that are left", () => {
    lineIndex(run, /^receipt\s+job #13 mallory "invoice 2002": done by w2 /);
    lineIndex(run, /^receipt\s+job #14 acme "invoice 1003": done by w1 /);
  });

  it("prints the final tally and the live tree from system.inspect()", () => {
    const tally = lineIndex(
      run,
      /^ledger\s+9 done \(w1: 3, w2: 5, w3: 1\), 4 lost \(#6, #9, #10, #11\)$/,
    );
    const header = lineIndex(run, /^job-board: running, dead letters: 1$/);
    expect(header).toBeGreaterThan(tally);
    // Stopped actors leave the tree, so w3 is gone; the children are indented under foreman.
    expect(run.lines.slice(header + 1, header + 5)).toEqual([
      expect.stringMatching(/^ {2}ledger\s+running\s+processed=\d+ failed=0 restarts=0$/) as string,
      expect.stringMatching(
        /^ {2}foreman\s+running\s+processed=\d+ failed=0 restarts=0$/,
      ) as string,
      expect.stringMatching(/^ {4}w1\s+running\s+processed=3 failed=0 restarts=0$/) as string,
      expect.stringMatching(/^ {4}w2\s+running\s+processed=5 failed=1 restarts=1$/) as string,
    ]);
    expect(run.lines[header + 5]).toBe("== shutdown");
  });

  it("shuts down bottom-up and ends terminated", () => {
    const w2 = lineIndex(run, /^stopped\s+\/user\/foreman\/w2 \(shutdown\)$/);
    const w1 = lineIndex(run, /^stopped\s+\/user\/foreman\/w1 \(shutdown\)$/);
    const foreman = lineIndex(run, /^stopped\s+\/user\/foreman \(shutdown\)$/);
    expect(w1).toBeGreaterThan(w2);
    expect(foreman).toBeGreaterThan(w1);
    expect(run.lines.at(-1)).toBe("job-board: terminated");
  });
});

describe("npm run example (examples/run.ts)", () => {
  it("lists the examples with their descriptions and exits 0 without a name", async () => {
    const run = await runTs(["examples/run.ts"], 15_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines[0]).toBe("Usage: npm run example -- <name> [args...]");
    lineIndex(run, /^ {2}job-board\s+Job board: a foreman restarts a worker/);
    expect(matching(run, /^ {2}run\s/)).toEqual([]);
  });

  it("prints the list on stderr and exits non-zero for an unknown name", async () => {
    const run = await runTs(["examples/run.ts", "no-such-example"], 15_000);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('Unknown example "no-such-example".');
    expect(run.stderr).toMatch(/^ {2}job-board\s+Job board: /m);
  });

  it("runs an example by name and passes its exit code on", async () => {
    const run = await runTs(["examples/run.ts", "job-board"], 15_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.at(-1)).toBe("job-board: terminated");
  });
});
