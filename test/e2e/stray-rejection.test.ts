/**
 * Stray rejections from async handlers are attributed to their actor (a failure its
 * supervisor handles) instead of crashing the process; a rejection no actor owns keeps
 * Node's default and still crashes it. Runs test/fixtures/stray-rejection.ts in a child
 * process, because an unhandled rejection is a process-wide event.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../fixtures/stray-rejection.ts", import.meta.url));

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    encoding: "utf8",
    timeout: 15_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("stray rejections", () => {
  it("fail the actor that started them, which its supervisor restarts; the process goes on", () => {
    const { status, stdout } = run();
    expect(stdout.split("\n").filter((l) => l.length > 0)).toEqual([
      "recorded 1",
      "recorded 2",
      "failed /user/recorder stray-rejection: save failed in the background",
      "restarted /user/recorder (restart 1)",
      "saved after restart: 0",
      "done",
    ]);
    expect(status).toBe(0);
  });

  it("still crash the process when no actor owns them (Node's default is kept)", () => {
    const { status, stderr } = run("unowned");
    expect(status).not.toBe(0);
    expect(stderr).toContain("nobody's rejection");
  });
});
