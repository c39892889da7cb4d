/**
 * Whole-program test of examples/observe.ts (troupe/http), run as a child process the way a
 * user runs it: it must print its dashboard URL, see live events over the WebSocket (the
 * payments actor's failures and restarts, the mailer's dead letters), read the status API,
 * reach an exposed method through the gateway only with the token, and exit by itself. The
 * checks are on output lines and the exit code; counts that depend on timing are checked as
 * "at least one", never exactly.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, lineIndex, runTs, type Run } from "../support/run-program.js";

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
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "examples/observe.ts", "--serve", "--port", "0"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], timeout: 30_000, killSignal: "SIGKILL" },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const closed = once(child, "close") as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      // Read until the example says it is serving (bounded by the child's timeout).
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          stdout += chunk;
          const found = /^dashboard\s+(\S+)$/m.exec(stdout)?.[1];
          if (found !== undefined && /^serving\s+until Ctrl-C$/m.test(stdout)) resolve(found);
        });
        void closed.then(() => reject(new Error(`exited early:\n${stdout}\n${stderr}`)));
      });
      const status = await fetch(`${url}api/status`);
      expect(status.status).toBe(200);
      expect(((await status.json()) as { name: string }).name).toBe("shop");
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      child.kill("SIGINT");
      const [code, signal] = await closed;
      expect(signal, stderr).toBeNull();
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^stopped\s+the system and its server$/m);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }, 40_000);
});
