/**
 * Whole-program test of examples/crawler.ts, run as a child process the way a user runs it
 * (not on a terminal, so it prints plain progress lines). The site it crawls is built from a
 * fixed seed and fails by attempt number, never by the clock, so what the crawl ends with is
 * the same on every run: every page is fetched except the dead and poison ones, and every
 * URL found is accounted for. Timing-dependent numbers (elapsed, requests/s, how full the
 * busiest second was) are only checked against the limits the example states.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lineIndex, matching, runTs, startTs, type Run } from "../support/run-program.js";

/** The number in the summary row labelled `label` (the first number after it). */
function row(run: Run, label: string): number {
  const line = run.lines[lineIndex(run, new RegExp(`^  ${label}\\s{2,}\\d`))] ?? "";
  return Number(
    line
      .slice(label.length + 2)
      .trim()
      .split(/\s+/)[0],
  );
}

describe("examples/crawler.ts", () => {
  let run: Run;

  beforeAll(async () => {
    run = await runTs(["examples/crawler.ts"], 60_000);
  }, 70_000);

  it("exits by itself with code 0 and nothing on stderr", () => {
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("prints plain progress lines, not a redrawn one, when not on a terminal", () => {
    const progress = matching(
      run,
      /^progress\s+[\d.]+ s {2}fetched \d+ {2}failed \d+ {2}queued \d+ {2}in flight \d+ {2}retries \d+ {2}restarts \d+ {2}\d+ req\/s$/,
    );
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(run.stdout).not.toContain("\r");
    expect(run.stdout).not.toContain("\x1b");
  });

  it("reports restarts of fetchers as they happen", () => {
    const restarted = matching(run, /^restarted\s+fetchers\/routee-\d+ \(restart \d+\): .+$/);
    expect(restarted.length).toBeGreaterThanOrEqual(1);
  });

  it("fetches every page but the dead and poison ones, and accounts for every URL", () => {
    const site = / (\d+) pages; (\d+) dead, (\d+) break the parser, (\d+) broken links$/.exec(
      run.lines[lineIndex(run, /^site\s+http:\/\/127\.0\.0\.1:\d+\/ \d+ pages/)] ?? "",
    );
    const [pages, dead, poison, broken] = (site ?? []).slice(1).map(Number);
    expect(pages).toBeGreaterThan(0);
    expect(row(run, "pages on the site")).toBe(pages);

    const fetched = row(run, "fetched");
    const failed = row(run, "failed");
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBe((pages ?? 0) - (dead ?? 0) - (poison ?? 0));
    expect(failed).toBe((dead ?? 0) + (poison ?? 0) + (broken ?? 0));
    expect(row(run, "URLs found")).toBe(fetched + failed);
    lineIndex(run, /^check\s+every URL found was fetched or failed: \d+ \+ \d+ = \d+: OK$/);
  });

  it("retries transient failures, and restarts fetchers for the rest", () => {
    expect(row(run, "retries")).toBeGreaterThanOrEqual(1);
    expect(row(run, "restarts")).toBeGreaterThanOrEqual(1);
    expect(row(run, "requests sent")).toBeGreaterThan(row(run, "fetched"));
  });

  it("never sends more in any second than the rate limit allows", () => {
    const limit = /^ {2}rate limit\s+(\d+)\/s {2}burst (\d+): at most (\d+) in any 1 s,/.exec(
      run.lines[lineIndex(run, /^ {2}rate limit\s/)] ?? "",
    );
    const [rate, burst, most] = (limit ?? []).slice(1).map(Number);
    expect(most).toBe((rate ?? 0) + (burst ?? 0));
    expect(row(run, "busiest 1 s, sent")).toBeLessThanOrEqual(most ?? 0);
    expect(row(run, "busiest 1 s, sent")).toBeGreaterThan(0);
    lineIndex(run, /^check\s+at most burst \+ rate = \d+ requests sent in any 1 s .*: OK$/);
    lineIndex(run, /^check\s+the site got only requests the limiter let through .*: OK$/);
  });

  it("shuts the system down and closes the site after the summary", () => {
    const summary = lineIndex(run, /^summary$/);
    const stopped = lineIndex(run, /^stopped\s+the system and the site$/, summary);
    expect(stopped).toBe(run.lines.length - 1);
  });
});

describe("examples/crawler.ts --serve", () => {
  it("serves the dashboard until SIGINT, then shuts down and exits 0", async () => {
    const example = startTs(["examples/crawler.ts", "--serve", "--port", "0"], 60_000);
    try {
      const [, url = ""] = await example.waitFor(/^dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/)$/m);
      const status = await fetch(`${url}api/status`);
      expect(status.status).toBe(200);
      expect(((await status.json()) as { name: string }).name).toBe("crawler");
      // Most likely mid-crawl: Ctrl-C must stop the crawl as gracefully as an idle server.
      example.signal("SIGINT");
      const run = await example.closed;
      expect(run.signal, run.stderr).toBeNull();
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stderr).toBe("");
      lineIndex(run, /^stopped\s+the system and the site$/);
    } finally {
      example.kill();
    }
  }, 70_000);
});
