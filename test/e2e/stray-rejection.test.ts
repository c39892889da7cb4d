/**
 * Stray rejections from async handlers are attributed to their actor (a failure its
 * supervisor handles) instead of crashing the process; a rejection no actor owns keeps
 * Node's default and still crashes it. Runs test/fixtures/stray-rejection.ts in a child
 * process, because an unhandled rejection is a process-wide event.
 */
import { describe, expect, it } from "vitest";
import { runTs } from "../support/run-program.js";

const SCRIPT = "test/fixtures/stray-rejection.ts";

describe("stray rejections", () => {
  it("fail the actor that started them, which its supervisor restarts; the process goes on", async () => {
    const run = await runTs([SCRIPT]);
    expect(run.lines).toEqual([
      "recorded 1",
      "recorded 2",
      "failed /user/recorder stray-rejection: save failed in the background",
      "restarted /user/recorder (restart 1)",
      "saved after restart: 0",
      "done",
    ]);
    expect(run.code).toBe(0);
  });

  it("still crash the process when no actor owns them (Node's default is kept)", async () => {
    const run = await runTs([SCRIPT, "unowned"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("nobody's rejection");
  });
});
