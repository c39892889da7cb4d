/**
 * Whole-program test of examples/connection.ts (rest-for-one with backoff), run as a child
 * process the way a user runs it. The checks are on output lines and the exit code only:
 * the backoff delays and attempts reported by the `restarted` events, the chain restarted
 * after the connection in start order, the worker restarted alone, and the messages sent
 * while waiting handled afterwards. The example prints no measured time, only configured
 * delays, so no line depends on the machine's speed. The child is bounded by a timeout and
 * always killed in `finally`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lineIndex, matching, runTs, type Run } from "../support/run-program.js";

/** The `restarted` lines as [actor name, attempt, delay in ms], in output order. */
function restarts(lines: readonly string[]): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (const line of lines) {
    const m = /^restarted\s+\/user\/client\/(\w+) \(attempt (\d+), after (\d+) ms\)$/.exec(line);
    if (m !== null) out.push([m[1] as string, Number(m[2]), Number(m[3])]);
  }
  return out;
}

describe("examples/connection.ts (rest-for-one with backoff)", () => {
  let run: Run;

  beforeAll(async () => {
    run = await runTs(["examples/connection.ts"], 20_000);
  }, 25_000);

  it("exits by itself with code 0 and nothing on stderr", () => {
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("connects, logs in and does the first jobs over the first link", () => {
    const connected = lineIndex(run, /^connection\s+connected: link L1$/);
    const session = lineIndex(run, /^session\s+logged in: S1-demo$/);
    expect(session).toBeGreaterThan(connected);
    lineIndex(run, /^worker\s+job 1 \(fetch inbox\) done in session S1-demo over L1$/);
    lineIndex(run, /^worker\s+job 2 \(send report\) done in session S1-demo over L1$/);
  });

  it("restarts the whole chain after each connection failure, waiting 100, 200, 400, 800, 1000 ms", () => {
    const phase2 = lineIndex(run, /^== 2\. /);
    const chain = ["connection", "session", "worker"];
    expect(restarts(run.lines.slice(0, phase2))).toEqual(
      [
        [1, 100],
        [2, 200],
        [3, 400],
        [4, 800],
        [5, 1000],
      ].flatMap(([attempt, delay]) => chain.map((name) => [name, attempt, delay])),
    );
  });

  it("reports the lost link, then each refused connection in onStart", () => {
    const lost = lineIndex(
      run,
      /^failed\s+\/user\/client\/connection in lost\(\): link L1 lost: connection reset by peer$/,
    );
    const refused = matching(
      run,
      /^failed\s+\/user\/client\/connection in onStart: connect failed: ECONNREFUSED \(simulated\)$/,
    );
    expect(refused).toHaveLength(4);
    expect(lineIndex(run, /^restarted\s/)).toBeGreaterThan(lost);
  });

  it("handles the jobs sent while the client was down once the chain is back", () => {
    const sent = lineIndex(run, /^main\s+jobs 3, 4, 5 sent while the client is down$/);
    expect(sent).toBeLessThan(lineIndex(run, /^restarted\s/));
    const connected = lineIndex(run, /^connection\s+connected: link L2$/);
    expect(connected).toBeGreaterThan(sent);
    expect(run.lines.slice(connected + 1, connected + 5)).toEqual([
      expect.stringMatching(/^session\s+logged in: S2-demo$/) as string,
      expect.stringMatching(
        /^worker\s+job 3 \(fetch inbox\) done in session S2-demo over L2$/,
      ) as string,
      expect.stringMatching(
        /^worker\s+job 4 \(archive old mail\) done in session S2-demo over L2$/,
      ) as string,
      expect.stringMatching(
        /^worker\s+job 5 \(send report\) done in session S2-demo over L2$/,
      ) as string,
    ]);
    // Refused connections hand out no link: the only links are L1 and L2.
    expect(matching(run, /^connection\s+connected: link /)).toHaveLength(2);
  });

  it("restarts only the worker when the worker fails, after its own first backoff", () => {
    const phase2 = lineIndex(run, /^== 2\. /);
    const failed = lineIndex(
      run,
      /^failed\s+\/user\/client\/worker in job\(\): job 6: cannot parse "%%%"$/,
      phase2,
    );
    lineIndex(run, /^main\s+job 6 rejected: job 6: cannot parse "%%%"$/, failed);
    expect(restarts(run.lines.slice(phase2))).toEqual([["worker", 1, 100]]);
    // The connection and the session were untouched: no new link, no new login.
    expect(matching(run, /^session\s+logged in: /)).toHaveLength(2);
  });

  it("handles the job sent while the worker waited, in the same session", () => {
    const sent = lineIndex(run, /^main\s+job 7 sent while the worker waits to restart$/);
    const restarted = lineIndex(run, /^restarted\s+\/user\/client\/worker \(attempt 1, /, sent);
    const done = lineIndex(
      run,
      /^worker\s+job 7 \(fetch inbox\) done in session S2-demo over L2$/,
      restarted,
    );
    expect(done).toBeGreaterThan(restarted);
  });

  it("counts the restarts per actor and ends terminated", () => {
    const summary = lineIndex(run, /^== restarts per actor$/);
    expect(run.lines.slice(summary + 1, summary + 4)).toEqual([
      expect.stringMatching(/^connection\s+restarts=5$/) as string,
      expect.stringMatching(/^session\s+restarts=5$/) as string,
      expect.stringMatching(/^worker\s+restarts=6$/) as string,
    ]);
    expect(run.lines.at(-1)).toBe("connection-demo: terminated");
  });
});
