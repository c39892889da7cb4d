/**
 * Runs a TypeScript program as a child process, the way a user runs an example
 * (`node --import tsx <file>` from the repository root), for the end-to-end tests: to its
 * end (`runTs`), or kept running until the test signals it (`startTs`, for `--serve`). The
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

/** Where and how a child runs. */
export interface NodeOptions {
  /** @default the repository root */
  readonly cwd?: string;
  /** @default this process's environment with colours off */
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) past this. @default 20 s */
  readonly timeoutMs?: number;
}

/** Runs `node <args>` and collects its output. */
export async function runNode(args: readonly string[], options: NodeOptions = {}): Promise<Run> {
  const child = spawnNode(args, options);
  try {
    return await child.closed;
  } finally {
    child.kill();
  }
}

/** Runs `node --import tsx <args>` from the repository root and collects its output. */
export function runTs(args: readonly string[], timeoutMs = 20_000): Promise<Run> {
  return runNode(["--import", "tsx", ...args], { timeoutMs });
}

/** A program that keeps running until told to stop (an example with `--serve`). */
export interface Running {
  /** Resolves with the first match of `pattern` in stdout; rejects if the program ends first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** Sends a signal (e.g. SIGINT, as Ctrl-C does). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves once it has ended, with its whole output. */
  readonly closed: Promise<Run>;
  /** SIGKILL if still running: call it in `finally`. */
  kill(): void;
}

/** Starts `node --import tsx <args>` from the repository root without waiting for its end. */
export function startTs(args: readonly string[], timeoutMs = 60_000): Running {
  return spawnNode(["--import", "tsx", ...args], { timeoutMs });
}

function spawnNode(args: readonly string[], options: NodeOptions): Running {
  const child = spawn(process.execPath, [...args], {
    cwd: options.cwd ?? ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    timeout: options.timeoutMs ?? 20_000,
    killSignal: "SIGKILL",
  });
  let stdout = "";
  let stderr = "";
  const watchers = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const watch of watchers) watch();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  // "close" comes after the exit and after both pipes have ended, so the output is whole.
  const closed = (once(child, "close") as Promise<[number | null, NodeJS.Signals | null]>).then(
    ([code, signal]): Run => ({
      code,
      signal,
      stdout,
      stderr,
      lines: stdout.split("\n").filter((l) => l !== ""),
    }),
  );
  return {
    closed,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const watch = (): void => {
          const match = pattern.exec(stdout);
          if (match === null) return;
          watchers.delete(watch);
          resolve(match);
        };
        watchers.add(watch);
        watch();
        void closed.then(() => {
          if (!watchers.delete(watch)) return;
          reject(new Error(`ended before printing ${String(pattern)}:\n${stdout}\n${stderr}`));
        });
      }),
    signal: (signal) => child.kill(signal),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
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
