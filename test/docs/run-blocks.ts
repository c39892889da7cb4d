/**
 * Runs the documented programs: a `<!-- run -->` block is run with `node --import tsx`, and
 * must exit by itself with code 0 and nothing on stderr; one that imports vitest is a test
 * file, and all of those run in one `vitest run`, whose tests must pass.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runNode, runTs } from "../support/run-program.js";

/** Runs tasks at most `limit` at a time, in call order. */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Whether a block's program (setup included) is a vitest test file. */
export function isTestFile(code: string): boolean {
  return /\bfrom\s*["']vitest["']/.test(code);
}

/** Runs one program; returns what is wrong with the run, each problem prefixed by `where`. */
export async function runProgram(
  where: string,
  path: string,
  timeoutMs: number,
): Promise<string[]> {
  const run = await runTs([path], timeoutMs);
  const output = `\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}---`;
  if (run.signal !== null)
    return [`${where}: killed by ${run.signal} (running longer than ${timeoutMs} ms?)${output}`];
  if (run.code !== 0) return [`${where}: exited with code ${run.code}${output}`];
  if (run.stderr !== "") return [`${where}: wrote to stderr${output}`];
  return [];
}

interface JsonReport {
  readonly testResults: readonly {
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults: readonly {
      readonly fullName: string;
      readonly status: string;
      readonly failureMessages: readonly string[];
    }[];
  }[];
}

/**
 * Runs the test files (absolute paths inside `dir`, each mapped to the place it comes from)
 * in one vitest process; returns the problems of each file ([] when its tests passed).
 */
export async function runTestFiles(
  root: string,
  dir: string,
  files: ReadonlyMap<string, string>,
  timeoutMs: number,
): Promise<Map<string, string[]>> {
  const config = join(dir, "vitest.config.mjs");
  const include = [...files.keys()].map((path) => path.slice(dir.length + 1));
  // Its caches stay in `dir`: its node_modules is a link to the repository's.
  const cacheDir = JSON.stringify(join(dir, ".vite"));
  writeFileSync(
    config,
    `export default { cacheDir: ${cacheDir}, test: { include: ${JSON.stringify(include)} } };\n`,
  );
  // A vitest inside this vitest: leave out the variables that tell a worker who it is.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST")),
  );
  const { code, signal, stdout, stderr } = await runNode(
    [
      join(root, "node_modules/vitest/vitest.mjs"),
      ...["run", "--root", dir, "--config", config, "--configLoader", "runner"],
      ...["--reporter", "json"],
    ],
    { cwd: dir, env: { ...env, NO_COLOR: "1" }, timeoutMs },
  );

  const results = new Map<string, string[]>();
  let report: JsonReport | undefined;
  try {
    report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as JsonReport;
  } catch {
    report = undefined;
  }
  for (const [path, where] of files) {
    const result = report?.testResults.find((r) => r.name === path);
    if (result === undefined) {
      const why = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
      results.set(path, [`${where}: vitest did not report this file (${why})\n${stderr}`]);
      continue;
    }
    const failures = result.assertionResults
      .filter((a) => a.status !== "passed")
      .map((a) => `${where}: test "${a.fullName}" ${a.status}\n${a.failureMessages.join("\n")}`);
    if (result.status !== "passed" && failures.length === 0)
      failures.push(`${where}: ${result.message ?? result.status}`);
    results.set(path, failures);
  }
  return results;
}
