/**
 * Whole-program test of examples/task-queue.ts (troupe/actors TaskQueue), run as a child
 * process the way a user runs it. Every job's outcome is fixed by its definition, so the
 * checks are exact about states and attempts; about time they check only the order of each
 * job's own transitions, never durations or the interleaving between jobs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lineIndex, matching, runTs, type Run } from "../support/run-program.js";

/** Job name, final state, attempts, and the end of its final line. */
const OUTCOMES: readonly (readonly [string, string, number, string])[] = [
  ["photo-1", "completed", 1, '"photo-1 done"'],
  ["photo-2", "completed", 1, '"photo-2 done"'],
  ["invoice-3", "completed", 2, '"invoice-3 done"'],
  ["email-4", "completed", 1, '"email-4 done"'],
  ["report-5", "failed", 3, "upstream answered 503"],
  ["export-6", "timed-out", 1, "no result within 500 ms"],
  ["sync-7", "cancelled", 1, "cancelled by the user"],
  ["email-8", "completed", 1, '"email-8 done"'],
  ["export-9", "timed-out", 1, "no result within 500 ms"],
  ["invoice-10", "completed", 2, '"invoice-10 done"'],
];

const FINAL = /^(\S+)\s+\d+ ms {2}(completed|failed|timed-out|cancelled)\s/;

/** A line of `job` in `state` (the time column in between is not checked). */
function line(job: string, state: string, rest = ""): RegExp {
  return new RegExp(`^${job}\\s+\\d+ ms {2}${state}\\s+${rest}`);
}

describe("examples/task-queue.ts (TaskQueue)", () => {
  let run: Run;

  beforeAll(async () => {
    run = await runTs(["examples/task-queue.ts"], 30_000);
  }, 40_000);

  it("exits by itself with code 0 and nothing on stderr", () => {
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("submits ten jobs to three workers", () => {
    lineIndex(run, line("queue", "config", "3 workers, 10 jobs;"));
    expect(matching(run, /^\S+\s+\d+ ms {2}pending\s/)).toHaveLength(10);
  });

  it("takes every job to exactly one final state, after its own pending and running", () => {
    expect(matching(run, FINAL)).toHaveLength(10);
    for (const [job, state, attempts, end] of OUTCOMES) {
      const pending = lineIndex(run, line(job, "pending"));
      const running = lineIndex(run, line(job, "running", "attempt 1$"), pending);
      const plural = attempts === 1 ? "" : "s";
      const final = lineIndex(run, line(job, state, `after ${attempts} attempt${plural}: `));
      expect(final, job).toBeGreaterThan(running);
      expect(run.lines[final]?.endsWith(end), run.lines[final]).toBe(true);
      expect(matching(run, line(job, "(completed|failed|timed-out|cancelled)")), job).toHaveLength(
        1,
      );
    }
  });

  it("retries a failed attempt at once, up to the job's retries", () => {
    for (const [job, , attempts] of OUTCOMES) {
      const runs = matching(run, line(job, "running", "attempt \\d+$"));
      expect(
        runs.map((l) => Number(/attempt (\d+)$/.exec(l)?.[1])),
        job,
      ).toEqual(Array.from({ length: attempts }, (_, i) => i + 1));
    }
    // invoice-3 and invoice-10 throw once and recover; report-5 throws every attempt.
    expect(matching(run, line("invoice-3", "error"))).toHaveLength(1);
    expect(matching(run, line("invoice-10", "error"))).toHaveLength(1);
    const errors = matching(run, line("report-5", "error"));
    expect(errors).toHaveLength(3);
    for (const error of errors) expect(error).toMatch(/attempt \d threw: upstream answered 503$/);
  });

  it("aborts the signal of a job that times out, and of the cancelled one", () => {
    for (const job of ["export-6", "export-9"]) {
      const stopping = lineIndex(run, line(job, "stopping", "signal aborted: its timeout passed$"));
      lineIndex(run, line(job, "timed-out"), stopping);
    }
    const running = lineIndex(run, line("sync-7", "running"));
    const cancel = lineIndex(run, line("sync-7", "cancel", "requested after 300 ms of work$"));
    expect(cancel).toBeGreaterThan(running);
    lineIndex(run, line("sync-7", "stopping", "signal aborted: it was cancelled$"), cancel);
    lineIndex(run, line("sync-7", "cancelled"), cancel);
    expect(run.stdout).not.toContain("too late");
  });

  it("ends with stats that add up to the ten jobs", () => {
    const stats = run.lines[lineIndex(run, line("queue", "stats", "completed"))] ?? "";
    const count = (name: string): number =>
      Number(new RegExp(`${name} (\\d+)`).exec(stats)?.[1] ?? Number.NaN);
    expect([count("completed"), count("failed"), count("timed-out"), count("cancelled")]).toEqual([
      6, 1, 2, 1,
    ]);
    expect(stats).toMatch(/\(10 of 10\); pending 0, running 0$/);
    lineIndex(
      run,
      line(
        "queue",
        "stats",
        "waited for a worker: p50 \\d+ ms, p95 \\d+ ms; ran: p50 \\d+ ms, p95 \\d+ ms$",
      ),
    );
  });
});
