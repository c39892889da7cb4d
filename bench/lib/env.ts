/**
 * The machine a benchmark ran on. Numbers mean little without it: node and V8 versions,
 * CPU model, cores, `availableParallelism()`, memory, whether `gc()` was exposed, and the
 * git commit of the code measured (read-only git commands; nothing is written).
 */
import { execFileSync } from "node:child_process";
import os from "node:os";

export interface Environment {
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly availableParallelism: number;
  readonly totalMemoryMiB: number;
  readonly gcExposed: boolean;
  readonly execArgv: readonly string[];
  readonly gitCommit: string | null;
  /** True when `src/` had uncommitted changes, so the commit alone does not name the code. */
  readonly srcModified: boolean | null;
  readonly date: string;
}

function git(args: readonly string[]): string | null {
  try {
    return execFileSync("git", ["--no-optional-locks", ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

export function environment(): Environment {
  const cpus = os.cpus();
  const status = git(["status", "--porcelain", "--", "src"]);
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryMiB: Math.round(os.totalmem() / 2 ** 20),
    gcExposed: typeof globalThis.gc === "function",
    execArgv: [...process.execArgv],
    gitCommit: git(["rev-parse", "--short", "HEAD"]),
    srcModified: status === null ? null : status.length > 0,
    date: new Date().toISOString(),
  };
}

/** One line per fact, for the head of a markdown report. */
export function describeEnvironment(env: Environment): string {
  const commit =
    env.gitCommit === null
      ? "unknown"
      : `${env.gitCommit}${env.srcModified === true ? " + uncommitted changes in src/" : ""}`;
  return [
    `- node ${env.node} (V8 ${env.v8}), ${env.platform}/${env.arch}`,
    `- CPU: ${env.cpuModel}, ${env.cpus} cores, availableParallelism() = ${env.availableParallelism}`,
    `- memory: ${env.totalMemoryMiB} MiB; gc exposed: ${env.gcExposed ? "yes" : "no"}`,
    `- code: ${commit}; run at ${env.date}`,
  ].join("\n");
}
