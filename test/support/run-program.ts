/**
 * Runs a TypeScript program as a child process, the way a user runs an example
 * (`node --import tsx <file>` from the repository root), for the end-to-end tests. The
 * child is bounded by a timeout (a hung program is killed and then fails its exit-code
 * check instead of hanging vitest) and is always killed in `finally`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The non-empty lines of stdout. */
  readonly lines: readonly string[];
}

/** Runs `node --import tsx <args>` from the repository root and collects its output. */
export async function runTs(args: readonly string[], timeoutMs = 20_000): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    timeout: timeoutMs,
    killSignal: "SIGKILL",
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  try {
    // "close" comes after the exit and after both pipes have ended, so the output is whole.
    const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
    return { code, signal, stdout, stderr, lines: stdout.split("\n").filter((l) => l !== "") };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/** Index of the first line (from `from`) matching `pattern`; fails the test, showing the output, if none. */
export function lineIndex(run: Run, pattern: RegExp, from = 0): number {
  const index = run.lines.findIndex((line, i) => i >= from && pattern.test(line));
  expect(index, `no line matches ${String(pattern)} in:\n${run.stdout}\n${run.stderr}`).not.toBe(
    -1,
  );
  return index;
}

/** The lines matching `pattern`, in order. */
export function matching(run: Run, pattern: RegExp): string[] {
  return run.lines.filter((line) => pattern.test(line));
}
