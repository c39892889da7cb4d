/**
 * The `troupe` CLI (bin/troupe.js → bin/cli.ts), run as a child process the way
 * `npx troupe ...` runs it: help on every command, the list of examples, running one by
 * name with its exit code passed on, and usage errors (unknown command, example, option or
 * suite) on stderr with exit code 2. Benchmarks themselves are not run here (CI runs
 * `npx troupe bench --quick`); `bench --help` proves the command reaches bench/run.ts.
 */
import { describe, expect, it } from "vitest";
import { lineIndex, runTs } from "../support/run-program.js";

const troupe = (...args: string[]) => runTs(["bin/troupe.js", ...args], 20_000);

describe("troupe (the CLI)", () => {
  it("prints its commands for --help, help and no command, exit 0", async () => {
    for (const args of [["--help"], ["help"], []]) {
      const run = await troupe(...args);
      expect(run.code, run.stderr).toBe(0);
      expect(run.lines[0]).toBe("Usage: troupe <command> [options]");
      for (const command of ["examples", "example <name>", "bench [suite...]", "help"])
        lineIndex(run, new RegExp(`^ {2}${command.replace(/[[\].]/g, "\\$&")}`));
    }
  });

  it("has help for each command", async () => {
    for (const [args, first] of [
      [["examples", "--help"], "Usage: troupe examples"],
      [["example", "--help"], "Usage: troupe example <name> [args...]"],
      [["help", "bench"], "Usage: troupe bench [suite...] [--quick]"],
    ] as const) {
      const run = await troupe(...args);
      expect(run.code, run.stderr).toBe(0);
      expect(run.lines[0]).toBe(first);
    }
  });

  it("lists the examples with their descriptions", async () => {
    const run = await troupe("examples");
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines[0]).toBe("Examples:");
    lineIndex(run, /^ {2}job-board\s+Job board: a foreman restarts a worker/);
    lineIndex(run, /^ {2}bank\s+Bank: one-for-all/);
    expect(run.lines.some((line) => /^ {2}(run|_)/.test(line))).toBe(false);
  });

  it("runs an example by name and passes its exit code on", async () => {
    const run = await troupe("example", "job-board");
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.at(-1)).toBe("job-board: terminated");
  });

  it("refuses an unknown example, listing what exists on stderr, exit 2", async () => {
    const run = await troupe("example", "no-such-example");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('Unknown example "no-such-example".');
    expect(run.stderr).toMatch(/^ {2}job-board\s+Job board: /m);
  });

  it("asks for a name when none is given, exit 2", async () => {
    const run = await troupe("example");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("troupe example needs the name of an example.");
  });

  it("refuses an unknown command or option, printing the commands on stderr, exit 2", async () => {
    const unknown = await troupe("deploy");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "deploy".');
    expect(unknown.stderr).toContain("Usage: troupe <command> [options]");
    const option = await troupe("examples", "--colour");
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--colour'");
    const topic = await troupe("help", "deploy");
    expect(topic.code).toBe(2);
  });

  it("hands bench its arguments: --help lists the suites, an unknown suite exits 2", async () => {
    const help = await troupe("bench", "--help");
    expect(help.code, help.stderr).toBe(0);
    lineIndex(help, /^ {2}thread-vs-loop\s+/);
    lineIndex(help, /^ {2}actors\s+/);
    const unknown = await troupe("bench", "no-such-suite");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown suite: no-such-suite");
  });
});
