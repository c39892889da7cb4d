/**
 * Runs an example by name (`npm run example -- <name> [args...]`); without a name, lists them.
 *
 * Every other `.ts` file in this folder is an example (files starting with "_" are helpers,
 * not examples); its description is the first line of its first doc comment. The example
 * runs in a child process (`node --import tsx examples/<name>.ts [args...]`) with the same
 * stdio, so it behaves exactly as when run directly, gets its own `process.argv`, and its
 * exit code becomes ours. Unknown names exit with code 2 after listing what exists.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const EXAMPLES_DIR = fileURLToPath(new URL(".", import.meta.url));
const SELF = "run.ts";
/** Exit code for bad usage (an unknown example or option), as in most CLIs. */
const USAGE_ERROR = 2;

interface Example {
  readonly name: string;
  readonly file: string;
  readonly description: string;
}

async function listExamples(): Promise<Example[]> {
  const entries = await readdir(EXAMPLES_DIR, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => e.name)
    .filter((name) => name !== SELF && !name.startsWith("_"))
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

function usage(examples: readonly Example[]): string {
  const width = Math.max(0, ...examples.map((e) => e.name.length));
  const lines = examples.map((e) => `  ${e.name.padEnd(width)}  ${e.description}`);
  return [
    "Usage: npm run example -- <name> [args...]",
    "",
    "Examples:",
    ...(lines.length > 0 ? lines : ["  (none)"]),
    "",
  ].join("\n");
}

/** Runs the example in a child process; resolves with the exit code to pass on. */
async function runExample(example: Example, args: readonly string[]): Promise<number> {
  // Resolved here rather than left to the child, so it works from any working directory.
  const tsx = import.meta.resolve("tsx");
  const child = spawn(process.execPath, ["--import", tsx, example.file, ...args], {
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
    // Killed by a signal: report it the way shells do.
    return 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
  } finally {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
  }
}

function parseOwnArgs(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: { help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
}

async function main(argv: readonly string[]): Promise<number> {
  // Everything after the example's name belongs to the example, not to this runner.
  const nameAt = argv.findIndex((arg) => !arg.startsWith("-"));
  const own = nameAt < 0 ? argv : argv.slice(0, nameAt + 1);
  const rest = nameAt < 0 ? [] : argv.slice(nameAt + 1);
  const examples = await listExamples();

  let parsed: ReturnType<typeof parseOwnArgs>;
  try {
    parsed = parseOwnArgs(own);
  } catch (error) {
    // parseArgs throws a TypeError naming the unknown option.
    process.stderr.write(`${(error as Error).message}\n\n${usage(examples)}`);
    return USAGE_ERROR;
  }

  const name = parsed.positionals[0];
  if (parsed.values.help === true || name === undefined) {
    process.stdout.write(usage(examples));
    return 0;
  }
  const example = examples.find((e) => e.name === name || `${e.name}.ts` === name);
  if (example === undefined) {
    process.stderr.write(`Unknown example "${name}".\n\n${usage(examples)}`);
    return USAGE_ERROR;
  }
  return runExample(example, rest);
}

process.exitCode = await main(process.argv.slice(2));
