/**
 * Whole-program test of examples/observe.ts (troupe/http), run as a child process the way a
 * user runs it: it must print its dashboard URL, see live events over the WebSocket (the
 * payments actor's failures and restarts, the mailer's dead letters), read the status API,
 * reach an exposed method through the gateway only with the token, and exit by itself. The
 * checks are on output lines and the exit code; counts that depend on timing are checked as
 * "at least one", never exactly.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lineIndex, runTs, startTs, type Run } from "../support/run-program.js";

describe("examples/observe.ts (troupe/http)", () => {
  let run: Run;

  beforeAll(async () => {
    run = await runTs(["examples/observe.ts"], 30_000);
  }, 40_000);

  it("exits by itself with code 0 and nothing on stderr", () => {
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("prints the dashboard URL on loopback and a curl line for the gateway", () => {
    lineIndex(run, /^dashboard\s+http:\/\/127\.0\.0\.1:\d+\/$/);
    lineIndex(
      run,
      /^gateway\s+curl -X POST -H 'authorization: Bearer [\w-]{24}' http:\/\/127\.0\.0\.1:\d+\/api\/actors\/user\/shop\/orders\/ask\/count$/,
    );
  });

  it("sees a hello, metrics, failures with restarts and dead letters on the event stream", () => {
    const line = run.lines[lineIndex(run, /^stream\s+/)] ?? "";
    const count = (name: string): number =>
      Number(new RegExp(`${name} (\\d+)`).exec(line)?.[1] ?? Number.NaN);
    expect(count("hello")).toBe(1);
    expect(count("metrics")).toBeGreaterThanOrEqual(1);
    expect(count("restarted")).toBeGreaterThanOrEqual(1);
    expect(count("failed")).toBe(count("restarted"));
    expect(count("dead letters")).toBeGreaterThanOrEqual(1);
  });

  it("reads five actors and a started pool from the status API", () => {
    lineIndex(
      run,
      /^status\s+5 actors, \d+ dead letters, event loop p99 [\d.]+ ms, pool \d+ threads, \d+ tasks done$/,
    );
  });

  it("answers the gateway with the token and refuses it without", () => {
    const ok = lineIndex(
      run,
      /^gateway\s+ask orders\.count with the token -> 200 \{"reply":\d+\}$/,
    );
    lineIndex(run, /^gateway\s+ask orders\.count without it\s+-> 401$/, ok);
  });

  it("shuts the system down, which closes the server", () => {
    const placed = lineIndex(run, /^driver\s+placed \d+ orders in 3 s$/);
    lineIndex(run, /^stopped\s+the system and its server$/, placed);
  });
});

describe("examples/observe.ts --serve", () => {
  it("keeps serving until SIGINT, then shuts down and exits 0", async () => {
    const example = startTs(["examples/observe.ts", "--serve", "--port", "0"], 30_000);
    try {
      const [, url = ""] = await example.waitFor(/^dashboard\s+(\S+)$/m);
      await example.waitFor(/^serving\s+until Ctrl-C$/m);
      const status = await fetch(`${url}api/status`);
      expect(status.status).toBe(200);
      expect(((await status.json()) as { name: string }).name).toBe("shop");
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      example.signal("SIGINT");
      const run = await example.closed;
      expect(run.signal, run.stderr).toBeNull();
      expect(run.code, run.stderr).toBe(0);
      lineIndex(run, /^stopped\s+the system and its server$/);
    } finally {
      example.kill();
    }
  }, 40_000);
});
