/**
 * The examples of this folder, for `npm run example` (examples/run.ts) and the `troupe` CLI
 * (bin/cli.ts): every `.ts` file here except helpers (names starting with "_") and the
 * runner itself is an example; its description is the first line of its first doc comment.
 * An example runs in a child process (`node --import tsx examples/<name>.ts [args...]`) with
 * the same stdio, so it behaves exactly as when run directly and gets its own `process.argv`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const EXAMPLES_DIR = fileURLToPath(new URL(".", import.meta.url));
const RUNNER = "run.ts";

export interface Example {
  readonly name: string;
  readonly file: string;
  readonly description: string;
}

export async function listExamples(): Promise<Example[]> {
  const entries = await readdir(EXAMPLES_DIR, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => e.name)
    .filter((name) => name !== RUNNER && !name.startsWith("_"))
    .sort();
  return Promise.all(
    files.map(async (name) => {
      const file = join(EXAMPLES_DIR, name);
      return {
        name: name.slice(0, -".ts".length),
        file,
        description: firstDocLine(await readFile(file, "utf8")),
      };
    }),
  );
}

/** The example called `name` (with or without ".ts"), if there is one. */
export function findExample(examples: readonly Example[], name: string): Example | undefined {
  return examples.find((e) => e.name === name || `${e.name}.ts` === name);
}

/** The first non-empty line of the first `/** ... *\/` comment. */
function firstDocLine(source: string): string {
  const start = source.indexOf("/**");
  if (start < 0) return "(no description)";
  const end = source.indexOf("*/", start + 3);
  const body = source.slice(start + 3, end < 0 ? undefined : end);
  for (const line of body.split("\n")) {
    const text = line.replace(/^\s*\*?\s?/, "").trim();
    if (text.length > 0) return text;
  }
  return "(no description)";
}

/** "  name  description" lines, names padded to one column. */
export function exampleLines(examples: readonly Example[]): string[] {
  const width = Math.max(0, ...examples.map((e) => e.name.length));
  return examples.length === 0
    ? ["  (none)"]
    : examples.map((e) => `  ${e.name.padEnd(width)}  ${e.description}`);
}

/**
 * Runs a TypeScript program of this repository in a child process with our stdio and
 * resolves with the exit code to pass on (128 + signal number when killed by a signal).
 */
export async function runTypeScript(
  file: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<number> {
  // Resolved here rather than left to the child, so it works from any working directory.
  const tsx = import.meta.resolve("tsx");
  const child = spawn(process.execPath, [...nodeFlags, "--import", tsx, file, ...args], {
    stdio: "inherit",
  });
  // Ctrl-C reaches the whole process group; keep this process alive until the child has
  // finished reacting to it, and forward signals sent to this process alone.
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  try {
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    if (code !== null) return code;
    return 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
  } finally {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
  }
}
