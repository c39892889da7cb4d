import { describe, expect, it } from "vitest";
import { workerExecArgv, workerScript } from "../../src/threads/worker-script.js";

describe("worker start-up flags", () => {
  it("keeps only flags a worker accepts (regressions: `node --input-type=module -e` made every thread fail to start; `--expose-gc` made the pool throw ERR_WORKER_INVALID_EXEC_ARGV)", () => {
    expect(
      workerExecArgv([
        "--input-type=module",
        "--expose-gc",
        "--eval",
        "code()",
        "-p",
        "1",
        "--watch",
        "--test-only",
        "--import",
        "tsx",
        "--max-old-space-size=64",
        "--allow-natives-syntax",
        "--enable-source-maps",
        "--conditions=dev",
        "-r",
        "./setup.cjs",
        "--experimental-vm-modules",
        "--no-warnings",
      ]),
    ).toEqual([
      "--import",
      "tsx",
      "--enable-source-maps",
      "--conditions=dev",
      "-r",
      "./setup.cjs",
      "--experimental-vm-modules",
      "--no-warnings",
    ]);
  });

  it("runs the .ts sibling with the tsx preload from source, and the .js one without it when built", () => {
    const fromSource = workerScript("file:///app/src/threads/thread-pool.ts", "task-runner");
    expect(fromSource.url.href).toBe("file:///app/src/threads/task-runner.ts");
    expect(fromSource.execArgv.join(" ")).toContain("data:text/javascript");
    const built = workerScript("file:///app/dist/threads/thread-pool.js", "task-runner", false);
    expect(built.url.href).toBe("file:///app/dist/threads/task-runner.js");
    expect(built.execArgv.join(" ")).not.toContain("data:text/javascript");
  });

  it("adds the preload to a built pool when asked to (TypeScript task modules)", () => {
    const built = workerScript("file:///app/dist/threads/thread-pool.js", "task-runner", true);
    expect(built.execArgv.join(" ")).toContain("data:text/javascript");
  });
});
